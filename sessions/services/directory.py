"""Municipalities and their politicians. Staff only."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from ..models import Municipality, Politician
from .common import User, require_staff


def create_municipality(*, user: User, name: str, slug: str) -> Municipality:
    """Add a municipality. Staff only."""
    require_staff(user)
    municipality = Municipality(name=name, slug=slug)
    municipality.full_clean()
    municipality.save()
    return municipality


def create_politician(
    *,
    user: User,
    municipality: Municipality,
    name: str,
    party: str = "",
    role: str = "",
    photo_url: str = "",
    account: AbstractBaseUser | None = None,
) -> Politician:
    """Add a politician to a municipality, optionally linked to the account they answer from."""
    require_staff(user)
    politician = Politician(
        municipality=municipality,
        name=name,
        party=party,
        role=role,
        photo_url=photo_url,
        user=account,
    )
    politician.full_clean()
    politician.save()
    return politician
