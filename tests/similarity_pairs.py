"""A labelled set of Danish question pairs for the similar-questions check (sessions/similarity.py).

Each pair is (what a citizen types, a question already asked, whether it is the same question).
Duplicates are asked in other words, inflections and orders; near-misses share words but ask
something else. bench/similar_bench.py prints precision and recall on it, and
tests/test_similarity_quality.py holds them above a floor, on the database each runs on.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from sessions import selectors
from sessions.models import Post, Session

DUPLICATES: list[tuple[str, str]] = [
    ("Hvornår åbner svømmehallen igen?", "Åbner svømmehallen snart igen?"),
    ("Hvornår bliver cykelstien på Køgevej færdig?", "Er cykelstien langs Køgevej snart færdig?"),
    ("Hvad koster den nye skole?", "Hvor meget kommer den nye skole til at koste?"),
    ("Hvorfor lukker biblioteket i Himmelev?", "Skal Himmelev bibliotek virkelig lukke?"),
    ("Hvornår kommer der fibernet på landet?", "Får vi snart fibernet ude på landet?"),
    ("Bliver der flere p-pladser ved stationen?", "Kommer der flere p-pladser ved stationen?"),
    (
        "Hvad gør I ved ventelisterne til børnehaver?",
        "Hvad gøres der ved ventelister til børnehave?",
    ),
    ("Hvorfor stiger ejendomsskatten?", "Hvorfor er ejendomsskatten steget så meget?"),
    ("Hvornår bliver vejen ved skolen repareret?", "Repareres vejen ved skolen snart?"),
    ("Kan busserne køre oftere om aftenen?", "Kan bussen køre oftere om aftenen?"),
    ("Hvad sker der med den gamle rådhusgrund?", "Hvad skal rådhusgrunden bruges til?"),
    ("Hvorfor bliver hjemmeplejen skåret ned?", "Hvorfor skærer I ned på hjemmeplejen?"),
    ("Hvornår åbner det nye plejecenter?", "Hvornår står det nye plejecenter klar?"),
    (
        "Hvordan vil I sikre flere lærere i folkeskolen?",
        "Hvordan sikrer I nok lærere i folkeskolen?",
    ),
    ("Skal der bygges vindmøller ved Gadstrup?", "Kommer der vindmøller ved Gadstrup?"),
    ("Hvornår bliver havnebadet åbnet?", "Åbner havnebadet i år?"),
    ("Hvad gør kommunen mod oversvømmelser i kældrene?", "Hvad gør I ved oversvømmede kældre?"),
    (
        "Hvorfor er der så lang ventetid på byggetilladelser?",
        "Hvorfor tager byggetilladelser så lang tid?",
    ),
    ("Får vi en ny hal i Viby?", "Bliver der bygget en ny hal i Viby?"),
    ("Hvornår bliver skolernes toiletter renoveret?", "Renoverer I snart toiletterne på skolerne?"),
    (
        "Hvad koster affaldssorteringen for husstandene?",
        "Hvad kommer affaldssortering til at koste husstande?",
    ),
    ("Hvorfor lukker I dagplejen i Jyllinge?", "Lukker dagplejen i Jyllinge?"),
    ("Kommer der en lyskurv ved Ringstedvej?", "Kan vi få et lyskryds ved Ringstedvej?"),
    ("Hvornår bliver stierne i Boserup Skov ryddet?", "Rydder I stierne i Boserup Skov?"),
    (
        "Hvordan hjælper I de ældre med digitalisering?",
        "Hvad gør I for ældre, der har svært ved digitalisering?",
    ),
    ("Bliver musikskolen dyrere?", "Stiger prisen på musikskolen?"),
    ("Hvornår kommer letbanen til Trekroner?", "Kører letbanen snart til Trekroner?"),
    ("Hvad gør I ved støjen fra motorvejen?", "Hvad vil I gøre ved motorvejsstøjen?"),
    (
        "Hvorfor er der ikke flere skraldespande i parken?",
        "Kan der komme flere skraldespande i parken?",
    ),
    ("Hvornår åbner den nye idrætshal?", "Hvornår er idrætshallen klar til brug?"),
    ("Kan I sænke hastigheden på Hovedgaden?", "Hvorfor sænker I ikke hastigheden på Hovedgaden?"),
    (
        "Hvordan vil I skaffe flere sosu-assistenter?",
        "Hvordan skaffer kommunen flere sosu-assistenter?",
    ),
    (
        "Hvad med de mange huller i asfalten på Møllevej?",
        "Hvornår lapper I hullerne i asfalten på Møllevej?",
    ),
    ("Bliver der ryddet sne på cykelstierne?", "Rydder kommunen sne på cykelstierne i vinter?"),
    ("Hvornår får skolerne nye computere?", "Får eleverne nye computere på skolerne?"),
]

NEAR_MISSES: list[tuple[str, str]] = [
    ("Hvornår åbner svømmehallen igen?", "Hvad koster en billet til svømmehallen?"),
    ("Hvornår bliver cykelstien på Køgevej færdig?", "Hvorfor er der ingen belysning på Køgevej?"),
    ("Hvad koster den nye skole?", "Hvor skal den nye skole ligge?"),
    ("Hvorfor lukker biblioteket i Himmelev?", "Hvornår har biblioteket åbent om søndagen?"),
    ("Bliver der flere p-pladser ved stationen?", "Hvorfor er stationen så beskidt?"),
    ("Hvorfor stiger ejendomsskatten?", "Hvorfor stiger prisen på vand?"),
    ("Kan busserne køre oftere om aftenen?", "Hvorfor er busserne altid forsinkede om morgenen?"),
    ("Hvornår åbner det nye plejecenter?", "Hvor mange ansatte skal det nye plejecenter have?"),
    ("Skal der bygges vindmøller ved Gadstrup?", "Skal der bygges boliger ved Gadstrup?"),
    ("Hvornår bliver havnebadet åbnet?", "Hvornår bliver havnen renoveret?"),
    ("Får vi en ny hal i Viby?", "Får Viby en ny skole?"),
    (
        "Hvornår bliver skolernes toiletter renoveret?",
        "Hvornår bliver skolernes legepladser renoveret?",
    ),
    (
        "Hvorfor lukker I dagplejen i Jyllinge?",
        "Hvorfor lukker I svømmehallen i Jyllinge om sommeren?",
    ),
    ("Kommer der en lyskurv ved Ringstedvej?", "Kommer der en rundkørsel ved Holbækvej?"),
    ("Bliver musikskolen dyrere?", "Bliver daginstitutionerne dyrere?"),
    ("Hvornår kommer letbanen til Trekroner?", "Hvor mange boliger kommer der i Trekroner?"),
    ("Hvad gør I ved støjen fra motorvejen?", "Hvad gør I ved støjen fra festivalen?"),
    ("Kan I sænke hastigheden på Hovedgaden?", "Kan I plante træer på Hovedgaden?"),
    ("Hvordan vil I skaffe flere sosu-assistenter?", "Hvordan vil I skaffe flere pædagoger?"),
    ("Bliver der ryddet sne på cykelstierne?", "Bliver der ryddet sne på fortovene?"),
    ("Hvornår får skolerne nye computere?", "Hvornår får skolerne nye tage?"),
    ("Hvad koster affaldssorteringen for husstandene?", "Hvad koster en ny skraldespand?"),
    ("Hvorfor bliver hjemmeplejen skåret ned?", "Hvorfor bliver kulturen skåret ned?"),
    ("Hvornår kommer der fibernet på landet?", "Hvornår kommer der bus til landet?"),
    (
        "Hvad gør kommunen mod oversvømmelser i kældrene?",
        "Hvad gør kommunen mod rotter i kældrene?",
    ),
    (
        "Hvorfor er der så lang ventetid på byggetilladelser?",
        "Hvorfor er der så lang ventetid hos lægen?",
    ),
    ("Hvordan hjælper I de ældre med digitalisering?", "Hvordan hjælper I de ældre med indkøb?"),
    ("Hvornår åbner den nye idrætshal?", "Hvornår åbner den nye Netto?"),
    ("Hvad sker der med den gamle rådhusgrund?", "Hvad sker der med den gamle slagterigrund?"),
    (
        "Hvornår bliver stierne i Boserup Skov ryddet?",
        "Hvornår bliver træerne i Boserup Skov fældet?",
    ),
]

PAIRS: list[tuple[str, str, bool]] = [(a, b, True) for a, b in DUPLICATES] + [
    (a, b, False) for a, b in NEAR_MISSES
]


def labelled_scores(session: Session, author: AbstractBaseUser) -> list[float]:
    """Each pair's score on this database, in PAIRS' order: the asked questions are posted in
    `session` (an empty one), and each typed text is scored against them as GET .../similar/
    scores it."""
    bodies = sorted({asked for _typed, asked, _same in PAIRS})
    posts = Post.objects.bulk_create(
        Post(session=session, author=author, body=body, created_at=session.starts_at)
        for body in bodies
    )
    asked_ids = {post.body: post.pk for post in posts}
    return [
        selectors.similarity_scores(session, typed)[asked_ids[asked]]
        for typed, asked, _same in PAIRS
    ]


def precision_recall(
    scores: list[float], threshold: float, pairs: list[tuple[str, str, bool]] = PAIRS
) -> tuple[float, float]:
    """Of the `pairs` scored from `threshold`, the share that are duplicates; of the duplicates,
    the share scored from `threshold`. `scores` are the pairs' own, in their order."""
    taken = [
        same
        for (_typed, _asked, same), score in zip(pairs, scores, strict=True)
        if score >= threshold
    ]
    duplicates = sum(1 for _typed, _asked, same in pairs if same)
    found = sum(taken)
    return found / max(1, len(taken)), found / max(1, duplicates)


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def best_thresholds(
    scores: list[float], pairs: list[tuple[str, str, bool]] = PAIRS
) -> tuple[float, float, float]:
    """The best F1 on `pairs`, and the lowest and highest threshold (to 0.01) that give it."""
    by_threshold = {
        step / 100: f1(*precision_recall(scores, step / 100, pairs)) for step in range(1, 100)
    }
    best = max(by_threshold.values())
    reaching = [threshold for threshold, value in by_threshold.items() if value == best]
    return best, min(reaching), max(reaching)
