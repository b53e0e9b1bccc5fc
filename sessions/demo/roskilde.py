"""Roskilde: the mayor's question time, live now, and an upcoming meeting about a new district.

Minutes count from the start of the session; the loader moves the live session so that it
started ten minutes ago, and dates every post inside that window.
"""

from __future__ import annotations

from sessions.models import WatchedKeyword

from .shapes import Account, PanelMember, Reply, Thread

MUNICIPALITY = ("roskilde", "Roskilde Kommune")
MAYOR = PanelMember("Tomas Breddam", "Socialdemokratiet", "Borgmester", username="borgmester")
PANEL = [
    MAYOR,
    PanelMember("Sara Lindberg Holm", "Venstre", "Formand for Plan- og Teknikudvalget"),
    PanelMember("Mikkel Brix", "SF", "Formand for Klima- og Miljøudvalget"),
]
CITIZENS = [
    Account("borger-rk-1", "Jonas Holm"),
    Account("borger-rk-2", "Camilla Bech"),
    Account("borger-rk-3", "Ahmad Rahimi"),
    Account("borger-rk-4", "Birgit Lund"),
    Account("borger-rk-5", "Kasper Winther"),
    Account("borger-rk-6", "Ida Mortensen"),
]

# Roskilde's moderators watch these words: an (invented) case worker's name and a slur are held
# for review, an accusation is published but flagged.
WATCHED_WORDS = [
    ("Lone Mikkelsen", WatchedKeyword.Action.HOLD),
    ("idiot", WatchedKeyword.Action.HOLD),
    ("svindel", WatchedKeyword.Action.FLAG),
]

LIVE_TITLE = "Digital spørgetime med borgmesteren"
LIVE_DESCRIPTION = (
    "Borgmester Tomas Breddam svarer på dine spørgsmål om alt, der rører sig i Roskilde Kommune. "
    "Stil dit spørgsmål, og stem på dem, du også gerne vil have svar på."
)
LIVE_THREADS = [
    Thread(
        0.5,
        "borger-rk-4",
        "Det er blevet dyrt at parkere i midtbyen. Som pensionist i Himmelev tager jeg bilen ind "
        "for at handle, men to timer koster nu mere end en returbillet med bussen. Kan der komme "
        "gratis korttidsparkering igen, fx den første halve time?",
        voters=("borger-rk-1", "borger-rk-5", "borger-rk-6"),
        replies=(
            Reply(
                2.5,
                "borger-rk-5",
                "Enig. Det rammer også butikkerne i gågaden, som i forvejen kæmper mod "
                "netbutikkerne.",
            ),
        ),
    ),
    Thread(
        1.5,
        "borger-rk-2",
        "Min datter går i 3. klasse, og klassen er vokset fra 22 til 27 elever på to år, fordi der "
        "bygges så mange nye boliger i området. Hvordan vil byrådet sikre, at skolerne kan følge "
        "med væksten?",
        voters=("borger-rk-3", "borger-rk-4", "borger-rk-6"),
    ),
    Thread(
        3,
        "borger-rk-1",
        "Hvornår kommer der en sikker cykelsti langs Københavnsvej ud mod Trekroner? Mange børn "
        "og studerende cykler der, også i mørke om vinteren, og i dag er der kun en malet stribe "
        "mellem cyklerne og lastbilerne.",
        voters=("borger-rk-2", "borger-rk-3", "borger-rk-4", "borger-rk-5"),
        replies=(
            Reply(
                8.5,
                "borgmester",
                "Tak for spørgsmålet, Jonas. Strækningen står øverst på vores liste over "
                "cykelprojekter, og jeg har bedt forvaltningen om et overslag, så byrådet kan tage "
                "stilling til pengene i budgettet til efteråret. Indtil da ser vi på bedre "
                "belysning og en hævet kant de mest utrygge steder.",
                answers=True,
            ),
        ),
    ),
    Thread(
        4.5,
        "borger-rk-5",
        "Under Roskilde Festival står trafikken stille på Køgevej og Darupvej, og vi, der bor i "
        "Musicon, kan næsten ikke komme til og fra arbejde. Kan kommunen lave en bedre "
        "trafikplan for naboerne sammen med festivalen?",
        voters=("borger-rk-1", "borger-rk-6"),
        replies=(
            Reply(
                6,
                "borger-rk-6",
                "Og husk busserne. Sidste år var min bus over en halv time forsinket hver dag i "
                "festivalugen.",
            ),
        ),
    ),
    Thread(
        6.5,
        "borger-rk-6",
        "Hvad er planen for havnen? Der kommer flere og flere turister ved Vikingeskibsmuseet, "
        "men der mangler toiletter, cykelparkering og bænke til os, der bare vil sidde og kigge "
        "ud over fjorden.",
        voters=("borger-rk-2",),
    ),
    Thread(
        8,
        "borger-rk-3",
        "Min mor på 84 får hjemmepleje, og der kommer næsten en ny hjælper hver gang. Hvad gør "
        "kommunen for at fastholde medarbejderne i ældreplejen, så de ældre møder faste ansigter?",
        voters=("borger-rk-4", "borger-rk-2", "borger-rk-1"),
    ),
]

UPCOMING_TITLE = "Borgermøde om ny bydel i Trekroner"
UPCOMING_DESCRIPTION = (
    "Byrådet planlægger en ny bydel i Trekroner med boliger, skole og grønne områder. "
    "Kom med dine spørgsmål og idéer til borgmesteren og udvalgsformændene. "
    "Du kan allerede nu stille spørgsmål."
)
