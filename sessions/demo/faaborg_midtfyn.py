"""Faaborg-Midtfyn's "Digitalt borgermøde" on the 2027 budget, a week ago from 19:00 to 21:00.

At the scale of the real meeting: 44 citizens wrote 152 comments and the 15 politicians of the
panel wrote 169. `evening.py` lays the threads out over the evening from the topics below; the
hidden posts at the end are removed by a moderator and count in no figure but the removed ones.
"""

from __future__ import annotations

from .shapes import Account, PanelMember, Reply, Thread, Topic

MUNICIPALITY = ("faaborg-midtfyn", "Faaborg-Midtfyn Kommune")
TITLE = "Digitalt borgermøde om budget 2027"
DESCRIPTION = (
    "Kommunalbestyrelsen præsenterer budgetforslaget for 2027 og svarer på borgernes spørgsmål "
    "om skoler, ældrepleje, veje, busser, kultur og skat."
)
# Local wall-clock times of the meeting, and how many days before the demo is loaded.
STARTS = (19, 0)
ENDS = (21, 0)
DAYS_AGO = 7

# The figures of the article, which the evening is built to give exactly.
CITIZEN_COMMENTS = 152
CITIZENS = 44
POLITICIAN_COMMENTS = 169
POLITICIANS = 15

MAYOR = "fm-jens-krogh"
PANEL = [
    PanelMember("Jens Krogh Madsen", "Venstre", "Borgmester", MAYOR),
    PanelMember(
        "Anne Mette Skovgaard", "Socialdemokratiet", "1. viceborgmester", "fm-anne-mette-skovgaard"
    ),
    PanelMember("Palle Bonde", "Danmarksdemokraterne", "2. viceborgmester", "fm-palle-bonde"),
    PanelMember(
        "Louise Østergaard Friis", "SF", "Formand for Børne- og Ungeudvalget", "fm-louise-friis"
    ),
    PanelMember(
        "Kim Thygesen",
        "Det Konservative Folkeparti",
        "Formand for Teknik- og Miljøudvalget",
        "fm-kim-thygesen",
    ),
    PanelMember(
        "Hanne Lykke Bach",
        "Socialdemokratiet",
        "Formand for Ældre- og Sundhedsudvalget",
        "fm-hanne-bach",
    ),
    PanelMember(
        "Morten Bøgh", "Venstre", "Formand for Kultur- og Fritidsudvalget", "fm-morten-bogh"
    ),
    PanelMember(
        "Rikke Juhl", "Enhedslisten", "Formand for Social- og Handicapudvalget", "fm-rikke-juhl"
    ),
    PanelMember(
        "Søren Kjær Nielsen",
        "Dansk Folkeparti",
        "Formand for Beskæftigelsesudvalget",
        "fm-soren-kjaer-nielsen",
    ),
    PanelMember(
        "Birthe Aagaard",
        "Radikale Venstre",
        "Formand for Klima- og Landdistriktsudvalget",
        "fm-birthe-aagaard",
    ),
    PanelMember(
        "Niels Erik Hviid", "Liberal Alliance", "Medlem af Økonomiudvalget", "fm-niels-erik-hviid"
    ),
    PanelMember(
        "Tina Vestergaard", "Socialdemokratiet", "Kommunalbestyrelsesmedlem", "fm-tina-vestergaard"
    ),
    PanelMember("Lars Mølgaard", "Venstre", "Kommunalbestyrelsesmedlem", "fm-lars-molgaard"),
    PanelMember("Maja Holst Ebbesen", "SF", "Kommunalbestyrelsesmedlem", "fm-maja-holst-ebbesen"),
    PanelMember(
        "Flemming Dahl",
        "Det Konservative Folkeparti",
        "Kommunalbestyrelsesmedlem",
        "fm-flemming-dahl",
    ),
]

_NAMES = """
Karen Bundgaard, Thomas Lindholm, Sofie Krag, Erik Hald, Line Dalsgaard, Peter Fog, Mona Jessen,
Jakob Overgaard, Gitte Brandt, Rasmus Ibsen, Hanne Skov, Mikkel Dam, Lene Frost, Henrik Bak,
Susanne Kjeldsen, Ole Vinther, Pia Thorsen, Anders Lykke, Marianne Holm, Jesper Munk,
Birgitte Riis, Kristian Bro, Dorthe Ravn, Lasse Ebbesen, Anja Winther, Bent Kirkegaard,
Camilla Skau, Frederik Hjort, Tove Lauridsen, Martin Kofoed, Helle Nygaard, Søren Bach,
Maria Juul, Carsten Wulff, Inge Lind, Nikolaj Storm, Janne Bisgaard, Torben Eskildsen,
Louise Hvid, Klaus Fabricius, Rikke Busk, Poul Erik Rask, Signe Toft, Allan Bech
"""
CITIZEN_ACCOUNTS = [
    Account(f"borger-fm-{number}", name.strip())
    for number, name in enumerate(_NAMES.replace("\n", " ").split(","), start=1)
]

# Openers put in front of a sentence, so the same point reads as different people's words.
# "{first}" is the first name of the person being answered.
CITIZEN_AGREEMENT = (
    "Enig.",
    "Godt spørgsmål.",
    "Tak, fordi du tager det op.",
    "Det samme oplever vi i Kværndrup.",
    "Jeg kan kun bakke op.",
    "Præcis det, jeg også ville spørge om.",
    "Det kender vi også i Årslev.",
    "Helt enig med dig, {first}.",
    "Det er også et problem i Ryslinge.",
    "Det har jeg også undret mig over.",
    "Vi er mange, der tænker det samme.",
)
CITIZEN_FOLLOW_UPS = (
    "Tak for svaret.",
    "Tak, {first}. Det er rart at høre.",
    "Fint, men jeg vil gerne følge op.",
    "Det glæder mig at høre.",
    "Det er jeg nu ikke helt overbevist om.",
    "Tak. Jeg håber, I holder fast i det.",
    "Godt, men husk os, der bor på landet.",
    "Tak for et klart svar, {first}.",
    "Det lyder fint på papiret.",
    "Tak. Så venter vi spændt.",
)
POLITICIAN_ANSWER_OPENERS = (
    "Tak for spørgsmålet, {first}.",
    "Godt spørgsmål, {first}.",
    "Tak, {first}.",
    "Kære {first}, tak for spørgsmålet.",
    "Tak for at tage det op, {first}.",
)
# A politician's openers for a reply to a citizen's comment further down a thread.
POLITICIAN_REPLY_OPENERS = (
    *POLITICIAN_ANSWER_OPENERS,
    "Tak for kommentaren, {first}.",
    "Godt sagt, {first}.",
)
POLITICIAN_REMARK_OPENERS = (
    "Lige en tilføjelse:",
    "Jeg vil gerne supplere.",
    "Fra {party}s side vil jeg sige det sådan:",
    "Et vigtigt spørgsmål.",
    "Tak for input, {first}.",
    "Jeg er enig med udvalgsformanden.",
    "Lad mig tilføje én ting.",
    "Det er rigtigt set, {first}.",
    "Som supplement til svaret:",
)
# What citizens add further down a thread, on any subject.
CITIZEN_ASIDES = (
    "Hvornår kan vi forvente en afgørelse?",
    "Kan vi få det på skrift efter mødet?",
    "Jeg sender et høringssvar om det.",
    "Det vil vi holde jer op på.",
    "Vi har hørt det før, så jeg håber, det holder denne gang.",
    "Husk, at det er os borgere, der mærker det i hverdagen.",
    "Jeg håber, der bliver lyttet til dem, der bor her.",
    "Hvad betyder det helt konkret for os?",
    "Det må gerne gå lidt hurtigere.",
    "Vi kommer gerne til et møde om det.",
    "Det er godt at høre, at der bliver arbejdet på det.",
    "Lokalrådet vil gerne være med til at finde en løsning.",
)
# A politician's reply to a citizen's follow-up, on any subject.
POLITICIAN_FOLLOW_UPS = (
    "Det tager vi med i de videre budgetforhandlinger.",
    "Skriv gerne til mig i morgen, så ser jeg på jeres konkrete sag.",
    "Budgettet vedtages i oktober, og høringen er åben frem til da. Send endelig et høringssvar.",
    "Det er en fair pointe, og den skal med i høringssvarene.",
    "Jeg tager det med på udvalgets næste møde.",
    "Du er velkommen til at ringe til mig, så tager vi den derfra.",
    "Det har du ret i, og det arbejder vi på.",
    "Vi lægger et referat af aftenens svar på kommunens hjemmeside.",
    "Det forstår jeg godt. Vi er ikke i mål endnu.",
    "Beslutningen falder, når budgettet vedtages i oktober.",
    "Vi svarer skriftligt på alt, vi ikke når i aften.",
    "Det er netop den slags input, vi har brug for fra jer.",
    "Kom gerne forbi borgerservice, så finder vi ud af det sammen.",
    "Jeg lover at følge op, og jeg svarer her i tråden.",
)

TOPICS = [
    Topic(
        chair="fm-louise-friis",
        questions=(
            "I budgetforslaget står der, at skolestrukturen skal fremtidssikres. Betyder det, at "
            "skolen i Ryslinge lukker? Vi flyttede hertil for tre år siden netop på grund af den "
            "lille skole.",
            "Min søn går i en klasse med 28 elever i Ringe. Hvornår kommer der flere lærere?",
            "Hvorfor skal vores børn i Nørre Broby køre i bus i 40 minutter hver vej, når der "
            "ligger en skole ti minutter væk?",
            "Bliver der sparet på specialundervisningen? Vi har et barn med ordblindhed, og "
            "hjælpen er allerede svær at få.",
        ),
        answers=(
            "Der er ikke truffet beslutning om at lukke nogen skole i budget 2027. Vi har bestilt "
            "en analyse af elevtallene frem mod 2032, og den drøftes på møder i alle "
            "skoledistrikter, før vi beslutter noget som helst.",
            "Budgetforslaget holder fast i pengene pr. elev, og vi ansætter fire lærere mere til "
            "de store årgange i Ringe og Faaborg fra august.",
            "Skoledistrikterne ligger fast i 2027. Vi ser på, om børnene i Nørre Broby kan få en "
            "kortere busrute, og svaret kommer med den nye køreplan til sommer.",
            "Nej. Specialundervisningen er fredet i budgetforslaget, og vi opretter et "
            "ordblindeteam, der kommer ud på skolerne, så hjælpen ikke kræver en visitation først.",
        ),
        citizen_points=(
            "Hvis skolen lukker, flytter børnefamilierne, og så går det også ud over købmanden og "
            "hallen.",
            "Lærerne gør, hvad de kan, men 28 elever i en klasse er for mange.",
            "Min datter står op kl. 6.15 for at nå bussen. Det er for tidligt for en på ni år.",
            "Det tog os et år at få en ordblindetest. Det må kunne gøres hurtigere.",
        ),
        remarks=(
            "Analysen af elevtallene kommer på alle skolebestyrelsers bord, før den kommer på "
            "vores.",
            "Vi skal turde tale om kvaliteten af undervisningen, ikke kun om antallet af elever.",
            "Vi vil hellere have mindre skoler med gode lærere end store skoler med lang "
            "transport.",
            "Jo tidligere et barn får hjælp, jo billigere er det i sidste ende, også for kommunen.",
        ),
    ),
    Topic(
        chair="fm-anne-mette-skovgaard",
        questions=(
            "Kan I garantere minimumsnormeringerne i dagplejen og børnehaverne, også hvis der skal "
            "spares andre steder?",
            "Der er venteliste til vuggestuen i Årslev. Hvad gør I ved det, når der flytter så "
            "mange unge familier til?",
            "Bliver dagplejen i landsbyerne nedlagt? Vores dagplejemor i Espe er det bedste, der "
            "er sket for vores datter.",
            "Hvorfor stiger forældrebetalingen igen i 2027?",
        ),
        answers=(
            "Ja. Minimumsnormeringerne er et lovkrav, og vi lever op til dem i alle vores "
            "dagtilbud. Budgetforslaget rører ikke ved personaletimerne; besparelserne på området "
            "handler om færre og større indkøbsaftaler.",
            "Vi udvider vuggestuen i Årslev med 24 pladser i løbet af foråret, så ventelisten er "
            "væk, inden de nye boliger står færdige.",
            "Nej. Dagplejen i landsbyerne bevares, og vi søger tre nye dagplejere til Espe og "
            "Vantinge i år.",
            "Forældrebetalingen følger udgifterne, som loven kræver. Stigningen i 2027 er 38 kr. "
            "om måneden for en vuggestueplads, og søskenderabatten fortsætter.",
        ),
        citizen_points=(
            "Pædagogerne løber stærkt allerede nu, så der er ikke meget at spare.",
            "Det er svært at passe et job, når man ikke ved, hvornår der er plads.",
            "Dagplejen er et trygt tilbud for de mindste, og det er tæt på hjemmet.",
            "Forældrebetalingen er steget tre år i træk.",
        ),
        remarks=(
            "Vi skal også have flere pædagoguddannede, og derfor øger vi antallet af "
            "praktikpladser.",
            "Pladsgarantien gælder, og ingen skal vente længere, end loven tillader.",
            "Dagplejen er en styrke i en landkommune som vores, og den skal vi passe på.",
            "Vi har holdt stigningen så lav, som vi kan, og fripladstilskuddet er uændret.",
        ),
    ),
    Topic(
        chair="fm-hanne-bach",
        questions=(
            "Hvor mange flere penge afsætter I til hjemmeplejen i 2027, når vi bliver flere "
            "ældre? Min far på 88 i Ringe får sjældent den samme hjælper to gange i træk.",
            "Der bygges nye plejeboliger i Ringe, men hvad med Faaborg? Ventetiden på en "
            "plejebolig er lang, og mange må flytte væk fra deres familie.",
            "Min mor får rengøring hver tredje uge. Er det virkelig nok?",
            "Hvad gør kommunen for at fastholde social- og sundhedsassistenterne?",
        ),
        answers=(
            "Budgetforslaget lægger 6,5 mio. kr. oven i hjemmeplejen til de flere ældre. Vi "
            "indfører faste teams i alle distrikter i løbet af 2027, så man møder færre "
            "forskellige hjælpere.",
            "Vi har afsat penge til at planlægge nye plejeboliger i Faaborg. Indtil de står klar, "
            "kan man skrive sig op til et bestemt plejehjem og få tilbudt en bolig dér, så snart "
            "der bliver plads.",
            "Rengøring hver tredje uge er det, vi har råd til i dag. Et forslag om hver anden uge "
            "er med i forhandlingerne, og kan din mor ikke klare sig, skal visitationen se på det "
            "igen.",
            "Vi har hævet elevlønnen, og fra 2027 får alle nyuddannede tilbud om fuld tid. "
            "Sygefraværet er faldet, hvor vi har indført faste teams.",
        ),
        citizen_points=(
            "Faste teams omkring de ældre ville gøre en kæmpe forskel, også for medarbejderne.",
            "Min mor ventede fire måneder og endte i Ringe. Det er langt at køre for os, der ikke "
            "har bil.",
            "Det er de pårørende, der gør rent mellem gangene i dag.",
            "Medarbejderne er søde, men de har alt for travlt.",
        ),
        remarks=(
            "Faste teams er også det, medarbejderne selv har bedt om.",
            "Vi skal have plejeboliger i begge ender af kommunen, ikke kun i Ringe.",
            "Rengøring hver anden uge koster 3 mio. kr. om året, og det er med i forhandlingerne.",
            "Vi har fået flere elever på social- og sundhedsuddannelserne i år end sidste år.",
        ),
    ),
    Topic(
        chair="fm-kim-thygesen",
        questions=(
            "Vejene på landet er i elendig stand, fx mellem Nørre Broby og Allested-Vejle. Hvor "
            "meget afsættes der til asfalt og rabatter i 2027?",
            "Kan der findes penge til en cykelsti mellem Faaborg og Horne? Vejen er smal, bilerne "
            "kører stærkt, og det er skolevej for mange børn.",
            "Hvornår bliver hullerne på Odensevej i Kværndrup lappet? Det er farligt på cykel.",
            "Kan vi få en fartdæmpning gennem Vester Hæsinge? Lastbilerne kører alt for stærkt.",
        ),
        answers=(
            "Vi afsætter lidt mere til vejvedligehold i 2027 end i år, og strækningen er med i "
            "asfaltplanen for næste sommer. Rabatterne bliver repareret i foråret, når frosten er "
            "af jorden.",
            "Cykelstien mellem Faaborg og Horne er nummer to på vores cykelstiplan. Vi søger "
            "statens cykelpulje om halvdelen af pengene i foråret, og får vi dem, kan vi gå i gang"
            " i 2028.",
            "Hullerne på Odensevej bliver lappet inden for to uger; vejafdelingen har fået besked "
            "i aften. Hele strækningen får nyt slidlag i 2027.",
            "Vi har bedt politiet om fartmålinger i Vester Hæsinge, og byen er med på listen over "
            "steder, hvor vi vil lave bump eller en byport.",
        ),
        citizen_points=(
            "Rabatterne er så smuldrede, at man ikke kan holde ind til siden, når der kommer en "
            "traktor.",
            "Min søn cykler den vej hver dag. Om vinteren er det ikke trygt.",
            "Jeg punkterede på Odensevej i sidste uge.",
            "Bare en bedre belysning ved skolen ville hjælpe meget.",
        ),
        remarks=(
            "Vejene er et af de områder, hvor vi har et efterslæb, og det tager flere år at "
            "indhente.",
            "Vi prioriterer skoleveje først, når vi laver cykelstier.",
            "Man kan altid melde et hul på kommunens hjemmeside, så kommer vejafdelingen ud.",
            "Vi er i gang med en samlet trafiksikkerhedsplan, og den kommer i høring i foråret.",
        ),
    ),
    Topic(
        chair="fm-palle-bonde",
        questions=(
            "Der er forslag om at skære i de lokale busruter. Hvordan skal de unge fra "
            "landsbyerne så komme til gymnasiet og erhvervsskolen, når de ikke har kørekort?",
            "Kan flextur blive billigere for pensionister? Jeg har ikke bil og bor i Ferritslev.",
            "Hvorfor kører der ingen bus fra Ringe efter kl. 22 i weekenden?",
            "Hvad sker der med skolebusserne, hvis skolerne lægges sammen?",
        ),
        answers=(
            "Vi har taget forslaget om færre afgange på ruterne til ungdomsuddannelserne af "
            "bordet. Besparelsen findes i stedet på aftenafgange med meget få passagerer, og vi "
            "afprøver flextur til en fast, lav pris for unge under 25.",
            "Flextur til en fast pris er med i budgetforslaget for unge, og vi ser på, om det kan "
            "udvides til pensionister fra 2028.",
            "Der er for få passagerer til en fast bus om natten, men vi forhandler med FynBus om "
            "en natbus fra Ringe fredag og lørdag som forsøg.",
            "Skolebusserne følger eleverne. Bliver skoler lagt sammen, laver vi ruterne om, så "
            "ingen elev får over 45 minutters transport hver vej.",
        ),
        citizen_points=(
            "Uden bus kommer de unge ikke ud af landsbyen.",
            "Flextur er et godt tilbud, men det er for dyrt, når man skal af sted to gange om "
            "ugen.",
            "Så må de unge blive hjemme eller blive kørt af forældrene, og det er ikke alle, der "
            "kan.",
            "Min datter har allerede over en times transport hver vej.",
        ),
        remarks=(
            "De unges ruter til uddannelserne er fredet i forhandlingerne med FynBus.",
            "Samkørsel i landsbyerne kunne også være en del af løsningen, og det vil vi gerne "
            "støtte.",
            "Busser, der kører tomme rundt om natten, hjælper ingen, men et forsøg er værd at "
            "prøve.",
            "Vi sørger for, at forældrene hører om nye ruter i god tid før skoleåret.",
        ),
    ),
    Topic(
        chair=MAYOR,
        questions=(
            "Hæver I kommuneskatten eller grundskylden i 2027? Vi har lige købt hus i Årslev og "
            "vil gerne vide, hvad vi skal regne med.",
            "Hvornår kan vi se de konkrete sparekataloger, og kan man stadig nå at sende et "
            "høringssvar?",
            "Hvor stort er det samlede sparebehov, og hvorfor er det kommet så pludseligt?",
            "Hvorfor bruger kommunen så mange penge på konsulenter, når der skal spares på de "
            "ældre?",
        ),
        answers=(
            "Budgetforslaget holder både skatteprocenten og grundskyldspromillen uændret i 2027. "
            "Det betyder, at vi skal prioritere inden for den ramme, vi har, og det er derfor, vi "
            "holder møder som dette.",
            "Sparekatalogerne ligger på kommunens hjemmeside fra i morgen, og der er tre ugers "
            "høring. Alle høringssvar bliver lagt frem for kommunalbestyrelsen, før vi vedtager "
            "budgettet i oktober.",
            "Vi mangler 38 mio. kr. i 2027. Det skyldes især flere ældre og flere børn med behov "
            "for støtte, og at statens udligning gav os mindre end ventet i juni.",
            "Vi har halveret udgifterne til konsulenter på tre år, og i budgetforslaget skærer vi "
            "yderligere 2 mio. kr. Det er et sted, vi hellere vil spare end hos de ældre.",
        ),
        citizen_points=(
            "Det er vigtigt, at man kan regne med skatten, når man køber hus.",
            "Sparekatalogerne burde have ligget klar før mødet.",
            "Det lyder, som om regningen kommer fra staten og ikke fra kommunen selv.",
            "Der må kunne spares på administrationen, før man sparer på de ældre.",
        ),
        remarks=(
            "Vi vil hellere prioritere end hæve skatten.",
            "Høringssvarene bliver læst, og de har ændret budgetter før.",
            "Vi arbejder sammen med de andre fynske kommuner for en mere retfærdig udligning.",
            "Administrationen bidrager med den største andel af besparelserne.",
        ),
    ),
    Topic(
        chair="fm-morten-bogh",
        questions=(
            "Bliver åbningstiderne på bibliotekerne skåret igen? For mange ældre er biblioteket "
            "et af de få steder, hvor man kan mødes uden at skulle købe noget.",
            "Foreningerne i de små byer kører på frivillige kræfter. Bliver tilskuddet til haller "
            "og forsamlingshuse beskåret?",
            "Hvad sker der med musikskolen? Undervisningen er blevet dyrere to år i træk.",
            "Kan kommunen hjælpe med at renovere omklædningsrummene i hallen i Gislev?",
        ),
        answers=(
            "Vi foreslår ikke at skære i de betjente åbningstider. Til gengæld vil vi flytte "
            "borgerservice ind på bibliotekerne i Ringe og Faaborg, så der er hjælp at få til "
            "MitID og digital post i de samme timer.",
            "Tilskuddet til haller og forsamlingshuse er uændret i budgetforslaget, og puljen til "
            "renovering af lokale faciliteter fortsætter i 2027.",
            "Musikskolens priser er fastfrosset i 2027, og søskenderabatten bliver større.",
            "Gislev kan søge renoveringspuljen i marts, og omklædningsrummene er præcis den slags "
            "projekt, puljen er til. Skriv til mig, så kommer en konsulent ud og hjælper med "
            "ansøgningen.",
        ),
        citizen_points=(
            "De selvbetjente timer er ikke meget værd, hvis man ikke kan få hjælp til den digitale"
            " post.",
            "Hallen i Gislev er hjertet i byen. Uden tilskud lukker den.",
            "Musikskolen er for mange børn det eneste fritidstilbud tæt på.",
            "Omklædningsrummene er fra 1974, og det kan man se og lugte.",
        ),
        remarks=(
            "Bibliotekerne er blevet mødesteder, og det vil vi gerne bygge videre på.",
            "De frivillige i foreningerne sparer kommunen for langt flere penge, end tilskuddet "
            "koster.",
            "Musik og kultur skal også være for børn, hvis forældre ikke har mange penge.",
            "Puljen har hjulpet haller i både Årslev og Brobyværk.",
        ),
    ),
    Topic(
        chair="fm-birthe-aagaard",
        questions=(
            "Hvordan hænger planerne om en solcellepark ved Gislev sammen med budgettet? Får "
            "lokalsamfundet noget ud af det, fx en grøn pulje?",
            "Hvad gør kommunen for at nå klimamålene for 2030, når der skal spares?",
            "Kan der blive plantet mere skov omkring Ringe? Det ville også give rent drikkevand.",
            "Hvorfor tager det så lang tid at få svar på en ansøgning om varmepumpe?",
        ),
        answers=(
            "Solcelleparken er ikke en del af budgettet, men en grøn pulje til lokalsamfundet er "
            "en del af aftalen med opstilleren. Lokalrådet er inviteret til det første møde om, "
            "hvordan pengene skal fordeles.",
            "Klimaplanen har sine egne penge, og de er ikke med i sparekatalogerne. Vi når ikke "
            "målet for transport, men vi er foran på energi.",
            "Ja, vi søger statens pulje til skovrejsning omkring drikkevandsboringerne ved Ringe, "
            "og de første 20 hektar kan blive plantet næste efterår.",
            "Vi har ansat to nye sagsbehandlere, og svartiden på varmepumper er nede på fire uger."
            " Målet er to.",
        ),
        citizen_points=(
            "Det vigtigste er, at naboerne bliver hørt tidligt og ikke først, når planen er lagt.",
            "Klimaet kan ikke vente på næste budget.",
            "Skov omkring boringerne er en rigtig god idé.",
            "Jeg ventede tre måneder på min tilladelse sidste år.",
        ),
        remarks=(
            "Naboer til store anlæg skal høres, før vi sender noget i høring.",
            "Klimamålene er en fælles opgave for hele kommunalbestyrelsen.",
            "Skovrejsning er både godt for klimaet og for drikkevandet.",
            "Det skal være nemt at gøre det rigtige, også for den enkelte husejer.",
        ),
    ),
    Topic(
        chair="fm-soren-kjaer-nielsen",
        questions=(
            "Hvad gør kommunen for at tiltrække virksomheder og arbejdspladser til Ringe, så vi "
            "ikke alle sammen skal pendle til Odense?",
            "Kan jobcentret hjælpe flere ledige over 55? Jeg har søgt over 100 job.",
            "Hvordan får vi flere lærepladser til de unge i kommunen?",
            "Hvorfor er der så lang ventetid på en byggetilladelse for virksomheder?",
        ),
        answers=(
            "Vi har byggemodnet et nyt erhvervsområde ved motorvejen i Ringe, og de første grunde "
            "er solgt. I budgettet fortsætter vi erhvervsservicen, og vi arbejder for bedre "
            "busforbindelser langs motorvejen.",
            "Jobcentret har et særligt forløb for ledige over 55 med virksomhedspraktik, og vi "
            "udvider det i 2027. Skriv til mig, så sørger jeg for, at du bliver kontaktet.",
            "Kommunen tager selv ti lærlinge mere fra næste år, og vi giver en bonus til "
            "virksomheder, der tager deres første lærling.",
            "Vi foreslår en fast svartid på byggesager for virksomheder: fire uger for de enkle "
            "sager. Pengene til to ekstra sagsbehandlere er med i budgetforslaget.",
        ),
        citizen_points=(
            "Der er mange dygtige folk, der pendler ud hver dag.",
            "Virksomhederne mangler hænder, og de ledige mangler job. Det må kunne kobles bedre.",
            "Lærepladser er vigtige, hvis de unge skal blive her.",
            "Vores firma ventede fem måneder på en tilladelse til en tilbygning.",
        ),
        remarks=(
            "Erhvervsområdet ved motorvejen kan give flere hundrede arbejdspladser.",
            "Det er vigtigt, at jobcentret kender virksomhederne lokalt.",
            "Vi har mange små virksomheder, og netop de har brug for hjælp til at tage en lærling.",
            "Hurtig sagsbehandling er det bedste, vi kan give virksomhederne.",
        ),
    ),
    Topic(
        chair="fm-rikke-juhl",
        questions=(
            "Der er lange ventelister til aflastning for familier med børn med handicap. Er der "
            "penge til flere pladser i 2027?",
            "Hvorfor tager det et halvt år at få svar på en ansøgning om et hjælpemiddel?",
            "Bliver der skåret i bostøtten til unge med psykiske vanskeligheder?",
            "Hvad gør kommunen for de hjemløse i Faaborg? Der er flere og flere.",
        ),
        answers=(
            "Vi lægger 2 mio. kr. til aflastning i budgetforslaget. Det er ikke nok til at fjerne "
            "ventelisten, men det svarer til seks pladser mere.",
            "Vi ansætter to terapeuter mere i hjælpemiddelteamet, og målet er, at man har svar "
            "inden for otte uger fra sommer.",
            "Nej. Bostøtten til unge er ikke en del af sparekatalogerne.",
            "Vi har åbnet et værested med sengepladser i Faaborg sammen med Kirkens Korshær, og "
            "gadeteamet får en medarbejder mere i 2027.",
        ),
        citizen_points=(
            "Vi har ventet i otte måneder på aflastning.",
            "Min mand ventede et halvt år på en rollator. Det er for lang tid.",
            "Bostøtten har gjort en kæmpe forskel for min søn.",
            "Der sover folk i busskuret ved havnen. Det har jeg aldrig set før.",
        ),
        remarks=(
            "Ventelisterne er uacceptable, og vi vender tilbage med en plan i foråret.",
            "Hjælpemidlerne er på næste udvalgsmøde.",
            "Det socialområde, der virker, skal vi ikke spare på.",
            "Ingen skal sove ude i Faaborg-Midtfyn, og det arbejder vi sammen med de frivillige "
            "på.",
        ),
    ),
    Topic(
        chair="fm-niels-erik-hviid",
        questions=(
            "Hvad gør kommunen for at få nye familier til landsbyerne? Der står tomme huse i "
            "Brahetrolleborg.",
            "Kan kommunen rive flere faldefærdige huse ned i landsbyerne?",
            "Hvornår kommer der byggegrunde i Årslev? Der er venteliste.",
            "Hvorfor er der så få lejeboliger i Faaborg til unge og ældre?",
        ),
        answers=(
            "Vi laver en bosætningsindsats med åbent hus i landsbyerne, og vi har søgt statens "
            "landsbypulje, så tomme huse kan blive sat i stand eller revet ned.",
            "Vi fortsætter nedrivningspuljen i 2027 med 3 mio. kr., og hvor et hus bliver revet "
            "ned, laver vi gerne en grøn plads sammen med landsbyen.",
            "De første 40 byggegrunde i Årslev kommer til salg til sommer, og der bliver lagt "
            "flere ud, når de er solgt.",
            "Vi har lavet aftale med to boligselskaber om 60 nye lejeboliger i Faaborg, og "
            "halvdelen bliver små boliger til unge og ældre.",
        ),
        citizen_points=(
            "Landsbyerne har brug for nye familier, ellers lukker det hele.",
            "Tomme huse trækker hele landsbyen ned.",
            "Byggegrunde i Årslev bliver revet væk, så sæt gerne flere til salg.",
            "Vi vil gerne blive i byen, men der er ingen små lejeboliger.",
        ),
        remarks=(
            "Landsbyerne er en styrke, ikke et problem.",
            "Nedrivningspuljen har fjernet 30 huse på fem år.",
            "Bosætning er det vigtigste for vores økonomi på længere sigt.",
            "Vi skal have boliger, som både unge og ældre har råd til.",
        ),
    ),
    Topic(
        chair="fm-hanne-bach",
        questions=(
            "Hvad gør I ved lægemanglen? Vi har været uden fast læge i Broby i over et år.",
            "Kan vi få en sundhedsklinik i Faaborg med både læge, fysioterapeut og sygeplejerske?",
            "Bliver genoptræningen efter hospitalsophold forkortet?",
            "Hvorfor skal man til Odense for at få taget en blodprøve?",
        ),
        answers=(
            "Vi har lavet en aftale med regionen om en regionsklinik i Nørre Broby fra næste år, "
            "og vi giver lægerne gratis lokaler i sundhedshusene.",
            "Sundhedshuset i Faaborg får plads til både læger, fysioterapeuter og sygeplejeklinik,"
            " når ombygningen er færdig i 2027.",
            "Nej. Genoptræningen bliver ikke forkortet, og ventetiden er under to uger.",
            "Fra januar kan man få taget blodprøver i sundhedshuset i Faaborg tre dage om ugen.",
        ),
        citizen_points=(
            "Det er utrygt ikke at have en fast læge.",
            "Et sundhedshus ville samle det hele ét sted.",
            "Genoptræningen betyder alt for at komme på benene igen.",
            "De ældre kan ikke køre til Odense for hver lille ting.",
        ),
        remarks=(
            "Lægedækningen er regionens ansvar, men vi gør, hvad vi kan for at hjælpe.",
            "Sundhedshuset i Ringe viser, at det kan lade sig gøre.",
            "Genoptræning tidligt sparer både lidelser og penge senere.",
            "Blodprøver tæt på hjemmet sparer både tid og kørsel.",
        ),
    ),
]

# Removed by a moderator: published first, hidden a few minutes later. They count in no
# figure of the report but the removed comments. Minutes count from the start.
TROLL = Account("borger-fm-45", "Bjarne Holt")
HIDDEN_THREADS = [
    Thread(
        37,
        TROLL.username,
        "Hele kommunalbestyrelsen er en flok idioter, der kun tænker på deres egne pensioner.",
        voters=("borger-fm-20", "borger-fm-31"),
        hidden_because="personal_attack",
        replies=(
            Reply(
                38,
                TROLL.username,
                "Og sagsbehandleren på min sag burde fyres. Hun hedder Susanne og sidder i Ringe.",
                hidden_because="names_person",
            ),
        ),
    ),
    Thread(
        81,
        TROLL.username,
        "Billige solbriller og ure til kun 99 kr. Se mere på mit link i profilen!",
        hidden_because="spam",
    ),
]
