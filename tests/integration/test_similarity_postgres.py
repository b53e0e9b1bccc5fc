"""Similar questions on PostgreSQL: the `danish` configuration's terms kept in a generated column
(migration 0018) and compared with pg_trgm, through the API."""

from __future__ import annotations

import pytest
from django.db import connection

from sessions import selectors, similarity
from sessions.models import Post
from tests.factories import PostFactory, SessionFactory, UserFactory
from tests.similarity_pairs import PAIRS

pytestmark = pytest.mark.django_db


@pytest.fixture
def asker():
    """One author for every question: this tier hashes passwords for real, slowly."""
    return UserFactory()


def test_postgres_keeps_each_questions_danish_terms_without_the_stop_words(asker):
    question = PostFactory(author=asker, body="Hvornår åbner svømmehallen igen?")
    only_stop_words = PostFactory(author=asker, body=" ".join(sorted(similarity.STOP_WORDS)))

    assert _stored_terms(question) == "'svømmehal' 'åbn'"
    # The column (migration 0018) was made with STOP_WORDS as they were then: when they change,
    # a new migration must redefine it, or questions and typed texts lose different words.
    assert _stored_terms(only_stop_words) == ""


def test_postgres_scores_a_typed_text_by_the_same_terms_as_the_stored_questions(asker):
    posts = [PostFactory(author=asker, body=asked) for _typed, asked, _same in PAIRS[:20]]

    for post in posts:
        typed_terms = Post.objects.annotate(terms=similarity.DanishTerms(post.body)).values_list(
            "terms", flat=True
        )[:1]
        assert typed_terms.get() == _stored_terms(post)


def test_postgres_finds_a_compound_split_differently(api_client, asker):
    session = SessionFactory()
    noise = PostFactory(session=session, author=asker, body="Hvad gør I ved støjen fra festivalen?")
    motorway = PostFactory(
        session=session, author=asker, body="Hvad vil I gøre ved motorvejsstøjen?"
    )

    response = api_client.get(
        f"/api/sessions/{session.pk}/similar/", {"text": "Hvad gør I ved støjen fra motorvejen?"}
    )

    assert response.status_code == 200
    found = response.json()
    assert [row["id"] for row in found] == [motorway.pk]
    assert found[0]["score"] >= similarity.POSTGRES_THRESHOLD
    assert noise.pk not in {row["id"] for row in found}


def test_postgres_finds_a_word_still_being_typed(api_client, asker):
    session = SessionFactory()
    pool = PostFactory(session=session, author=asker, body="Hvornår åbner svømmehallen igen?")
    PostFactory(session=session, author=asker, body="Hvad koster den nye skole?")

    found = api_client.get(
        f"/api/sessions/{session.pk}/similar/", {"text": "Hvornår åbner svømmeh"}
    ).json()

    assert [row["id"] for row in found] == [pool.pk]


def _stored_terms(post: Post) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT similarity_terms FROM {Post._meta.db_table} WHERE id = %s", [post.pk]
        )
        return cursor.fetchone()[0]


def test_postgres_suggests_the_same_pairs_as_scoring_every_pair(monkeypatch, asker):
    session = SessionFactory()
    bodies = list(dict.fromkeys(text for typed, asked, _same in PAIRS for text in (asked, typed)))
    for body in bodies:
        PostFactory(session=session, author=asker, body=body)
    questions = selectors.mergeable_questions(session)
    monkeypatch.setattr(selectors, "DUPLICATE_PAIRS_SHOWN", len(bodies) ** 2)

    suggested = {
        (pair.duplicate.pk, pair.original.pk): pair.score
        for pair in selectors.suggested_duplicates(questions)
    }

    # Without the trigram index's `<%` join: each question's score against all the others.
    every_pair = {}
    for later, question in enumerate(questions):
        scores = selectors.similarity_scores(session, question.body)
        for earlier in questions[:later]:
            if scores[earlier.pk] >= similarity.POSTGRES_THRESHOLD:
                every_pair[question.pk, earlier.pk] = scores[earlier.pk]
    assert len(every_pair) >= 30
    assert suggested.keys() == every_pair.keys()
    assert all(abs(suggested[key] - every_pair[key]) < 1e-3 for key in every_pair)


def test_postgres_suggests_a_compound_split_differently_to_moderators(asker):
    session = SessionFactory()
    motorway = PostFactory(
        session=session, author=asker, body="Hvad vil I gøre ved motorvejsstøjen?"
    )
    PostFactory(session=session, author=asker, body="Hvad gør I ved støjen fra festivalen?")
    later = PostFactory(session=session, author=asker, body="Hvad gør I ved støjen fra motorvejen?")

    pairs = selectors.suggested_duplicates(selectors.mergeable_questions(session))

    assert [(pair.duplicate.pk, pair.original.pk) for pair in pairs] == [(later.pk, motorway.pk)]


def test_postgres_offers_the_same_questions_as_scoring_every_question(asker):
    session = SessionFactory()
    for number, (_typed, asked, _same) in enumerate(PAIRS):
        PostFactory(session=session, author=asker, body=asked, vote_count=number % 3)

    for typed, _asked, _same in PAIRS:
        offered = selectors.similar_questions(session, typed)

        # Without the trigram index: every question's score, the best five from the threshold.
        scores = selectors.similarity_scores(session, typed)
        votes = dict(session.posts.values_list("pk", "vote_count"))
        expected = sorted(
            (pk for pk, score in scores.items() if score >= similarity.POSTGRES_THRESHOLD),
            key=lambda pk: (-round(scores[pk], 4), -votes[pk], pk),
        )[: selectors.SIMILAR_LIMIT]
        assert [found.id for found in offered] == expected, typed


@pytest.mark.parametrize(
    "text", ["???", "it's \\ 'quoted'", "svømmehal & !åbner | (", "hvornår og hvad", "ø" * 2000]
)
def test_postgres_answers_any_text_within_the_limit(api_client, asker, text):
    session = SessionFactory()
    PostFactory(session=session, author=asker, body="Hvornår åbner svømmehallen igen?")

    response = api_client.get(f"/api/sessions/{session.pk}/similar/", {"text": text})

    assert response.status_code == 200
    assert all(row["score"] >= similarity.POSTGRES_THRESHOLD for row in response.json())
