"""Municipalities and their politicians. Staff only."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from ..models import Municipality, Politician
from .common import User, require_staff

# What staff may change on a municipality after creating it (PATCH /api/municipalities/{id}/).
MUNICIPALITY_SETTINGS = ("embed_origins", "verified_only", "retention_days")


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


def update_municipality(
    *, municipality: Municipality, user: User, **changes: object
) -> Municipality:
    """Change a municipality's settings (MUNICIPALITY_SETTINGS). Staff only.

    `embed_origins` is a list of origins (scheme://host[:port]) allowed to frame the widget,
    kept without repeats in the order given; anything else (a path, "*", javascript:) is
    refused with a message naming it. Locks the municipality's row; broadcasts nothing (no
    session's viewers see these settings live).
    """
    require_staff(user)
    unknown = set(changes) - set(MUNICIPALITY_SETTINGS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    if isinstance(changes.get("embed_origins"), list):
        changes["embed_origins"] = list(dict.fromkeys(changes["embed_origins"]))
    with transaction.atomic():
        municipality = Municipality.objects.select_for_update().get(pk=municipality.pk)
        for name, value in changes.items():
            setattr(municipality, name, value)
        municipality.full_clean()
        municipality.save(update_fields=list(changes))
    return municipality
