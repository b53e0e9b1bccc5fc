from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import services
from .models import (
    Ban,
    Event,
    ExportLog,
    ModerationAction,
    Moderator,
    Municipality,
    Notification,
    PersonalDataAccess,
    Politician,
    Post,
    PostReport,
    Reminder,
    Session,
    WatchedKeyword,
)


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "retention_days", "verified_only"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Politician)
class PoliticianAdmin(admin.ModelAdmin):
    list_display = ["name", "party", "role", "municipality", "user"]
    list_filter = ["municipality", "party"]
    search_fields = ["name", "party", "role"]
    autocomplete_fields = ["user"]


@admin.register(Moderator)
class ModeratorAdmin(admin.ModelAdmin):
    list_display = ["user", "municipality"]
    list_filter = ["municipality"]
    autocomplete_fields = ["user"]


class SessionAdminForm(forms.ModelForm):
    """The admin's form shows the services' rules as form errors before anything is saved."""

    class Meta:
        model = Session
        fields = [*services.EDITABLE_FIELDS, "politicians"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        try:
            if cleaned.get("starts_at") and cleaned.get("ends_at"):
                services.check_session_times(
                    starts_at=cleaned["starts_at"], ends_at=cleaned["ends_at"], now=timezone.now()
                )
                services.check_questions_open(
                    questions_open_at=cleaned.get("questions_open_at"),
                    starts_at=cleaned["starts_at"],
                )
                services.check_follow_up(
                    ends_at=cleaned["ends_at"], follow_up_until=cleaned.get("follow_up_until")
                )
            if cleaned.get("municipality"):
                services.check_panel(cleaned["municipality"], cleaned.get("politicians") or [])
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    form = SessionAdminForm
    list_display = ["title", "municipality", "starts_at", "ends_at"]
    list_filter = ["municipality"]
    search_fields = ["title"]
    filter_horizontal = ["politicians"]
    date_hierarchy = "starts_at"

    def save_model(
        self, request: HttpRequest, obj: Session, form: SessionAdminForm, change: bool
    ) -> None:
        # Through the services, like every other write: rules, lock, and session.updated for
        # everyone watching the page.
        fields = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS}
        panel = form.cleaned_data["politicians"]
        if change:
            saved = services.update_session(
                session=obj, user=request.user, politicians=panel, **fields
            )
        else:
            saved = services.create_session(user=request.user, politicians=panel, **fields)
        obj.pk, obj.last_seq = saved.pk, saved.last_seq

    def save_related(
        self, request: HttpRequest, form: SessionAdminForm, formsets: list, change: bool
    ) -> None:
        """The service has set the panel already; there are no inlines."""


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never changed here: such rows change only through the services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    # A post changed here would skip the services and the event log, and live pages would drift
    # from the database. Moderation gets its own view, through services.
    list_display = [
        "__str__",
        "session",
        "author",
        "politician",
        "status",
        "flagged",
        "report_count",
        "created_at",
    ]
    list_filter = ["status", "flagged", "session__municipality"]
    search_fields = ["body"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """What citizens were told and whether the e-mail went out: a `failed` one was tried
    MAX_EMAIL_ATTEMPTS times and logged as an error (services.notifications)."""

    list_display = [
        "created_at",
        "user",
        "kind",
        "session",
        "read_at",
        "email_state",
        "email_attempts",
        "emailed_at",
    ]
    list_filter = ["email_state", "kind"]
    date_hierarchy = "created_at"


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    """Who asked to be reminded of which session, and what was sent (services.reminders)."""

    list_display = ["created_at", "user", "session", "reminded_for_start", "told_questions_open_at"]
    list_filter = ["session"]
    date_hierarchy = "created_at"


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["session", "seq", "type", "created_at"]
    list_filter = ["type"]


# Moderation: shown here for the record; every change goes through the moderation view or the
# API, so that it is logged, checked against the moderator's municipality and broadcast.


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "moderator", "post", "user", "reason", "session"]
    list_filter = ["action", "reason", "municipality"]
    search_fields = ["note", "user__username", "moderator__username"]
    date_hierarchy = "created_at"


@admin.register(Ban)
class BanAdmin(ReadOnlyAdmin):
    list_display = [
        "user",
        "municipality",
        "reason",
        "created_by",
        "created_at",
        "ends_at",
        "lifted_at",
    ]
    list_filter = ["municipality", "reason"]
    search_fields = ["user__username", "note"]


@admin.register(PostReport)
class PostReportAdmin(ReadOnlyAdmin):
    list_display = ["post", "reporter", "reason", "created_at"]
    list_filter = ["reason", "post__session__municipality"]


@admin.register(WatchedKeyword)
class WatchedKeywordAdmin(ReadOnlyAdmin):
    list_display = ["phrase", "action", "municipality", "created_at"]
    list_filter = ["municipality", "action"]
    search_fields = ["phrase"]


@admin.register(ExportLog)
class ExportLogAdmin(admin.ModelAdmin):
    """The record of statistics downloads: read-only, written only by services.exports."""

    list_display = [
        "created_at",
        "user",
        "session",
        "municipality",
        "format",
        "pseudonymised",
        "source",
    ]
    list_filter = ["format", "source", "pseudonymised", "municipality"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ExportLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ExportLog | None = None) -> bool:
        return False


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ExportLogAdmin):
    """The audit trail of staff access to personal data: read-only, written only by services."""

    list_display = ["created_at", "actor", "action", "subject"]
    list_filter = ["action"]
    date_hierarchy = "created_at"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AuditedUserAdmin(UserAdmin):
    """Django's user admin, with the e-mail address out of the list: opening one account shows it,
    and that view is a row of the audit trail. Staff reset a lost second factor here."""

    list_display = ["username", "first_name", "last_name", "is_staff"]
    search_fields = ["username", "first_name", "last_name"]
    actions = ["reset_second_factor"]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        subject = self.get_object(request, object_id)
        if request.method == "GET" and response.status_code == 200 and subject and subject.email:
            services.record_access(
                actor=request.user,
                subject=subject,
                action=PersonalDataAccess.Action.VIEWED_EMAIL,
            )
        return response

    @admin.action(description=_("Reset two-factor sign-in (they set it up again)"))
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet) -> None:
        for user in queryset:
            services.reset_second_factor(user=user, by=request.user)
        self.message_user(
            request,
            _("Two-factor sign-in reset for %(count)d accounts.") % {"count": queryset.count()},
        )
