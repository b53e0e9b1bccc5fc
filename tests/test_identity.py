"""Verified citizens in the core: who may take part in a verified-only municipality, the
assurance level, and the identity as stored (services/identity.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sessions import services
from sessions.models import Post, VerifiedIdentity, Vote
from sessions.services import identity
from sessions.services.identity import SignInRefused, VerificationRequired

from .factories import ModeratorFactory, PostFactory

pytestmark = pytest.mark.django_db
ISSUER = "https://broker.example.dk"
SUBSTANTIAL = "https://data.gov.dk/concept/core/nsis/Substantial"


def verify(user, sub: str = "the-sub") -> None:
    provider_identity = identity.provider_identity(issuer=ISSUER, sub=sub, level=SUBSTANTIAL)
    identity.link_verified_identity(user=user, identity=provider_identity)


@pytest.fixture
def verified_only(live_session):
    live_session.municipality.verified_only = True
    live_session.municipality.save()
    return live_session


def test_an_unverified_citizen_cannot_vote_or_reply_where_only_verified_citizens_take_part(
    verified_only, citizen
):
    question = PostFactory(session=verified_only)

    with pytest.raises(VerificationRequired) as refused_vote:
        services.vote(question=question, user=citizen)
    with pytest.raises(VerificationRequired):
        services.post_reply(post=question, author=citizen, body="Me too.")

    assert refused_vote.value.code == "verification_required"
    assert not Vote.objects.exists()
    assert Post.objects.filter(parent=question).count() == 0


def test_a_verified_citizen_votes_and_replies_there(verified_only, citizen):
    question = PostFactory(session=verified_only)
    verify(citizen)

    services.vote(question=question, user=citizen)
    reply = services.post_reply(post=question, author=citizen, body="Me too.")

    assert Vote.objects.get().user == citizen
    assert reply.status == Post.Status.PUBLISHED


def test_the_panel_moderators_and_staff_take_part_unverified(verified_only, mayor_user, staff):
    moderator = ModeratorFactory(municipality=verified_only.municipality).user
    for user in (mayor_user, moderator, staff):
        services.post_question(session=verified_only, author=user, body=f"From {user}?")
    assert verified_only.posts.count() == 3


def test_elsewhere_an_unverified_citizen_takes_part_as_before(live_session, citizen):
    services.post_question(session=live_session, author=citizen, body="Anyone?")
    assert live_session.posts.count() == 1


@pytest.mark.parametrize(
    ("level", "minimum", "accepted"),
    [
        (SUBSTANTIAL, "substantial", True),
        ("https://data.gov.dk/concept/core/nsis/High", "substantial", True),
        ("https://data.gov.dk/concept/core/nsis/Low", "substantial", False),
        ("", "low", False),
        ("something-else", "low", False),
        ("", "", True),
    ],
)
def test_the_assurance_level_is_compared_by_its_nsis_rank(settings, level, minimum, accepted):
    settings.OIDC_MIN_LOA = minimum
    if accepted:
        identity.check_assurance_level(level)
    else:
        with pytest.raises(SignInRefused):
            identity.check_assurance_level(level)


def test_the_subject_is_kept_only_as_an_hmac_under_its_own_key(settings):
    settings.TOWNHALL_IDENTITY_HMAC_KEY = "key-one"
    first = identity.subject_hmac(issuer=ISSUER, sub="abc")
    settings.TOWNHALL_IDENTITY_HMAC_KEY = "key-two"
    assert identity.subject_hmac(issuer=ISSUER, sub="abc") != first
    assert "abc" not in first and len(first) == 64
    assert identity.subject_hmac(issuer="https://other.example.dk", sub="abc") != first


def test_one_identity_one_account(citizen, other_citizen):
    verify(citizen)
    with pytest.raises(ValidationError) as refused:
        verify(other_citizen)
    assert refused.value.code == "identity_linked"
    with pytest.raises(ValidationError) as again:
        verify(citizen, sub="another-sub")
    assert again.value.code == "already_verified"
    assert VerifiedIdentity.objects.get().user == citizen


def test_staff_accounts_are_not_linked(staff):
    with pytest.raises(PermissionDenied):
        verify(staff)
    assert not VerifiedIdentity.objects.exists()


def test_a_sign_in_brings_the_level_and_time_up_to_date(citizen):
    verify(citizen)
    later = timezone.now() + timedelta(days=3)
    found = identity.record_verified_sign_in(
        identity=identity.provider_identity(
            issuer=ISSUER, sub="the-sub", level="https://data.gov.dk/concept/core/nsis/High"
        ),
        now=later,
    )
    stored = VerifiedIdentity.objects.get()
    assert found == citizen
    assert (stored.verified_at, stored.assurance_level.rsplit("/", 1)[1]) == (later, "High")


def test_an_unknown_identity_has_no_account_yet(citizen):
    unknown = identity.provider_identity(issuer=ISSUER, sub="nobody", level=SUBSTANTIAL)
    assert identity.record_verified_sign_in(identity=unknown) is None


def test_a_vote_refused_on_the_page_says_why_with_403(client, verified_only, citizen):
    question = PostFactory(session=verified_only)
    client.force_login(citizen)
    response = client.post(f"/posts/{question.pk}/vote/")
    assert response.status_code == 403
    assert "Only citizens who signed in with MitID may ask, reply and vote" in response.text
    assert not Vote.objects.exists()
