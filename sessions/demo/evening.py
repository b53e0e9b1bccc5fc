"""Faaborg-Midtfyn's meeting laid out over its evening, from the sentences in faaborg_midtfyn.py.

Deterministic: the same threads, texts, authors and minutes every time. Questions come in
rising and then falling numbers (most around 19:40), the topics take turns, a topic's chair
answers each question a few minutes after it was asked, and the other politicians and the
citizens carry on the thread. Every citizen writes their share of the 152 comments and every
politician theirs of the 169; `faaborg_threads` checks the totals before it returns.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from . import faaborg_midtfyn as fm
from .shapes import Reply, Thread

# Comments per citizen (a few loud voices, then threes and twos) and per politician.
CITIZEN_SHARES = [9, 8, 7, 6, 6, 5, 5, 5] + [4] * 6 + [3] * 17 + [2] * 13
POLITICIAN_SHARES = {
    fm.MAYOR: 12,
    "fm-hanne-bach": 12,
    "fm-louise-friis": 12,
    "fm-kim-thygesen": 12,
}
# No citizen asks more than this; with at most 9 comments each, a citizen also stays under the
# default rate limits (5 questions and 10 replies a minute) while the loader writes in seconds.
MOST_QUESTIONS = 3
FIRST_QUESTION, LAST_QUESTION, BUSIEST = 1.0, 104.0, 40.0  # minutes after the start
LAST_CITIZEN_MINUTE = 119.5  # the meeting closes at minute 120
NEXT_MORNING = 15 * 60.0  # 10:00 the day after: answers given after the meeting


def _spread(total: int, weights: Sequence[int]) -> list[int]:
    """`total` shared out in proportion to `weights` (largest remainders get the rest)."""
    exact = [total * weight / sum(weights) for weight in weights]
    shares = [math.floor(share) for share in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (shares[i] - exact[i], i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _question_minute(index: int, count: int) -> float:
    """A triangular spread of the questions over the evening, busiest at BUSIEST."""
    u = (index + 0.5) / count
    low, high, mode = FIRST_QUESTION, LAST_QUESTION, BUSIEST
    if u < (mode - low) / (high - low):
        minute = low + math.sqrt(u * (high - low) * (mode - low))
    else:
        minute = high - math.sqrt((1 - u) * (high - low) * (high - mode))
    return round(minute * 4) / 4


def _turn(use: int, sentences: int, openers: int) -> int:
    """The opener for the `use`-th use of a cycle of sentences: the next one each time, and a
    different one each time the same sentence comes round again, so no text repeats."""
    return (use + use // sentences) % openers


class _Quotas:
    """Who still has comments to write; picks the one with the most left, never `avoid`."""

    def __init__(self, shares: dict[str, int]) -> None:
        self.left = dict(shares)
        self.order = list(shares)

    def take(self, *, avoid: Sequence[str] = (), prefer: str = "", allowed: Callable = bool) -> str:
        if prefer and self.left.get(prefer, 0) > 0 and prefer not in avoid:
            chosen = prefer
        else:
            candidates = [
                name
                for name in self.order
                if self.left[name] > 0 and name not in avoid and allowed(name)
            ]
            if not candidates:
                raise ValueError("The demo's shares do not fit its threads.")
            chosen = max(candidates, key=lambda name: (self.left[name], -self.order.index(name)))
        self.left[chosen] -= 1
        return chosen


def _first_names() -> dict[str, str]:
    people = [(a.username, a.name) for a in fm.CITIZEN_ACCOUNTS]
    people += [(member.username, member.name) for member in fm.PANEL]
    return {username: name.split()[0] for username, name in people}


def faaborg_threads() -> list[Thread]:
    """Every published thread of the meeting, questions in time order."""
    first_names = _first_names()
    parties = {member.username: member.party for member in fm.PANEL}
    citizens = [account.username for account in fm.CITIZEN_ACCOUNTS]
    citizen_quota = _Quotas(dict(zip(citizens, CITIZEN_SHARES, strict=True)))
    panel = [member.username for member in fm.PANEL]
    politician_quota = _Quotas({name: POLITICIAN_SHARES.get(name, 11) for name in panel})
    asked: dict[str, int] = dict.fromkeys(citizens, 0)

    count = sum(len(topic.questions) for topic in fm.TOPICS)
    weights = [1 + (index * 7) % 5 for index in range(count)]
    questions = count
    citizen_replies = _spread(fm.CITIZEN_COMMENTS - questions, weights)
    politician_extras = _spread(fm.POLITICIAN_COMMENTS - questions, weights)
    votes = _spread(5 * count, [weight + index % 3 for index, weight in enumerate(weights)])

    # The sentences for any subject are used in turn, so a thread never repeats one.
    asides = follow_ups = 0
    threads: list[Thread] = []
    for index in range(count):
        subject = index % len(fm.TOPICS)
        topic = fm.TOPICS[subject]
        number = index // len(fm.TOPICS)
        asker = citizen_quota.take(allowed=lambda name: asked[name] < MOST_QUESTIONS)
        asked[asker] += 1
        politician_quota.left[topic.chair] -= 1  # the chair's answer
        answered_next_morning = index % 16 == 13
        # Now and then the chair answers without marking the question answered.
        marks_answered = index % 11 != 7

        # Who writes, in order: perhaps a citizen agreeing first, the chair's answer, then
        # politicians and citizens taking turns, whoever has more still to say first.
        citizens_left, politicians_left = citizen_replies[index], politician_extras[index]
        order: list[str] = []
        if citizens_left and index % 3:
            order.append("citizen")
            citizens_left -= 1
        order.append("chair")
        while citizens_left or politicians_left:
            if politicians_left and (politicians_left >= citizens_left or order[-1] == "citizen"):
                order.append("politician")
                politicians_left -= 1
            else:
                order.append("citizen")
                citizens_left -= 1
        if answered_next_morning:
            order.remove("chair")
            order.append("chair")

        asked_at = _question_minute(index, count)
        in_meeting = len(order) - (1 if answered_next_morning else 0)
        step = min(3.0, (LAST_CITIZEN_MINUTE - asked_at) / (in_meeting + 1))
        minute = asked_at
        replies: list[Reply] = []
        previous = asker
        thanked_by_asker = citizen_joined = remarked = False
        for position, writer in enumerate(order):
            # The chair takes a few minutes to answer; the rest follows at a steady pace.
            minute += step * (2 if writer == "chair" else 1)
            at = minute
            if writer == "chair":
                at = NEXT_MORNING + index if answered_next_morning else min(minute, 119.0)
                opener = fm.POLITICIAN_ANSWER_OPENERS[index % len(fm.POLITICIAN_ANSWER_OPENERS)]
                body = f"{opener.format(first=first_names[asker])} {topic.answers[number]}"
                replies.append(Reply(at, topic.chair, body, answers=marks_answered))
                previous = topic.chair
                continue
            k = index + position
            if writer == "citizen":
                prefer = asker if previous in panel and not thanked_by_asker else ""
                by = citizen_quota.take(avoid=(previous,), prefer=prefer)
                thanked_by_asker = thanked_by_asker or by == asker
                openers = fm.CITIZEN_FOLLOW_UPS if previous in panel else fm.CITIZEN_AGREEMENT
                if not citizen_joined:
                    opener, point = openers[k % len(openers)], topic.citizen_points[number]
                else:
                    opener = openers[_turn(asides, len(fm.CITIZEN_ASIDES), len(openers))]
                    point = fm.CITIZEN_ASIDES[asides % len(fm.CITIZEN_ASIDES)]
                    asides += 1
                opener = opener.format(first=first_names[previous])
                citizen_joined = True
                body = f"{opener} {point}"
            else:
                by = politician_quota.take(avoid=(previous, topic.chair))
                if previous in panel and not remarked:
                    # A politician's remark speaks to the one who asked.
                    opener = fm.POLITICIAN_REMARK_OPENERS[k % len(fm.POLITICIAN_REMARK_OPENERS)]
                    remark, addressed, remarked = topic.remarks[number], asker, True
                else:
                    sentences, openers = fm.POLITICIAN_FOLLOW_UPS, fm.POLITICIAN_REPLY_OPENERS
                    opener = openers[_turn(follow_ups, len(sentences), len(openers))]
                    remark = sentences[follow_ups % len(sentences)]
                    addressed = previous if previous not in panel else asker
                    follow_ups += 1
                body = f"{opener.format(first=first_names[addressed], party=parties[by])} {remark}"
            replies.append(Reply(round(at, 2), by, body))
            previous = by

        voters = tuple(
            citizens[(index * 5 + 3 * n + 1) % len(citizens)]
            for n in range(votes[index])
            if citizens[(index * 5 + 3 * n + 1) % len(citizens)] != asker
        )
        threads.append(
            Thread(asked_at, asker, topic.questions[number], voters=voters, replies=tuple(replies))
        )

    _check(threads, panel)
    return threads


def _check(threads: list[Thread], panel: list[str]) -> None:
    """The figures of the article, exactly, or the demo does not load."""
    posts = [(thread.by, thread.minute) for thread in threads]
    posts += [(reply.by, reply.minute) for thread in threads for reply in thread.replies]
    by_citizens = [(by, minute) for by, minute in posts if by not in panel]
    by_politicians = [by for by, _minute in posts if by in panel]
    figures = (
        len(by_citizens),
        len({by for by, _minute in by_citizens}),
        len(by_politicians),
        len(set(by_politicians)),
    )
    expected = (fm.CITIZEN_COMMENTS, fm.CITIZENS, fm.POLITICIAN_COMMENTS, fm.POLITICIANS)
    if figures != expected:
        raise ValueError(f"The demo meeting has {figures} comments and people, not {expected}.")
    if any(minute >= LAST_CITIZEN_MINUTE + 0.5 for _by, minute in by_citizens):
        raise ValueError("A citizen of the demo writes after the meeting closed.")
