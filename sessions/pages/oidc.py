"""Sign in with the OpenID Connect provider (MitID through a broker): the pages way in.

Authlib's Django client does the protocol: authorization code flow with PKCE (S256), `state`
and `nonce` kept in the login session, the ID token's signature checked against the JWKS named
in the provider's discovery document (fetched again when a token names a key it does not know:
key rotation), and its issuer, audience and expiry. What we add: the issuer must be https://
(plain http only on loopback), the discovery document must name that same issuer, and the
citizen's side: a display name of their choice on the first sign-in (services.identity).
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.django_client import OAuth
from authlib.integrations.django_client.apps import DjangoOAuth2App
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from joserfc.errors import JoseError

from ..oidc_settings import url_problem
from ..services import identity
from .forms import DisplayNameForm

logger = logging.getLogger(__name__)

# Login-session keys: where to go after signing in, the identity waiting for a display name
# (and the first name, only to offer it), and that this login came through the provider.
NEXT_KEY = "oidc_next"
PENDING_KEY = "oidc_pending"
SIGNED_IN_KEY = "oidc_signed_in"
PROVIDER_TIMEOUT_SECONDS = 10
# The endpoints we call or send people to: each must be https:// (http only on loopback).
CHECKED_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")
# The discovery document is read again after a day (the JWKS whenever a key is unknown).
METADATA_MAX_AGE_SECONDS = 24 * 3600


class ProviderMisconfigured(Exception):
    """The provider's discovery document is not one we may trust."""


def oidc_enabled() -> bool:
    return bool(settings.OIDC_ISSUER and settings.OIDC_CLIENT_ID)


def oidc_client() -> DjangoOAuth2App:
    """The Authlib client for the configured provider, its discovery document loaded and
    checked. One per configuration in this process, so the JWKS is fetched once, and again
    only when a token names an unknown key."""
    client = _client_for(
        settings.OIDC_ISSUER,
        settings.OIDC_CLIENT_ID,
        settings.OIDC_CLIENT_SECRET,
        settings.OIDC_SCOPES,
    )
    loaded_at = client.server_metadata.get("_loaded_at")
    if loaded_at is not None and time.time() - loaded_at > METADATA_MAX_AGE_SECONDS:
        del client.server_metadata["_loaded_at"]  # Authlib reads it again
    metadata = client.load_server_metadata()
    problem = _metadata_problem(metadata)
    if problem:
        # Read it again next time: the provider may have put it right.
        client.server_metadata.pop("_loaded_at", None)
        raise ProviderMisconfigured(problem)
    return client


def _metadata_problem(metadata: dict[str, Any]) -> str | None:
    if str(metadata.get("issuer", "")).rstrip("/") != settings.OIDC_ISSUER:
        return "the discovery document names another issuer"
    for name in CHECKED_ENDPOINTS:
        problem = url_problem(str(metadata.get(name, "")))
        if problem:
            return f"{name}: {problem}"
    return None


@functools.lru_cache(maxsize=8)
def _client_for(issuer: str, client_id: str, client_secret: str, scopes: str) -> DjangoOAuth2App:
    problem = url_problem(issuer)
    if problem:
        raise ImproperlyConfigured(f"OIDC_ISSUER: {problem}")
    return OAuth().register(
        name="townhall_oidc",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": scopes,
            "code_challenge_method": "S256",
            "default_timeout": PROVIDER_TIMEOUT_SECONDS,
        },
    )


def _failed(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    """Every failure of the flow ends here: a page that says what happened, and a way back."""
    request.session.pop(PENDING_KEY, None)
    context = {"message": message, "provider": settings.OIDC_PROVIDER_NAME}
    return render(request, "registration/oidc_failed.html", context, status=status)


def _unavailable(request: HttpRequest, error: Exception) -> HttpResponse:
    """The provider cannot be reached, or is not one we may trust: a page, and a warning."""
    logger.warning("OIDC sign-in unavailable: %s", error)
    return _failed(
        request,
        _("Signing in with %(provider)s is not available right now. Try again later.")
        % {"provider": settings.OIDC_PROVIDER_NAME},
        status=503,
    )


def _next_url(request: HttpRequest, candidate: str) -> str:
    # Only back to this site: a link that signs people in must not send them elsewhere.
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


@require_GET
def oidc_login(request: HttpRequest) -> HttpResponse:
    """Send the browser to the provider, with state, nonce and a PKCE challenge kept here."""
    if not oidc_enabled():
        raise Http404
    try:
        client = oidc_client()
        redirect_uri = request.build_absolute_uri(reverse("oidc-callback"))
        response = client.authorize_redirect(request, redirect_uri, ui_locales=get_language())
    except (ImproperlyConfigured, ProviderMisconfigured, requests.RequestException) as error:
        return _unavailable(request, error)
    request.session[NEXT_KEY] = _next_url(request, request.GET.get("next", ""))
    return response


def _verified_claims(request: HttpRequest) -> dict[str, Any]:
    """The ID token's claims, after Authlib checked state, code, signature and claims."""
    token = oidc_client().authorize_access_token(request)
    claims = token.get("userinfo")
    if not claims:
        raise ValueError("the provider sent no ID token")
    return dict(claims)


@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    """The provider sends the browser back here with a code: sign in, or ask for a name."""
    if not oidc_enabled():
        raise Http404
    try:
        claims = _verified_claims(request)
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as error:
        # The kind of failure only: never a token, a code or a claim's value.
        logger.warning(
            "OIDC sign-in refused: %s %s %s",
            type(error).__name__,
            getattr(error, "error", "") or "",
            getattr(error, "description", "") or "",
        )
        return _failed(
            request,
            _("Signing in with %(provider)s did not succeed, and nothing was changed here.")
            % {"provider": settings.OIDC_PROVIDER_NAME},
            status=400,
        )
    except (ImproperlyConfigured, ProviderMisconfigured, requests.RequestException) as error:
        return _unavailable(request, error)
    try:
        provider_identity = identity.provider_identity(
            issuer=settings.OIDC_ISSUER,
            sub=str(claims.get("sub", "")),
            level=identity.assurance_level_of(claims),
        )
        if request.user.is_authenticated and not identity.is_verified(request.user):
            # A signed-in citizen verifies the account they have.
            identity.link_verified_identity(user=request.user, identity=provider_identity)
            messages.success(
                request,
                _("Your account is now verified with %(provider)s.")
                % {"provider": settings.OIDC_PROVIDER_NAME},
            )
            user = request.user
        else:
            user = identity.record_verified_sign_in(identity=provider_identity)
    except (PermissionDenied, ValidationError) as refused:
        logger.warning("OIDC sign-in refused: %s", getattr(refused, "code", "refused"))
        message = " ".join(refused.messages) if isinstance(refused, ValidationError) else refused
        return _failed(request, str(message), status=403)
    if user is None:
        given_name = claims.get("given_name")
        request.session[PENDING_KEY] = {
            **provider_identity.as_dict(),
            # Kept only to offer it on the next page; gone once the account is made.
            "first_name": given_name if isinstance(given_name, str) else "",
        }
        return redirect("oidc-welcome")
    return _sign_in(request, user)


def _sign_in(request: HttpRequest, user: Any) -> HttpResponse:
    next_url = request.session.pop(NEXT_KEY, "")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SIGNED_IN_KEY] = True
    return redirect(_next_url(request, next_url))


def oidc_welcome(request: HttpRequest) -> HttpResponse:
    """A first sign-in: the citizen chooses the name others see; then the account is made."""
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return redirect("login")
    first_name = pending.get("first_name", "")
    form = DisplayNameForm(request.POST or None, first_name=first_name)
    if request.method == "POST" and form.is_valid():
        try:
            user = identity.create_verified_account(
                identity=identity.ProviderIdentity(
                    issuer=pending["issuer"],
                    subject_hmac=pending["subject_hmac"],
                    level=pending["level"],
                ),
                display_name=form.chosen_name(),
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "identity_linked":
                return _failed(request, " ".join(error.messages), status=409)
            form.add_error(None, error)
        except PermissionDenied as refused:
            return _failed(request, str(refused), status=403)
        else:
            request.session.pop(PENDING_KEY, None)
            return _sign_in(request, user)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "provider": settings.OIDC_PROVIDER_NAME}
    return render(request, "registration/oidc_welcome.html", context, status=status)


class LogoutView(auth_views.LogoutView):
    """Ends our login session; after a sign-in through the provider, also the provider's,
    where its discovery document offers RP-initiated logout (end_session_endpoint)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        through_provider = bool(request.session.get(SIGNED_IN_KEY))
        response = super().post(request, *args, **kwargs)
        if not (through_provider and oidc_enabled()):
            return response
        try:
            client = oidc_client()
            if not client.load_server_metadata().get("end_session_endpoint"):
                return response
            logout_url = client.create_logout_url(
                post_logout_redirect_uri=request.build_absolute_uri(reverse("home")),
                client_id=settings.OIDC_CLIENT_ID,
            )["url"]
        except (ImproperlyConfigured, ProviderMisconfigured, requests.RequestException) as error:
            # Our session has ended; the provider's will end on its own.
            logger.warning("OIDC logout at the provider skipped: %s", error)
            return response
        if url_problem(logout_url):
            return response
        return redirect(logout_url)
