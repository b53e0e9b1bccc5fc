"""How alike two questions are: Danish Snowball stems, compared as sets.

Used everywhere (SQLite and PostgreSQL alike), in Python: a session holds at most a few thousand
questions, their stems are worked out once per session state (selectors.similar_questions keeps
them per seq), and comparing a typed text with 1,000 questions is a loop over small sets.

A question's terms are its words, lower-cased, split on anything that is not a letter or digit,
without the short function words in STOP_WORDS, each reduced to its Danish stem
("svømmehallen", "svømmehal" -> "svømmehal"). The score is the share of the typed text's terms
found in the question, weighted by how long the words are (a shared "cykelsti" counts more than a
shared "bus"), tempered by the Jaccard overlap so that a long question does not match everything.

It catches the same words in other inflections and orders ("Hvornår åbner svømmehallen?" and
"Åbner svømmehallen snart?"). It misses synonyms ("bibliotek" / "bogsamling") and compounds split
differently ("cykelsti" / "sti til cykler").
"""

from __future__ import annotations

import functools
import re

import snowballstemmer

WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Danish function words that say nothing about what is asked.
STOP_WORDS_TEXT = """
af alle alt at blev bliver da de dem den denne der deres det dette dig din dine disse du
efter eller en end er et for fra få gør har hun hvad hvem hvis hvor hvordan hvorfor hvornår
i ikke ind jeg jer jeres jo kan kommer kunne man mange med meget men mig min mine mit må ned
noget nogle nu når og også om op os over på sig sin sine sit skal skulle som så til ud under
var vi vil ville være været
igen snart ny nye nyt gammel gamle mange flere lang længe hos ved ingen altid sker gøre gøres
bygges bygget får fået tid
"""
STOP_WORDS = frozenset(STOP_WORDS_TEXT.split())


@functools.cache
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("danish")


def terms(text: str) -> frozenset[str]:
    """The stems of the words of `text` that carry meaning."""
    words = [word for word in WORD.findall(text.lower()) if word not in STOP_WORDS]
    return frozenset(_stemmer().stemWords(words))


def score(asked: frozenset[str], question: frozenset[str]) -> float:
    """0 to 1: how much of `asked` the question covers, tempered by their overlap."""
    if not asked or not question:
        return 0.0
    shared = asked & question
    if not shared:
        return 0.0
    covered = sum(len(term) for term in shared) / sum(len(term) for term in asked)
    jaccard = len(shared) / len(asked | question)
    return round(0.7 * covered + 0.3 * jaccard, 4)
