"""Two-factor sign-in: an authenticator app (TOTP) with recovery codes, through django-otp.

Who must use it is selectors.second_factor_required; the pages and the API decide what an
unverified session may reach. These functions hold the rules of the devices themselves: one
confirmed app per account, ten recovery codes each usable once, a code never accepted twice.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..models import PersonalDataAccess, RecoveryCode, RecoveryCodes, recovery_code_digest
from .audit import record_access
from .common import User

APP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
# Ten base-32 characters (50 random bits), shown as "abcde-fghij"; typed with or without the dash.
RECOVERY_CODE_LENGTH = 10
RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
# PBKDF2 rounds per code: one hash per attempt (the device's salt is shared by its codes), and
# 50 random bits times 100,000 rounds is far out of reach of a copied database.
RECOVERY_CODE_ITERATIONS = 100_000


def confirmed_app(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def begin_app_enrolment(*, user: User) -> TOTPDevice:
    """The unconfirmed app device whose QR code the enrolment page shows.

    The same device comes back until it is confirmed, so reloading the page keeps the QR code
    that the person may already have scanned. Refused once an app is confirmed (a reset first).
    """
    with transaction.atomic():
        if confirmed_app(user) is not None:
            raise ValidationError(_("An authenticator app is already set up for this account."))
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)
        return device


def confirm_app_enrolment(*, user: User, device: TOTPDevice, code: str) -> list[str]:
    """Confirm the app with a code it shows; returns new recovery codes, shown only this once.

    Locks the device row; replaces any earlier recovery codes. A wrong code changes nothing
    (but counts toward django-otp's throttle on the device).
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(pk=device.pk, user=user).first()
        if device is None or device.confirmed:
            raise ValidationError(_("This set-up has expired. Start again."))
        if not device.verify_token(_digits(code)):
            raise ValidationError(
                _("That code is not right. Enter the six digits your app shows now.")
            )
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return _new_recovery_codes(user)


def verify_second_factor(*, user: User, code: str) -> Device:
    """The device that accepts this code: the app's current code or an unused recovery code.

    A code the app already used, or a recovery code used before, is refused like a wrong one;
    a used recovery code is deleted. Raises ValidationError when no device of the user accepts it.
    """
    code = code.strip()
    with transaction.atomic():
        app = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if app is not None and code.replace(" ", "").isdigit() and app.verify_token(_digits(code)):
            return app
        typed = _recovery_form(code)
        if typed is not None:
            recovery = RecoveryCodes.objects.select_for_update().filter(user=user).first()
            if recovery is not None and recovery.verify_token(typed):
                return recovery
    raise ValidationError(_("That code is not right, or it has been used already."))


def reset_second_factor(*, user: User, by: User) -> None:
    """Remove the account's app and recovery codes (a lost phone); it enrols again at its next
    sign-in. Staff only; the reset is a row of the audit trail."""
    if not (by.is_authenticated and by.is_staff):
        raise PermissionDenied(_("Only staff can reset two-factor sign-in."))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCodes.objects.filter(user=user).delete()
        record_access(actor=by, subject=user, action=PersonalDataAccess.Action.SECOND_FACTOR_RESET)


def _new_recovery_codes(user: User) -> list[str]:
    """New codes for the user, replacing any earlier ones: returned to be shown this once, and
    stored only as hashes."""
    RecoveryCodes.objects.filter(user=user).delete()
    device = RecoveryCodes.objects.create(
        user=user,
        name=RECOVERY_NAME,
        confirmed=True,
        salt=secrets.token_hex(16),
        iterations=RECOVERY_CODE_ITERATIONS,
    )
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(
            device=device, digest=recovery_code_digest(code, device.salt, device.iterations)
        )
        for code in codes
    )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def _recovery_form(code: str) -> str | None:
    """A typed recovery code as stored (lower case, no dash or spaces), or None when it cannot
    be one (a six-digit app code, say), so no hash is spent on it."""
    typed = "".join(code.lower().replace("-", "").split())
    # 8 characters: the codes django-otp's static device made before, hashed by migration 0017.
    if len(typed) in (8, RECOVERY_CODE_LENGTH) and all(c in RECOVERY_ALPHABET for c in typed):
        return typed
    return None


def _digits(code: str) -> str:
    return "".join(code.split())
