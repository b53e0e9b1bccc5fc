"""Pages about what a signed-in citizen is told: their notifications (with unread marks and
e-mail settings), their questions across sessions with each one's fate, and the unsubscribe
link of the e-mails, which works without a login."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from .. import selectors
from ..models import Notification, Post
from ..services import notifications
from .forms import EmailNotificationsForm


def _email_form(request: HttpRequest) -> EmailNotificationsForm:
    settings_row = notifications.email_settings(request.user)
    return EmailNotificationsForm(
        initial={
            "email": request.user.email,
            "opt_in": bool(settings_row and settings_row.email_opt_in),
        }
    )


def _render_list(
    request: HttpRequest, form: EmailNotificationsForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "notifications/list.html",
        {"notifications": selectors.notifications_of(request.user), "email_form": form},
        status=status,
    )


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request, _email_form(request))


@login_required
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification to what it is about, and mark it read."""
    notification = get_object_or_404(Notification, pk=notification_id, user=request.user)
    notifications.mark_read(user=request.user, ids=[notification.pk])
    url = reverse("session", args=[notification.session_id])
    if notification.post_id:
        url += f"#post-{notification.post_id}"
    return redirect(url)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    notifications.mark_read(user=request.user)
    messages.success(request, _("All your notifications are marked read."))
    return redirect("notifications")


@login_required
@require_POST
def email_settings(request: HttpRequest) -> HttpResponse:
    form = EmailNotificationsForm(request.POST)
    if form.is_valid():
        try:
            notifications.set_email_notifications(
                user=request.user,
                opt_in=form.cleaned_data["opt_in"],
                email=form.cleaned_data["email"],
                language=translation.get_language(),
            )
        except (ValidationError, PermissionDenied) as error:
            if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(
                request,
                _("We will tell you by e-mail.")
                if form.cleaned_data["opt_in"]
                else _("We will not send you e-mails."),
            )
            return redirect("notifications")
    return _render_list(request, form, status=400)


# Mail programs post to the link without a form token (RFC 8058 one-click): the signed token
# is the proof, and all it can do is stop e-mails.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (a link scanner must not unsubscribe anyone), POST stops the e-mails."""
    try:
        user = notifications.user_of_unsubscribe_token(token)
        if request.method == "POST":
            notifications.unsubscribe(token=token)
    except ValidationError as error:
        return render(
            request, "notifications/unsubscribe.html", {"error": error.messages[0]}, status=400
        )
    return render(
        request,
        "notifications/unsubscribe.html",
        {"done": request.method == "POST", "has_email": bool(user.email)},
    )


@login_required
def your_questions(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    questions = selectors.questions_of(request.user)
    news = selectors.posts_with_unread_notifications(request.user)
    rows = [
        {
            "question": question,
            "fate": question.fate_at(now) if question.status == Post.Status.PUBLISHED else None,
            "unread": question.pk in news,
        }
        for question in questions
    ]
    return render(request, "notifications/your_questions.html", {"rows": rows})
