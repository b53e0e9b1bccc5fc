"""The Faaborg-Midtfyn meeting, built exactly: 44 citizens wrote 152 comments, 15 politicians
wrote 169, plus removed and pending posts and votes that must not count as comments.

The yardstick of the statistics tests (tests/test_reports.py, test_exports.py,
test_session_report_command.py, test_report_page.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model

from sessions.models import Municipality, Politician, Post, Session, Vote

STARTS_AT = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)  # 19:00 in Faaborg
ENDS_AT = STARTS_AT + timedelta(minutes=90)
# Comments per citizen: a few loud voices, then 22 citizens with three and 18 with two.
CITIZEN_COMMENTS = [20, 12, 10, 8] + [3] * 22 + [2] * 18
POLITICIAN_COMMENTS = [12] * 4 + [11] * 11
ANSWERED_LIVE = 25
ANSWERED_AFTERWARDS = 5
VOTED_QUESTIONS = 20  # each with three votes


@dataclass
class Meeting:
    session: Session
    citizens: list
    politicians: list[Politician]
    silent_politician: Politician
    troll: object
    questions: list[Post]


def build_meeting() -> Meeting:
    assert sum(CITIZEN_COMMENTS) == 152 and len(CITIZEN_COMMENTS) == 44
    assert sum(POLITICIAN_COMMENTS) == 169 and len(POLITICIAN_COMMENTS) == 15
    User = get_user_model()
    municipality, _created = Municipality.objects.get_or_create(
        slug="faaborg-midtfyn", defaults={"name": "Faaborg-Midtfyn Kommune"}
    )
    citizens = User.objects.bulk_create(
        User(
            username=f"borger{i}",
            first_name=f"Borger {i:02d}",
            last_name="Hansen",
            email=f"borger{i}@example.org",
        )
        for i in range(44)
    )
    politician_users = User.objects.bulk_create(
        User(username=f"politiker{i}", first_name=f"Politiker {i:02d}") for i in range(16)
    )
    politicians = Politician.objects.bulk_create(
        Politician(
            municipality=municipality,
            name=f"Politiker {i:02d}",
            party="Venstre" if i % 2 else "Socialdemokratiet",
            role="Borgmester" if i == 0 else "Byrådsmedlem",
            user=user,
        )
        for i, user in enumerate(politician_users)
    )
    troll = User.objects.create(username="troll", first_name="Troll")
    session = Session.objects.create(
        municipality=municipality,
        title="Digitalt borgermøde om budgettet",
        starts_at=STARTS_AT,
        ends_at=ENDS_AT,
    )
    session.politicians.set(politicians)

    # Every citizen asks one question in the first 44 minutes.
    questions = Post.objects.bulk_create(
        Post(
            session=session,
            author=citizen,
            body=f"Spørgsmål fra {citizen.first_name}?",
            created_at=STARTS_AT + timedelta(minutes=i),
        )
        for i, citizen in enumerate(citizens)
    )
    # Then the replies, nine seconds apart from minute 44 on: each citizen follows up on their
    # own question once, and their other comments reply to other citizens' questions.
    replies: list[Post] = []
    clock = STARTS_AT + timedelta(minutes=44)

    def reply(author, question: Post, politician: Politician | None = None) -> None:
        nonlocal clock
        replies.append(
            Post(
                session=session,
                parent=question,
                author=author,
                politician=politician,
                body="Svar." if politician else "Enig.",
                created_at=clock,
            )
        )
        clock += timedelta(seconds=9)

    for i, (citizen, count) in enumerate(zip(citizens, CITIZEN_COMMENTS, strict=True)):
        reply(citizen, questions[i])
        for k in range(count - 2):
            reply(citizen, questions[(i + 1 + k) % 44])
    for p, (politician, count) in enumerate(zip(politicians, POLITICIAN_COMMENTS, strict=False)):
        for k in range(count):
            reply(politician.user, questions[(p * 3 + k) % 44], politician)
    Post.objects.bulk_create(replies)

    # Removed and pending posts: none of them counts as a comment.
    Post.objects.bulk_create(
        [
            Post(session=session, author=troll, body="=HYPERLINK(1)", status=Post.Status.HIDDEN,
                 created_at=STARTS_AT + timedelta(minutes=5)),
            Post(session=session, author=troll, body="Spam", status=Post.Status.HIDDEN,
                 created_at=STARTS_AT + timedelta(minutes=6)),
            Post(session=session, author=troll, body="Spam", status=Post.Status.REJECTED,
                 created_at=STARTS_AT + timedelta(minutes=7)),
            Post(session=session, author=citizens[0], parent=questions[1], body="Venter",
                 status=Post.Status.PENDING, created_at=STARTS_AT + timedelta(minutes=8)),
            Post(session=session, author=politicians[0].user, politician=politicians[0],
                 parent=questions[2], body="Fejl", status=Post.Status.HIDDEN,
                 created_at=STARTS_AT + timedelta(minutes=9)),
        ]
    )  # fmt: skip
    hidden_question = Post.objects.filter(session=session, author=troll).first()

    for i, question in enumerate(questions[: ANSWERED_LIVE + ANSWERED_AFTERWARDS]):
        question.is_answered = True
        question.answered_at = (
            ENDS_AT - timedelta(minutes=1) if i < ANSWERED_LIVE else ENDS_AT + timedelta(hours=1)
        )
    Post.objects.bulk_update(questions, ["is_answered", "answered_at"])

    votes = [
        Vote(post=question, user=citizens[(q + n) % 44], created_at=STARTS_AT)
        for q, question in enumerate(questions[:VOTED_QUESTIONS])
        for n in (1, 2, 3)
    ]
    # Votes on a hidden question do not count.
    votes += [Vote(post=hidden_question, user=citizens[n], created_at=STARTS_AT) for n in range(5)]
    Vote.objects.bulk_create(votes)
    return Meeting(
        session=session,
        citizens=citizens,
        politicians=politicians[:15],
        silent_politician=politicians[15],
        troll=troll,
        questions=questions,
    )
