"""The audit trail of staff access to personal data (models.PersonalDataAccess)."""

from __future__ import annotations

from datetime import datetime

from ..models import PersonalDataAccess
from .common import User, resolve_now


def record_access(
    *, actor: User, subject: User, action: str, now: datetime | None = None
) -> PersonalDataAccess:
    """One row: who (actor) did what to whose data, when. Called inside the caller's transaction."""
    return PersonalDataAccess.objects.create(
        actor=actor, subject=subject, action=action, created_at=resolve_now(now)
    )
