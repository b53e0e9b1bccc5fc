"""Pages about one's own account: download one's data, delete the account; the login lockout."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ..services import accounts
from .forms import DeleteAccountForm


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: object = None
) -> HttpResponse:
    """django-axes' answer to a locked-out login: a page that says why and for how long."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


@login_required
@require_GET
def export_data(request: HttpRequest) -> HttpResponse:
    data = accounts.export_account_data(user=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    filename = f"townhall-{request.user.username}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, has_password=request.user.has_usable_password())
    if request.method == "POST" and form.is_valid():
        try:
            accounts.delete_account(
                user=request.user, password=form.cleaned_data.get("password", "")
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(
                "password" if isinstance(error, ValidationError) else None,
                " ".join(getattr(error, "messages", [str(error)])),
            )
        else:
            logout(request)
            messages.success(
                request,
                _("Your account has been deleted. Your posts now show as by a deleted user."),
            )
            return redirect("home")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/delete.html", {"form": form}, status=status)
