"""The second factor in tests: an enrolled authenticator app, its codes, and clients whose
force_login() passes the second factor as the person would after typing the app's code.

Enforcement stays on in every test: a staff or moderator login that did not go through these
helpers reaches only the two-factor page (tests/pages/test_two_factor.py).
"""

from __future__ import annotations

import time

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from sessions import selectors


def enrolled_app(user) -> TOTPDevice:
    """The user's confirmed authenticator app, set up now if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def app_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the app shows now (or that many steps later, within the server's tolerance).

    A code of a step already used is refused, so a second sign-in in the same 30 seconds takes
    the next step's code, as an app would show a little later.
    """
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    step = max(totp.t() + steps_ahead, device.last_t + 1)
    totp.time = device.t0 + step * device.step
    return f"{totp.token():0{device.digits}d}"


class PassesSecondFactor:
    """force_login() as after the second factor, for accounts that need one."""

    def force_login(self, user, backend=None) -> None:
        super().force_login(user, backend)
        if selectors.second_factor_required(user):
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = enrolled_app(user).persistent_id
            session.save()


class SecondFactorClient(PassesSecondFactor, Client):
    pass


class SecondFactorAPIClient(PassesSecondFactor, APIClient):
    pass
