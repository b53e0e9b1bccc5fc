"""Two-factor sign-in pages: set up an authenticator app (QR code), or enter a code after the
password; and the middleware that keeps an unverified staff or moderator session on them.

The rules of the devices are services.two_factor's; who must use them is
selectors.second_factor_required. Wrong codes count toward django-axes' lockout of the username
and address, like wrong passwords.
"""

from __future__ import annotations

from base64 import b32encode
from collections.abc import Callable

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import selectors
from ..services import two_factor
from .accounts import locked_out
from .forms import SecondFactorForm

# What an unverified staff or moderator session may still reach: this page, signing out, the
# language switch and static files.
OPEN_PATH_NAMES = ("two-factor", "logout", "set_language")
OPEN_PATH_PREFIXES = ("/static/",)


def second_factor_pointer() -> str:
    return _(
        "Staff and moderators sign in with a second factor. Set up an authenticator app, or "
        "enter its code, at %(url)s."
    ) % {"url": reverse("two-factor")}


class SecondFactorMiddleware:
    """A signed-in account that needs a second factor and has not given it this login reaches
    only the two-factor page: pages redirect there, the API answers 403 with a pointer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.open_paths = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._must_verify(request):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "detail": second_factor_pointer(),
                        "code": "second_factor_required",
                        "enrol": request.build_absolute_uri(reverse("two-factor")),
                    },
                    status=403,
                )
            return redirect(f"{reverse('two-factor')}?next={request.get_full_path()}")
        return self.get_response(request)

    def _must_verify(self, request: HttpRequest) -> bool:
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return False
        if self.open_paths is None:
            self.open_paths = {reverse(name) for name in OPEN_PATH_NAMES}
        if request.path in self.open_paths or request.path.startswith(OPEN_PATH_PREFIXES):
            return False
        return selectors.second_factor_required(user)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


@login_required
def second_factor(request: HttpRequest) -> HttpResponse:
    """`/accounts/two-factor/`: enrol an app when the account has none, else enter a code."""
    user = request.user
    next_url = _next_url(request)
    if user.is_verified():
        return redirect(next_url)
    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        logout(request)
        return locked_out(request)
    app = two_factor.confirmed_app(user)
    form = SecondFactorForm(request.POST or None)
    enrolling = app is None
    device = two_factor.begin_app_enrolment(user=user) if enrolling else None
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if enrolling:
                recovery_codes = two_factor.confirm_app_enrolment(
                    user=user, device=device, code=code
                )
                device = TOTPDevice.objects.get(pk=device.pk)
            else:
                device = two_factor.verify_second_factor(user=user, code=code)
                recovery_codes = None
        except ValidationError as error:
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if not AxesProxyHandler.is_allowed(request, credentials):
                logout(request)
                return locked_out(request)
            form.add_error("code", error)
        else:
            otp_login(request, device)
            if recovery_codes:
                return render(
                    request,
                    "registration/recovery_codes.html",
                    {"recovery_codes": recovery_codes, "next": next_url},
                )
            return redirect(next_url)
    context = {"form": form, "enrolling": enrolling, "next": next_url}
    if enrolling:
        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(
            scale=5, title=_("QR code for your authenticator app")
        )
        context["secret"] = _grouped(device)
    status = 400 if form.errors else 200
    return render(request, "registration/two_factor.html", context, status=status)


def _grouped(device: TOTPDevice) -> str:
    """The key as authenticator apps take it by hand: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
