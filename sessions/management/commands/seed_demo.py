"""Load a demo: two municipalities, a live, a closed and an upcoming session, and demo logins.

Safe to run again: everything is found by a stable key (username, municipality slug,
session title) before it is created, and a session that already has posts gets no more.
The live session is moved back to "live now" when it has run out, so a demo always has one.

Posts and votes go through the services with an explicit `now` inside the session's window,
so every write is in the session's event log with its seq, as if it had happened live.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sessions import services
from sessions.models import Moderator, Municipality, Politician, Post, Session, WatchedKeyword
from sessions.services.moderation import normalize

DEMO_PASSWORD = "townhall-demo"
# (role, username): the accounts the README and the Makefile tell people to sign in with.
DEMO_LOGINS: list[tuple[str, str]] = [
    ("citizen", "borger"),
    ("mayor", "borgmester"),
    ("moderator", "moderator"),
    ("staff", "redaktor"),
]
# Where `make run` serves; DEMO_SITE_URL overrides it (the Makefile passes its HOST and PORT).
SITE_URL = os.environ.get("DEMO_SITE_URL", "http://127.0.0.1:8000/")


@dataclass(frozen=True)
class Account:
    username: str
    name: str


@dataclass(frozen=True)
class PanelMember:
    name: str
    party: str
    role: str
    # The account the politician writes from; empty when they do not write in the demo.
    username: str = ""


@dataclass(frozen=True)
class Reply:
    minute: float  # after the session starts; politicians may answer after it ends
    by: str  # username
    body: str
    # A panel politician's answer: a reply that also marks the question answered.
    answers: bool = False


@dataclass(frozen=True)
class Thread:
    minute: float  # after the session starts
    by: str  # username
    body: str
    voters: tuple[str, ...] = ()
    replies: tuple[Reply, ...] = ()


@dataclass(frozen=True)
class Step:
    """One write of a thread, put in time order with the writes of every other thread."""

    at: datetime
    kind: str  # "question", "vote", "reply" or "answer"
    thread: int
    by: str
    body: str = ""


# Roskilde ----------------------------------------------------------------------------------

ROSKILDE = ("roskilde", "Roskilde Kommune")
MAYOR = PanelMember("Tomas Breddam", "Socialdemokratiet", "Borgmester", username="borgmester")
ROSKILDE_POLITICIANS = [
    MAYOR,
    PanelMember("Sara Lindberg Holm", "Venstre", "Formand for Plan- og Teknikudvalget"),
    PanelMember("Mikkel Brix", "SF", "Formand for Klima- og Miljøudvalget"),
]
ROSKILDE_CITIZENS = [
    Account("borger-rk-1", "Jonas Holm"),
    Account("borger-rk-2", "Camilla Bech"),
    Account("borger-rk-3", "Ahmad Rahimi"),
    Account("borger-rk-4", "Birgit Lund"),
    Account("borger-rk-5", "Kasper Winther"),
    Account("borger-rk-6", "Ida Mortensen"),
]

# Roskilde's moderators watch these words: an (invented) case worker's name and a slur are held
# for review, an accusation is published but flagged.
ROSKILDE_WATCHED_WORDS = [
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

# Faaborg-Midtfyn ---------------------------------------------------------------------------

FAABORG_MIDTFYN = ("faaborg-midtfyn", "Faaborg-Midtfyn Kommune")
FM_MAYOR = "fm-jens-krogh"
FM_PANEL = [
    PanelMember("Jens Krogh Madsen", "Venstre", "Borgmester", username=FM_MAYOR),
    PanelMember(
        "Anne Mette Skovgaard",
        "Socialdemokratiet",
        "1. viceborgmester",
        username="fm-anne-mette-skovgaard",
    ),
    PanelMember("Palle Bonde", "Danmarksdemokraterne", "2. viceborgmester"),
    PanelMember(
        "Louise Østergaard Friis",
        "SF",
        "Formand for Børne- og Ungeudvalget",
        username="fm-louise-friis",
    ),
    PanelMember(
        "Kim Thygesen",
        "Det Konservative Folkeparti",
        "Formand for Teknik- og Miljøudvalget",
        username="fm-kim-thygesen",
    ),
    PanelMember(
        "Hanne Lykke Bach",
        "Socialdemokratiet",
        "Formand for Ældre- og Sundhedsudvalget",
        username="fm-hanne-bach",
    ),
    PanelMember(
        "Morten Bøgh",
        "Venstre",
        "Formand for Kultur- og Fritidsudvalget",
        username="fm-morten-bogh",
    ),
    PanelMember(
        "Rikke Juhl",
        "Enhedslisten",
        "Formand for Social- og Handicapudvalget",
        username="fm-rikke-juhl",
    ),
    PanelMember("Søren Kjær Nielsen", "Dansk Folkeparti", "Formand for Beskæftigelsesudvalget"),
    PanelMember(
        "Birthe Aagaard",
        "Radikale Venstre",
        "Formand for Klima- og Landdistriktsudvalget",
        username="fm-birthe-aagaard",
    ),
    PanelMember(
        "Niels Erik Hviid",
        "Liberal Alliance",
        "Medlem af Økonomiudvalget",
        username="fm-niels-erik-hviid",
    ),
    PanelMember("Tina Vestergaard", "Socialdemokratiet", "Kommunalbestyrelsesmedlem"),
    PanelMember("Lars Mølgaard", "Venstre", "Kommunalbestyrelsesmedlem"),
    PanelMember("Maja Holst Ebbesen", "SF", "Kommunalbestyrelsesmedlem"),
    PanelMember("Flemming Dahl", "Det Konservative Folkeparti", "Kommunalbestyrelsesmedlem"),
]
FM_CITIZENS = [
    Account("borger-fm-1", "Karen Bundgaard"),
    Account("borger-fm-2", "Thomas Lindholm"),
    Account("borger-fm-3", "Sofie Krag"),
    Account("borger-fm-4", "Erik Hald"),
    Account("borger-fm-5", "Line Dalsgaard"),
    Account("borger-fm-6", "Peter Fog"),
    Account("borger-fm-7", "Mona Jessen"),
    Account("borger-fm-8", "Jakob Overgaard"),
    Account("borger-fm-9", "Gitte Brandt"),
    Account("borger-fm-10", "Rasmus Ibsen"),
]


def _fm(*numbers: int) -> tuple[str, ...]:
    """Usernames of Faaborg-Midtfyn's demo citizens, by number."""
    return tuple(f"borger-fm-{number}" for number in numbers)


CLOSED_TITLE = "Digitalt borgermøde om budget 2027"
CLOSED_DESCRIPTION = (
    "Kommunalbestyrelsen præsenterer budgetforslaget for 2027 og svarer på borgernes spørgsmål "
    "om skoler, ældrepleje, veje, busser, kultur og skat."
)
CLOSED_THREADS = [
    Thread(
        3,
        "borger-fm-6",
        "I budgetforslaget står der, at skolestrukturen skal fremtidssikres. Betyder det, at "
        "skolen i Ryslinge lukker? Vi flyttede hertil for tre år siden netop på grund af den "
        "lille skole.",
        voters=_fm(1, 2, 3, 5, 7, 9),
        replies=(
            Reply(
                6,
                "borger-fm-5",
                "Samme bekymring i Kværndrup. Hvis skolen lukker, flytter børnefamilierne, og så "
                "går det også ud over købmanden og hallen.",
            ),
            Reply(
                14,
                "fm-louise-friis",
                "Tak, Peter. Der er ikke truffet beslutning om at lukke nogen skole i budget "
                "2027. Børne- og Ungeudvalget har bestilt en analyse af elevtallene frem mod "
                "2032, og den skal drøftes på møder i alle skoledistrikter, før vi beslutter noget "
                "som helst.",
                answers=True,
            ),
            Reply(
                17,
                "borger-fm-6",
                "Tak for svaret. Jeg holder øje med, hvornår møderne bliver annonceret.",
            ),
        ),
    ),
    Thread(
        5,
        "borger-fm-1",
        "Hvor mange flere penge afsætter I til hjemmeplejen i 2027, når vi bliver flere ældre? "
        "Min far på 88 i Ringe får sjældent den samme hjælper to gange i træk.",
        voters=_fm(3, 4, 6, 7, 8, 9, 10),
        replies=(
            Reply(
                9,
                "borger-fm-7",
                "Det samme oplever vi i Faaborg. Faste teams omkring de ældre ville gøre en kæmpe "
                "forskel, også for medarbejderne.",
            ),
            Reply(
                22,
                "fm-hanne-bach",
                "Budgetforslaget lægger 6,5 mio. kr. oven i hjemmeplejen til de flere ældre. Vi "
                "indfører faste teams i alle distrikter i løbet af 2027, så din far møder færre "
                "forskellige hjælpere. Jeg tager gerne en snak med dig om hans forløb bagefter.",
                answers=True,
            ),
        ),
    ),
    Thread(
        8,
        "borger-fm-3",
        "Der er forslag om at skære i de lokale busruter. Hvordan skal de unge fra landsbyerne "
        "så komme til gymnasiet og erhvervsskolen, når de ikke har kørekort?",
        voters=_fm(1, 8, 10, 4),
        replies=(
            Reply(
                12,
                "borger-fm-8",
                "Min søn på 17 cykler 14 km hver vej fra Gislev. Om vinteren er det ikke trygt.",
            ),
            Reply(
                30,
                "fm-birthe-aagaard",
                "Vi har taget forslaget om færre afgange på ruterne til ungdomsuddannelserne af "
                "bordet. Besparelsen findes i stedet på aftenafgange med meget få passagerer, og "
                "vi afprøver flextur til en fast, lav pris for unge under 25.",
                answers=True,
            ),
        ),
    ),
    Thread(
        11,
        "borger-fm-2",
        "Hæver I kommuneskatten eller grundskylden i 2027? Vi har lige købt hus i Årslev og vil "
        "gerne vide, hvad vi skal regne med.",
        voters=_fm(5, 6, 10, 9, 1),
        replies=(
            Reply(
                18,
                FM_MAYOR,
                "Nej. Budgetforslaget holder både skatteprocenten og grundskyldspromillen "
                "uændret i 2027. Det betyder, at vi skal prioritere inden for den ramme, vi har, "
                "og det er derfor, vi holder møder som dette.",
                answers=True,
            ),
            Reply(21, "borger-fm-2", "Godt at høre. Tak!"),
        ),
    ),
    Thread(
        15,
        "borger-fm-4",
        "Vejene på landet er i elendig stand, fx mellem Nørre Broby og Allested-Vejle. Hvor "
        "meget afsættes der til asfalt og rabatter i 2027?",
        voters=_fm(6, 8, 3),
        replies=(
            Reply(
                27,
                "fm-kim-thygesen",
                "Vi afsætter lidt mere til vejvedligehold i 2027 end i år, og strækningen, du "
                "nævner, er med i asfaltplanen for næste sommer. Rabatterne bliver repareret i "
                "foråret, når frosten er af jorden.",
                answers=True,
            ),
        ),
    ),
    Thread(
        19,
        "borger-fm-5",
        "Kan I garantere minimumsnormeringerne i dagplejen og børnehaverne, også hvis der skal "
        "spares andre steder?",
        voters=_fm(1, 3, 9, 2),
        replies=(
            Reply(
                33,
                "fm-anne-mette-skovgaard",
                "Ja. Minimumsnormeringerne er et lovkrav, og vi lever op til dem i alle vores "
                "dagtilbud. Budgetforslaget rører ikke ved personaletimerne; besparelserne på "
                "området handler om færre og større indkøbsaftaler.",
                answers=True,
            ),
        ),
    ),
    Thread(
        24,
        "borger-fm-7",
        "Bliver åbningstiderne på bibliotekerne skåret igen? For mange ældre er biblioteket et "
        "af de få steder, hvor man kan mødes uden at skulle købe noget.",
        voters=_fm(1, 2, 4),
        replies=(
            Reply(
                27,
                "borger-fm-9",
                "Og de selvbetjente timer er ikke meget værd, hvis man ikke kan få hjælp til den "
                "digitale post.",
            ),
            Reply(
                41,
                "fm-morten-bogh",
                "Vi foreslår ikke at skære i de betjente åbningstider. Til gengæld vil vi flytte "
                "borgerservice ind på bibliotekerne i Ringe og Faaborg, så der er hjælp at få til "
                "MitID og digital post i de samme timer.",
                answers=True,
            ),
        ),
    ),
    Thread(
        31,
        "borger-fm-8",
        "Hvordan hænger planerne om en solcellepark ved Gislev sammen med budgettet? Får "
        "lokalsamfundet noget ud af det, fx en grøn pulje?",
        voters=_fm(10, 4),
        replies=(
            Reply(
                36,
                "borger-fm-10",
                "Det vigtigste er, at naboerne bliver hørt tidligt og ikke først, når planen er "
                "lagt.",
            ),
            # Answered the next morning, after the meeting closed.
            Reply(
                15 * 60,
                "fm-birthe-aagaard",
                "Godmorgen, Jakob, og tak for tålmodigheden. Solcelleparken er ikke en del af "
                "budgettet, men en grøn pulje til lokalsamfundet er en del af aftalen med "
                "opstilleren. Lokalrådet i Gislev er inviteret til det første møde om, hvordan "
                "pengene skal fordeles.",
                answers=True,
            ),
        ),
    ),
    Thread(
        38,
        "borger-fm-9",
        "Der er lange ventelister til aflastning for familier med børn med handicap. Er der "
        "penge til flere pladser i 2027?",
        voters=_fm(5, 7, 1, 6, 3),
        replies=(
            Reply(43, "borger-fm-5", "Tak, fordi du tager det op. Vi har ventet i otte måneder."),
            # A politician's reply that is not an answer: the question stays open.
            Reply(
                52,
                "fm-rikke-juhl",
                "Det er et vigtigt spørgsmål, og jeg kan ikke give et ordentligt svar i aften. "
                "Social- og Handicapudvalget får en status på ventelisterne i næste måned, og jeg "
                "vender tilbage her, når vi kender tallene.",
            ),
        ),
    ),
    Thread(
        46,
        "borger-fm-10",
        "Hvad gør kommunen for at tiltrække virksomheder og arbejdspladser til Ringe, så vi ikke "
        "alle sammen skal pendle til Odense?",
        voters=_fm(2, 8),
        replies=(
            Reply(
                58,
                "fm-niels-erik-hviid",
                "Vi skal være kendt for hurtig sagsbehandling. Derfor foreslår vi, at byggesager "
                "for virksomheder får en fast svartid.",
            ),
            Reply(
                64,
                FM_MAYOR,
                "Vi har byggemodnet et nyt erhvervsområde ved motorvejen i Ringe, og de første "
                "grunde er solgt. I budgettet fortsætter vi erhvervsservicen, og vi arbejder for "
                "bedre busforbindelser langs motorvejen, så pendlingen også kan gå den anden vej.",
                answers=True,
            ),
        ),
    ),
    Thread(
        55,
        "borger-fm-3",
        "Kan der findes penge til en cykelsti mellem Faaborg og Horne? Vejen er smal, bilerne "
        "kører stærkt, og det er skolevej for mange børn.",
        voters=_fm(7, 4, 6, 9),
        replies=(
            Reply(
                70,
                "fm-kim-thygesen",
                "Cykelstien mellem Faaborg og Horne er nummer to på vores cykelstiplan. Vi søger "
                "statens cykelpulje om halvdelen af pengene i foråret, og får vi dem, kan vi gå i "
                "gang i 2028.",
                answers=True,
            ),
        ),
    ),
    Thread(
        63,
        "borger-fm-2",
        "Hvornår kan vi se de konkrete sparekataloger, og kan man stadig nå at sende et "
        "høringssvar?",
        voters=_fm(9),
        replies=(
            Reply(
                66,
                FM_MAYOR,
                "Sparekatalogerne ligger på kommunens hjemmeside fra i morgen, og der er tre ugers "
                "høring. Alle høringssvar bliver lagt frem for kommunalbestyrelsen, før vi "
                "vedtager budgettet i oktober.",
                answers=True,
            ),
        ),
    ),
    Thread(
        78,
        "borger-fm-6",
        "Der bygges nye plejeboliger i Ringe, men hvad med Faaborg? Ventetiden på en plejebolig "
        "er lang, og mange må flytte væk fra deres familie.",
        voters=_fm(1, 7, 2),
        replies=(
            Reply(
                82,
                "borger-fm-7",
                "Min mor ventede fire måneder og endte i Ringe. Det er langt at køre for os, der "
                "ikke har bil.",
            ),
            Reply(
                95,
                "fm-hanne-bach",
                "Vi har afsat penge til at planlægge nye plejeboliger i Faaborg. Indtil de står "
                "klar, kan man skrive sig op til et bestemt plejehjem og få tilbudt en bolig dér, "
                "så snart der bliver plads.",
                answers=True,
            ),
        ),
    ),
    Thread(
        92,
        "borger-fm-4",
        "Foreningerne i de små byer kører på frivillige kræfter. Bliver tilskuddet til haller og "
        "forsamlingshuse beskåret?",
        voters=_fm(10, 8, 5),
        replies=(
            Reply(97, "borger-fm-8", "Hallen i Gislev er hjertet i byen. Uden tilskud lukker den."),
        ),
    ),
    Thread(
        104,
        "borger-fm-1",
        "Tak for et godt møde. Vil I holde et lignende digitalt møde, når budgettet er vedtaget, "
        "så vi kan høre, hvad der kom ud af det?",
        voters=_fm(2, 3, 5),
        replies=(
            Reply(
                112,
                FM_MAYOR,
                "Tak til alle for de mange spørgsmål. Ja, vi holder et nyt digitalt borgermøde, "
                "når budgettet er vedtaget, og svarer også på de spørgsmål, vi ikke nåede i aften.",
                answers=True,
            ),
        ),
    ),
]


class Command(BaseCommand):
    help = "Load demo municipalities, sessions, posts and logins (password: townhall-demo)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            # The demo has a staff superuser with a published password: never in production.
            raise CommandError(
                "seed_demo loads public demo logins; it runs only with DJANGO_DEBUG=1."
            )
        now = timezone.now()
        with transaction.atomic():
            self._seed(now)
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for role, username in DEMO_LOGINS:
            self.stdout.write(f"  {role:<10} {username}")
        self.stdout.write(f"Open {SITE_URL}")

    def _seed(self, now: datetime) -> None:
        citizen = _demo_login("borger", "Mette Borger")
        mayor_user = _demo_login("borgmester", MAYOR.name)
        moderator = _demo_login("moderator", "Mads Moderator")
        editor = _demo_login("redaktor", "Rikke Redaktør", staff=True)

        roskilde, _created = Municipality.objects.get_or_create(
            slug=ROSKILDE[0], defaults={"name": ROSKILDE[1]}
        )
        faaborg_midtfyn, _created = Municipality.objects.get_or_create(
            slug=FAABORG_MIDTFYN[0], defaults={"name": FAABORG_MIDTFYN[1]}
        )
        Moderator.objects.get_or_create(municipality=roskilde, user=moderator)
        for phrase, action in ROSKILDE_WATCHED_WORDS:
            if not WatchedKeyword.objects.filter(
                municipality=roskilde, normalized=normalize(phrase)
            ).exists():
                services.add_watched_keyword(
                    municipality=roskilde, user=editor, phrase=phrase, action=action
                )

        accounts = {user.get_username(): user for user in (citizen, mayor_user)}
        for account in ROSKILDE_CITIZENS + FM_CITIZENS:
            accounts[account.username] = _citizen_account(account)
        for member in FM_PANEL:
            if member.username:
                accounts[member.username] = _citizen_account(Account(member.username, member.name))

        roskilde_panel = [
            _politician(roskilde, member, accounts) for member in ROSKILDE_POLITICIANS
        ]
        fm_panel = [_politician(faaborg_midtfyn, member, accounts) for member in FM_PANEL]

        live_start = now - timedelta(minutes=10)
        live = _session(
            editor,
            roskilde,
            LIVE_TITLE,
            LIVE_DESCRIPTION,
            panel=roskilde_panel[:1],
            starts_at=live_start,
            ends_at=live_start + timedelta(hours=1),
            status=Session.Status.LIVE,
            now=now,
        )
        self._report(live, _seed_threads(live, LIVE_THREADS, accounts, now), now)

        meeting_day = timezone.localdate(now) - timedelta(days=7)
        meeting_start = _local_time(meeting_day, time(19, 0))
        closed = _session(
            editor,
            faaborg_midtfyn,
            CLOSED_TITLE,
            CLOSED_DESCRIPTION,
            panel=fm_panel,
            starts_at=meeting_start,
            ends_at=_local_time(meeting_day, time(21, 0)),
            status=Session.Status.CLOSED,
            now=now,
        )
        self._report(closed, _seed_threads(closed, CLOSED_THREADS, accounts, now), now)

        upcoming_start = _local_time(timezone.localdate(now) + timedelta(days=3), time(19, 0))
        upcoming = _session(
            editor,
            roskilde,
            UPCOMING_TITLE,
            UPCOMING_DESCRIPTION,
            panel=roskilde_panel,
            starts_at=upcoming_start,
            ends_at=upcoming_start + timedelta(minutes=90),
            status=Session.Status.SCHEDULED,
            now=now,
            accepts_questions_early=True,
        )
        self._report(upcoming, False, now)

    def _report(self, session: Session, seeded: bool, now: datetime) -> None:
        posts = session.posts.all()
        questions = posts.filter(parent=None)
        votes = sum(questions.values_list("vote_count", flat=True))
        url = SITE_URL.rstrip("/") + reverse("session", args=[session.pk])
        self.stdout.write(
            f"{session.municipality.name}: {session.title} [{session.status_at(now)}] "
            f"{questions.count()} questions, {posts.count() - questions.count()} replies, "
            f"{votes} votes{' (new)' if seeded else ''}\n  {url}"
        )


def _demo_login(username: str, name: str, *, staff: bool = False) -> AbstractBaseUser:
    """A documented login; its password is reset so the README's password always works."""
    user, _created = get_user_model().objects.update_or_create(
        username=username,
        defaults={"first_name": name, "is_staff": staff, "is_superuser": staff, "is_active": True},
    )
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    return user


def _citizen_account(account: Account) -> AbstractBaseUser:
    """An account that only writes demo content: nobody signs in with it."""
    user, _created = get_user_model().objects.update_or_create(
        username=account.username,
        defaults={"first_name": account.name},
        create_defaults={"first_name": account.name, "password": make_password(None)},
    )
    return user


def _politician(
    municipality: Municipality, member: PanelMember, accounts: dict[str, AbstractBaseUser]
) -> Politician:
    politician, _created = Politician.objects.update_or_create(
        municipality=municipality,
        name=member.name,
        defaults={
            "party": member.party,
            "role": member.role,
            "user": accounts.get(member.username),
        },
    )
    return politician


def _local_time(day: date, clock: time) -> datetime:
    """A wall-clock time in the installation's time zone (Europe/Copenhagen by default)."""
    return timezone.make_aware(datetime.combine(day, clock))


def _session(
    editor: AbstractBaseUser,
    municipality: Municipality,
    title: str,
    description: str,
    *,
    panel: list[Politician],
    starts_at: datetime,
    ends_at: datetime,
    status: str,
    now: datetime,
    accepts_questions_early: bool = False,
) -> Session:
    """The session with this title, created by the editor if missing.

    A live or upcoming demo session whose clock has moved on is moved back to `starts_at`..
    `ends_at`, so the demo keeps one of each; a changed panel is set again. Either change is
    announced to viewers like an edit in the admin.
    """
    session = Session.objects.filter(municipality=municipality, title=title).first()
    if session is None:
        return services.create_session(
            user=editor,
            municipality=municipality,
            title=title,
            description=description,
            starts_at=starts_at,
            ends_at=ends_at,
            politicians=panel,
            accepts_questions_early=accepts_questions_early,
        )
    # The closed meeting stays where it is: its posts are dated inside its window.
    moved = status != Session.Status.CLOSED and session.status_at(now) != status
    new_panel = set(session.politicians.values_list("pk", flat=True)) != {p.pk for p in panel}
    if moved or new_panel:
        times = {"starts_at": starts_at, "ends_at": ends_at} if moved else {}
        session = services.update_session(
            session=session,
            user=editor,
            politicians=panel if new_panel else None,
            now=now,
            **times,
        )
    return session


def _seed_threads(
    session: Session, threads: list[Thread], accounts: dict[str, AbstractBaseUser], now: datetime
) -> bool:
    """Write the threads through the services in time order; False if it had posts already.

    A session that already has posts is left alone, so a second run adds nothing.
    """
    if session.posts.exists():
        return False
    steps = sorted(_steps(session, threads, now), key=lambda step: step.at)
    questions: dict[int, Post] = {}
    for step in steps:
        author = accounts[step.by]
        if step.kind == "question":
            questions[step.thread] = services.post_question(
                session=session, author=author, body=step.body, now=step.at
            )
        elif step.kind == "vote":
            services.vote(question=questions[step.thread], user=author, now=step.at)
        elif step.kind == "answer":
            services.answer_question(
                question=questions[step.thread], author=author, body=step.body, now=step.at
            )
        else:
            services.post_reply(
                post=questions[step.thread], author=author, body=step.body, now=step.at
            )
    return True


def _steps(session: Session, threads: list[Thread], now: datetime) -> list[Step]:
    """Every write of every thread, dated inside the session's window and never after now.

    Citizens write while the session is open; politicians may answer after it closes, as the
    services allow. Within a thread the question comes first, then its votes and replies.
    """
    last_open_moment = session.ends_at - timedelta(seconds=1)

    def moment(minute: float, *, may_be_late: bool = False) -> datetime:
        at = session.starts_at + timedelta(minutes=minute)
        if not may_be_late:
            at = min(at, last_open_moment)
        return min(at, now)

    politicians = set(
        session.politicians.exclude(user=None).values_list("user__username", flat=True)
    )
    steps: list[Step] = []
    for index, thread in enumerate(threads):
        steps.append(Step(moment(thread.minute), "question", index, thread.by, thread.body))
        for order, voter in enumerate(thread.voters):
            steps.append(Step(moment(thread.minute + 1 + 0.75 * order), "vote", index, voter))
        for reply in thread.replies:
            late = reply.by in politicians
            kind = "answer" if reply.answers else "reply"
            steps.append(
                Step(moment(reply.minute, may_be_late=late), kind, index, reply.by, reply.body)
            )
    return steps
