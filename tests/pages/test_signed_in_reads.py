"""A signed-in reader's session page in few queries (issue 18): what it knows about the reader
comes from one query (selectors.viewer_facts), the panel once per session state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sessions import selectors, services
from sessions.models import Moderator
from tests.factories import MunicipalityFactory, PoliticianFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_viewer_facts_knows_votes_role_ban_and_unpublished_posts(
    live_session, citizen, other_citizen, staff
):
    now = timezone.now()
    assert selectors.viewer_facts(citizen, live_session, now) == selectors.NO_VIEWER

    asked = services.post_question(session=live_session, author=other_citizen, body="Hvornår?")
    services.vote(question=asked, user=citizen)
    own = services.post_question(session=live_session, author=citizen, body="Hvad koster det?")
    Moderator.objects.create(user=staff, municipality=live_session.municipality)
    services.hide_post(post=own, user=staff, reason="off_topic")
    services.ban_user(
        municipality=live_session.municipality,
        user=staff,
        target=citizen,
        reason="spam",
        ends_at=now + timedelta(days=1),
    )

    facts = selectors.viewer_facts(citizen, live_session, timezone.now())
    assert facts.voted == {asked.pk}
    assert facts.banned and facts.has_unpublished and not facts.moderates
    # The ban is over the day after: the same reader, no longer banned.
    assert not selectors.viewer_facts(citizen, live_session, now + timedelta(days=2)).banned
    # Nor once a moderator lifts it.
    services.lift_ban(
        ban=selectors.active_ban(citizen, live_session.municipality_id, now), user=staff
    )
    assert not selectors.viewer_facts(citizen, live_session, timezone.now()).banned
    assert selectors.viewer_facts(other_citizen, live_session, now).voted == frozenset()


def test_a_moderator_of_the_municipality_moderates_and_one_elsewhere_does_not(
    live_session, citizen
):
    now = timezone.now()
    elsewhere = MunicipalityFactory(name="Faaborg-Midtfyn Kommune", slug="faaborg-midtfyn")
    Moderator.objects.create(user=citizen, municipality=elsewhere)
    assert not selectors.viewer_facts(citizen, live_session, now).moderates
    Moderator.objects.create(user=citizen, municipality=live_session.municipality)
    assert selectors.viewer_facts(citizen, live_session, now).moderates


def test_a_signed_in_page_load_asks_the_database_little(
    client, live_session, citizen, django_assert_max_num_queries, settings
):
    # The published seq outlives a slow machine's pause between the two loads.
    settings.TOWNHALL_PUBLISHED_SEQ_SECONDS = 600
    services.post_question(session=live_session, author=citizen, body="Hvornår åbner hallen?")
    client.force_login(citizen)
    client.get(f"/sessions/{live_session.pk}/")
    # The login session, the user, whether they need a second factor, the reader's votes,
    # role, ban, own posts and reminder, and the session's polls. The session's row and panel
    # are known at its published seq since the first load.
    with django_assert_max_num_queries(5):
        html = client.get(f"/sessions/{live_session.pk}/").content.decode()
    assert "Hvornår åbner hallen?" in html


def test_a_new_panel_member_gets_their_controls_at_the_next_page_load(client, live_session, staff):
    """The panel is read once per session state: changing it is an event, so it shows."""
    deputy = PoliticianFactory(
        municipality=live_session.municipality, name="Bo Berg", user=UserFactory(username="bo")
    )
    client.force_login(deputy.user)
    services.post_question(session=live_session, author=UserFactory(), body="Et spørgsmål")
    before = client.get(f"/sessions/{live_session.pk}/").content.decode()
    services.update_session(
        session=live_session, user=staff, politicians=[*live_session.politicians.all(), deputy]
    )
    after = client.get(f"/sessions/{live_session.pk}/").content.decode()
    assert "Answer as Bo Berg" not in before
    assert "Answer as Bo Berg" in after
