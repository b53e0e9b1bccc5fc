"""The "Remind me" button on the session page and the home page (issue 15): a form that works
without JavaScript, over services.reminders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..models import Session
from ..services import reminders


@login_required
@require_POST
def reminder(request: HttpRequest, session_id: int) -> HttpResponse:
    """POST action=remind asks for the reminder, action=forget takes it back; back to the page
    the button was on (the home page or the session's), with what happened as a message."""
    session = get_object_or_404(Session.objects.select_related("municipality"), pk=session_id)
    action = request.POST.get("action")
    try:
        if action == "remind":
            reminders.remind_me(
                session=session, user=request.user, language=translation.get_language()
            )
            messages.success(
                request,
                _("Reminder set for “%(title)s”.") % {"title": session.title}
                + " "
                + reminders.describe(session),
            )
        elif action == "forget":
            reminders.forget_reminder(session=session, user=request.user)
            messages.success(
                request, _("Reminder taken back for “%(title)s”.") % {"title": session.title}
            )
        else:
            raise ValidationError(_("Unknown action."))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    home = reverse("home")
    if request.POST.get("next") == home:
        return redirect(f"{home}#upcoming-{session.pk}")
    return redirect(reverse("session", args=[session.pk]))
