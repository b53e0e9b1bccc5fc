"""How alike two questions are: two ways, one per database, each with its own threshold.

SQLite (and any database but PostgreSQL): Danish Snowball stems, compared as sets in Python. A
session holds at most a few thousand questions, their stems are worked out once per session
state (selectors.similar_questions keeps them per seq), and comparing a typed text with 1,000
questions is a loop over small sets. A question's terms are its words, lower-cased, split on
anything that is not a letter or digit, without the short function words in STOP_WORDS, each
reduced to its Danish stem ("svømmehallen", "svømmehal" -> "svømmehal"). The score is the share
of the typed text's terms found in the question, weighted by how long the words are (a shared
"cykelsti" counts more than a shared "bus"), tempered by the Jaccard overlap so that a long
question does not match everything. It catches the same words in other inflections and orders
("Hvornår åbner svømmehallen?" and "Åbner svømmehallen snart?"). It misses synonyms ("bibliotek"
/ "bogsamling") and compounds split differently ("motorvejsstøjen" / "støjen fra motorvejen").

PostgreSQL: the same idea done by the database. Each question's terms are stored in a generated
column (`similarity_terms`, migration 0018): the lexemes of the `danish` text-search
configuration (the same Snowball stemmer, and PostgreSQL's Danish stop words) without
STOP_WORDS, as one string ("'svømmehal' 'åbn'"). Those strings are compared with pg_trgm's
trigrams: 0.7 x word_similarity (how much of the typed terms' trigrams a stretch of the
question's has: the "covered" share above) + 0.3 x similarity (the trigram sets' Jaccard
overlap: the tempering above). Trigrams of stems also match parts of words, so it catches
compounds split differently, inflections the stemmer leaves apart ("oversvømmelser" /
"oversvømmede"), typing errors, and a word still being typed ("svømmeh").

Each threshold is the middle of those that give the best F1 (precision and recall alike) on the
labelled pairs (tests/similarity_pairs.py) on its database: bench/similar_bench.py prints them
with precision and recall, and tests/test_similarity_quality.py checks the threshold is among them.
"""

from __future__ import annotations

import functools
import math
import re

import snowballstemmer
from django.db.models import Func, TextField, Value

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


# Offered as similar from this score (the stems' score).
STEMS_THRESHOLD = 0.59

# PostgreSQL: how much each of pg_trgm's two measures counts (as `covered` and `jaccard` above),
# and the score from which a question is offered.
WORD_SIMILARITY_WEIGHT = 0.7
SIMILARITY_WEIGHT = 0.3
POSTGRES_THRESHOLD = 0.56
# similarity is at most 1, so a score from POSTGRES_THRESHOLD needs at least this
# word_similarity: pg_trgm's `<%` operator, with its GIN index, finds those.
POSTGRES_WORD_SIMILARITY_FLOOR = (
    math.floor((POSTGRES_THRESHOLD - SIMILARITY_WEIGHT) / WORD_SIMILARITY_WEIGHT * 100) / 100
)

# The terms of a text in PostgreSQL: what the `similarity_terms` column stores for a body.
POSTGRES_TERMS_SQL = (
    "strip(ts_delete(to_tsvector('danish'::regconfig, {text}), "
    "tsvector_to_array(to_tsvector('danish'::regconfig, {stop_words}))))::text"
)


class DanishTerms(Func):
    """PostgreSQL: the terms of `text` as the `similarity_terms` column stores them for a body."""

    output_field = TextField()

    def __init__(self, text: str) -> None:
        super().__init__(Value(text), Value(" ".join(sorted(STOP_WORDS))))

    def as_sql(self, compiler, connection, **extra_context):
        text_sql, text_params = compiler.compile(self.source_expressions[0])
        stop_sql, stop_params = compiler.compile(self.source_expressions[1])
        sql = POSTGRES_TERMS_SQL.format(text=text_sql, stop_words=stop_sql)
        return sql, (*text_params, *stop_params)
