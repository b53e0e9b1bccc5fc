"""Verified citizens: an identity from the OpenID Connect provider (MitID) linked to an account.

The provider's `sub` is kept only as an HMAC keyed by TOWNHALL_IDENTITY_HMAC_KEY, so a leaked
database does not hand out the provider's identifiers; never a CPR number, never the provider's
name claims (the citizen's display name is their own choice). Who calls: the OIDC pages, after
Authlib has checked the ID token (signature, issuer, audience, expiry, nonce).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from ..models import Municipality, Politician, Session, VerifiedIdentity
from ..payloads import is_verified_account
from ..selectors import moderates, politician_for
from .accounts import announce_author_change
from .common import User, require_signed_in, resolve_now

# Where a Danish broker puts the assurance level (NSIS): its own claim, the NemLog-in URI, or
# the standard `acr`.
ASSURANCE_CLAIMS = ("loa", "https://data.gov.dk/concept/core/nsis/loa", "acr")
# NSIS levels, lowest first; a level is compared by its last word ("…/nsis/Substantial").
ASSURANCE_ORDER = ("low", "substantial", "high")
DISPLAY_NAME_MAX_LENGTH = 40
VERIFIED_USERNAME_PREFIX = "verified-"


class VerificationRequired(PermissionDenied):
    """An unverified account tried to take part where only verified citizens may (403,
    code "verification_required")."""

    code = "verification_required"


class SignInRefused(PermissionDenied):
    """The provider vouched for someone we cannot sign in: level too low, account closed."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ProviderIdentity:
    """Who the provider vouched for, in the form we keep: no raw `sub`, no names."""

    issuer: str
    subject_hmac: str
    level: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def provider_identity(*, issuer: str, sub: str, level: str) -> ProviderIdentity:
    if not sub:
        raise ValidationError(_("The provider did not say who you are."), code="no_subject")
    return ProviderIdentity(
        issuer=issuer, subject_hmac=subject_hmac(issuer=issuer, sub=sub), level=level
    )


def subject_hmac(*, issuer: str, sub: str) -> str:
    """The stored form of the provider's `sub`: an HMAC-SHA256, keyed by a setting."""
    return salted_hmac(
        "townhall.verified-identity",
        f"{issuer}\n{sub}",
        secret=settings.TOWNHALL_IDENTITY_HMAC_KEY,
        algorithm="sha256",
    ).hexdigest()


def assurance_level_of(claims: Mapping[str, object]) -> str:
    """The assurance level the ID token states, or "" when it states none."""
    for name in ASSURANCE_CLAIMS:
        value = claims.get(name)
        if isinstance(value, str) and value:
            return value
    return ""


def _rank(level: str) -> int | None:
    word = re.split(r"[/:#]", level.strip().lower())[-1]
    return ASSURANCE_ORDER.index(word) if word in ASSURANCE_ORDER else None


def check_assurance_level(level: str) -> None:
    """Refuse a level below OIDC_MIN_LOA (SignInRefused, code "assurance_too_low")."""
    minimum = settings.OIDC_MIN_LOA
    if not minimum:
        return
    have, need = _rank(level), _rank(minimum)
    if have is None or need is None or have < need:
        raise SignInRefused(
            _(
                "Your sign-in was at too low an assurance level for this site. Sign in again "
                "with %(provider)s at a higher level (for example with the MitID app)."
            )
            % {"provider": settings.OIDC_PROVIDER_NAME},
            code="assurance_too_low",
        )


def record_verified_sign_in(
    *, identity: ProviderIdentity, now: datetime | None = None
) -> User | None:
    """The account of this identity with its level and time of verification brought up to
    date, or None when the identity is new (the caller then asks for a display name and calls
    create_verified_account). An account under a ban stays the identity's account: a ban sticks.

    Refuses a level below OIDC_MIN_LOA and an account that was closed (SignInRefused).
    Broadcasts nothing.
    """
    check_assurance_level(identity.level)
    now = resolve_now(now)
    with transaction.atomic():
        found = (
            VerifiedIdentity.objects.select_for_update()
            .select_related("user")
            .filter(issuer=identity.issuer, subject_hmac=identity.subject_hmac)
            .first()
        )
        if found is None:
            return None
        if not found.user.is_active:
            raise SignInRefused(
                _("The account of this identity has been closed. Ask the municipality for help."),
                code="account_closed",
            )
        found.assurance_level = identity.level
        found.verified_at = now
        found.save(update_fields=["assurance_level", "verified_at"])
    return found.user


def clean_display_name(name: object) -> str:
    """A display name, trimmed: refuses empty, over-long and taken names (ValidationError)."""
    text = " ".join(name.split()) if isinstance(name, str) else ""
    if not text:
        raise ValidationError({"display_name": _("Choose a name to be shown.")}, code="blank")
    if len(text) > DISPLAY_NAME_MAX_LENGTH:
        raise ValidationError(
            {
                "display_name": _("Keep the name to %(limit)d characters.")
                % {"limit": DISPLAY_NAME_MAX_LENGTH}
            },
            code="max_length",
        )
    if any(not character.isprintable() for character in text):
        raise ValidationError(
            {"display_name": _("The name holds characters that cannot be shown.")}
        )
    users = get_user_model().objects
    taken = (
        users.filter(Q(username__iexact=text) | Q(first_name__iexact=text, last_name="")).exists()
        or Politician.objects.filter(name__iexact=text).exists()
    )
    if taken:
        raise ValidationError(
            {"display_name": _("Someone already goes by that name. Choose another.")},
            code="taken",
        )
    return text


def _link(user: User, identity: ProviderIdentity, now: datetime) -> VerifiedIdentity:
    # The unique (issuer, subject_hmac) constraint refuses a second account (IntegrityError).
    linked = VerifiedIdentity.objects.create(
        user=user,
        issuer=identity.issuer,
        subject_hmac=identity.subject_hmac,
        assurance_level=identity.level,
        created_at=now,
        verified_at=now,
    )
    user.verified_identity = linked
    return linked


def create_verified_account(
    *, identity: ProviderIdentity, display_name: object, now: datetime | None = None
) -> User:
    """A new citizen account for a first sign-in, shown by `display_name`, with its identity.

    The account has no password (it signs in through the provider). An identity already linked
    to an account (a second tab, or a banned person trying again) gets no new one: refused with
    ValidationError (code "identity_linked"), nothing made. Broadcasts nothing.
    """
    check_assurance_level(identity.level)
    name = clean_display_name(display_name)
    now = resolve_now(now)
    try:
        with transaction.atomic():
            if VerifiedIdentity.objects.filter(
                issuer=identity.issuer, subject_hmac=identity.subject_hmac
            ).exists():
                raise IntegrityError("identity already linked")
            user = get_user_model()(
                username=f"{VERIFIED_USERNAME_PREFIX}{secrets.token_hex(8)}", first_name=name
            )
            user.set_unusable_password()
            user.save()
            _link(user, identity, now)
    except IntegrityError:
        raise ValidationError(
            _("This identity already has an account here. Sign in again to use it."),
            code="identity_linked",
        ) from None
    return user


def link_verified_identity(
    *, user: User, identity: ProviderIdentity, now: datetime | None = None
) -> VerifiedIdentity:
    """Link a verified identity to a signed-in citizen's existing account (a password one).

    An identity is linked to at most one account, and an account to at most one identity:
    refused otherwise (ValidationError, codes "identity_linked", "already_verified"); staff
    accounts keep their password and second factor (PermissionDenied). Locks the sessions the
    citizen posted in; broadcasts post.updated for their published posts (the verified mark).
    """
    require_signed_in(user, _("Sign in to verify your account."))
    if user.is_staff:
        raise PermissionDenied(_("Staff accounts sign in with a password and a second factor."))
    check_assurance_level(identity.level)
    now = resolve_now(now)
    try:
        with transaction.atomic():
            if VerifiedIdentity.objects.filter(user=user).exists():
                raise ValidationError(
                    _("Your account is already verified."), code="already_verified"
                )
            linked = _link(user, identity, now)
            announce_author_change(user, now)
    except IntegrityError:
        raise ValidationError(
            _("This identity is already linked to another account here."), code="identity_linked"
        ) from None
    return linked


def is_verified(user: User) -> bool:
    return user.is_authenticated and is_verified_account(user)


def verification_needed(user: User, session: Session) -> str:
    """Why this signed-in user may not take part in the session unverified, or "" when they
    may: the municipality admits only verified citizens. Panel politicians, the municipality's
    moderators and staff are not citizens here and take part as before. Reads only."""
    municipality: Municipality = session.municipality
    if not (user.is_authenticated and municipality.verified_only) or is_verified(user):
        return ""
    if user.is_staff or moderates(user, municipality.pk) or politician_for(user, session):
        return ""
    return _(
        "Only citizens who signed in with %(provider)s may ask, reply and vote in "
        "%(municipality)s's sessions. Sign in with %(provider)s to take part; you can "
        "still read everything."
    ) % {"provider": settings.OIDC_PROVIDER_NAME, "municipality": municipality.name}


def require_verified_to_take_part(user: User, session: Session) -> None:
    """Refuse an unverified citizen where only verified ones take part (VerificationRequired)."""
    message = verification_needed(user, session)
    if message:
        raise VerificationRequired(message)
