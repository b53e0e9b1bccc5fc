from django.contrib import admin
from django.http import HttpRequest

from . import services
from .models import Event, Moderator, Municipality, Politician, Post, Session


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
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


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["title", "municipality", "starts_at", "ends_at"]
    list_filter = ["municipality"]
    search_fields = ["title"]
    filter_horizontal = ["politicians"]
    date_hierarchy = "starts_at"

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if change:
            # Viewers of a live page see new times or a new panel at once.
            services.announce_session_edit(session=form.instance)


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["__str__", "session", "author", "politician", "status", "created_at"]
    list_filter = ["status", "session__municipality"]
    search_fields = ["body"]
    raw_id_fields = ["session", "parent", "author", "politician"]
    readonly_fields = ["vote_count"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["session", "seq", "type", "created_at"]
    list_filter = ["type"]
    readonly_fields = ["session", "seq", "type", "data", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
