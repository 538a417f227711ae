"""Swedish vocabularies of minutes: column headers, owners, parties, signal phrases. Data, not logic."""

from __future__ import annotations

import re
from enum import StrEnum


class ColumnRole(StrEnum):
    OWNER = "owner"
    FOLLOW_UP_DATE = "follow_up_date"
    DUE_DATE = "due_date"
    TIME = "time"
    CONTEXT = "context"
    ACTION = "action"
    TITLE = "title"


# Header text → column role, first match wins: the order settles headers naming two things
# ('Hur ska beslutet kommuniceras' is context, 'Åtgärd/beslut' is the action).
COLUMN_HEADERS: tuple[tuple[ColumnRole, re.Pattern[str]], ...] = tuple(
    (role, re.compile(pattern, re.IGNORECASE))
    for role, pattern in (
        (
            ColumnRole.OWNER,
            r"^(?:huvud)?ansvarig|^ansvar\b|^ansv\b|^vem\b|^ägare|^utförare|^vem gör|^owner|^responsible|^who\b|^assignee",
        ),
        (ColumnRole.FOLLOW_UP_DATE, r"uppföljning\w*\s*(?:datum|när)|^uppföljning$|^följs upp"),
        (
            ColumnRole.DUE_DATE,
            r"datum|klart senast|^senast|^när\b|deadline|tidplan|genomför|^klar\b|slutdatum|tidsram|^klart|^due\b|^återrapport|^tidpunkt"
            r"|^when\b|^date\b",
        ),
        (ColumnRole.TIME, r"^tid$|^klockslag|^kl\.?$"),
        (
            ColumnRole.CONTEXT,
            r"information|anteckning|dialog|diskussion|bakgrund|nuläge|beskrivning|kommentar|målgrupp"
            r"|^hur\b|resultat|^status|notering|^syfte|^underlag|^föredragande",
        ),
        (
            ColumnRole.ACTION,
            r"åtgärd|beslut|att göra|uppgift|^uppdrag|aktivitet|^insats|^förslag|^vad\b|^action|^task|^to ?do\b|^what\b",
        ),
        (
            ColumnRole.TITLE,
            r"rubrik|ärende|punkt|område|fråga|ämne|dagordning|förbättring|^nr$|^#$|^topic|^subject",
        ),
    )
)

# Everyone: owners that mean the whole group.
ALL_WORDS = re.compile(
    r"^(?:alla|samtliga|gemensamt(?: ansvar)?|var och en|hela (?:gruppen|\w+)|vi|flg|fsg|vsg|ledningsgruppen"
    r"|all|everyone|everybody|(?:alla|samtliga) (?:ledamöter|ledamöterna|deltagare|deltagarna|närvarande))$",
    re.IGNORECASE,
)

# Upper-case abbreviations that are functions or bodies, never a person's initials.
ORGANISATION_ABBREVIATIONS = frozenset(
    """HR IT KLG ALG FLG FSG VSG LSG CSG MBL APT KF KS KSF EC VC OD SSR IFO LSS SOL HSL BUF UBF SOF VOF ÄO
    OF AC VO PP DV MAS MAR SAS SFI BOU NÄMNDEN KOMMUNAL VISION LEDARNA SKR KD MP SD PRO SPF RPG SKPF DHR""".split()
)

# Role nouns: a word ending in one of these is a function someone holds ('HR-chef', 'Omsorgsdirektör').
ROLE_SUFFIX = (
    r"(?:chef|chefen|chefer|cheferna|direktör|direktören|direktörer|ledare|ledaren|ledarna|ansvarig|ansvariga"
    r"|strateg|strategen|samordnare|samordnaren|sekreterare|sekreteraren|controller|controllern|konsult"
    r"|konsulten|konsulter|konsulterna|ombud|ombudet|representant|representanter|representanterna"
    r"|handläggare|handläggaren|ordförande|ordföranden|samordnaren|administratör|administratören|specialist"
    r"|specialisten|ekonom|ekonomen|intraprenör|utvecklare|designer|koordinator|koordinatorn)"
)

# Role nouns a person holds beyond the suffixes above: board and council roles as minutes write them.
ROLE_NOUNS = (
    rf"(?:[\w-]*{ROLE_SUFFIX}|kassör|kassören|ledamot|ledamoten|ledamöter|suppleant|suppleanten|rektor|rektorn"
    r"|revisor|revisorn|kurator|kuratorn|skolsköterska|skolsköterskan|skyddsombud|skyddsombudet|vice ordförande"
    r"|projektledare|sammankallande|webbansvarig|pr-ansvarig|direktör|stadsdirektör|kommundirektör)"
)

# Abbreviations of roles, written out (GOLD_FORMAT: 'ordf' → 'ordförande'); keys are folded, dots dropped.
ROLE_ABBREVIATIONS: dict[str, str] = {
    "ordf": "ordförande",
    "ordförande": "ordförande",
    "v ordf": "vice ordförande",
    "vice ordf": "vice ordförande",
    "vordf": "vice ordförande",
    "v ordförande": "vice ordförande",
    "sekr": "sekreterare",
    "sekt": "sekreterare",
    "suppl": "suppleant",
    "syv": "studie- och yrkesvägledare",
    "ssk": "sjuksköterska",
    "usk": "undersköterska",
}

# Parties and bodies acting as owners; written in lower case as owners.
PARTY_WORDS = (
    r"(?:arbetsgivaren|arbetsgivarsidan|förvaltningen|\w+förvaltningen|förvaltningsledningen|verksamheten"
    r"|verksamheterna|\w+avdelningen|avdelningen|avdelningarna|enheten|enheterna|nämnden|styrelsen"
    r"|facket|fackliga parter|fackliga representanter|fackliga|parterna|kommunal|vision|ledarna|ssr|\w+förbundet"
    r"|akademikerförbundet ssr|arbetsgruppen|styrgruppen|ledningsgruppen|kärngruppen|projektgruppen"
    r"|samverkansgruppen|kansliet|staben|hr"
    # bodies in the definite form, and plural bodies ('kommunerna', 'pensionärsorganisationerna')
    r"|kommunen|regionen|skolan|förskolan|staden|länsstyrelsen|föreningen|klubben|rådet|\w+rådet|\w+nämnden"
    r"|\w*organisationerna|kommunerna|regionerna|föreningarna|skolorna|förbunden|rektorerna)"
)

# Words that may stand before a role noun in an owner phrase.
ROLE_MODIFIERS = (
    r"(?:alla|samtliga|respektive|berörda|berörd|fackliga|nya|ny|biträdande|bitr\.|bitr|tillförordnad|t\.f\.|vår|våra"
    r"|ansvarig|ansvariga|administrativ|administrativa|ekonomisk|medicinskt|[A-ZÅÄÖ]{2,5})"
)

# Present-tense verbs and auxiliaries that follow an actor in an assignment or commitment.
ACTOR_VERBS = (
    r"(?:får|fått|har fått|har|tar|tog|ska|skall|kommer|behöver|måste|bör|ansvarar|återkommer|återkopplar"
    r"|återrapporterar|kallar|säkerställer|skickar|bevakar|inventerar|kontaktar|sammanställer|tilldelar"
    r"|väljer|justerar|deltar|bokar|bjuder|utreder|undersöker|ser|stämmer|informerar|lyfter|bereder|följer"
    r"|arbetar|planerar|förbereder|lägger|gör|ordnar|samordnar|uppdaterar|kompletterar|tar fram|beställer"
    r"|skriver|redovisar|genomför|fortsätter|påminner|hanterar|startar|avser|lovade|lovar"
    r"|driver|leder|håller|utser|rapporterar|tittar|kollar|mejlar|mailar|ringer|svarar|ansöker|blir|åtog|åtar"
    # assignments in the passive of the board's choice: 'X väljs att …', 'X utses till ansvarig för …'
    r"|väljs|utses|tar på sig|åtar sig|fixar|hör"
    # a reporting verb names an actor only when it reports to someone, not 'meddelar att …'
    r"|meddelar(?!\s+att\b)|enades|enas|beslutar|fastställer|godkänner|kom överens|kommer överens)"
)

# Verbs that report what was said or shown at the meeting: not a commitment in the present tense.
REPORTING_VERBS = re.compile(
    r"\b(?:påminner om|meddelar att|menar|anser|säger|berättar|redogör|presenterar|informerar om|undrar|påpekar|betonar"
    r"|framför|konstaterar|tar (?:\w+ )?upp|går igenom|lyfter fram|uppmärksammade|informerade|föreslår|tycker|upplever"
    # and in English notes
    r"|reports|says|presents|informs|mentions|explains|notes|thinks|asks|shows|describes|tells|states|suggests"
    r"|proposes|reminds|highlights|summari[sz]es|points out|presented|reported)\b",
    re.IGNORECASE,
)

DECISION = re.compile(
    r"^\s*(?:beslut|decision|decided)\s*:|\bbeslutar\b|\bbeslutas\b|\bfastställ(?:er|s|des)\b|\bär fastställd|\bgodkänn(?:er|s)\b"
    r"|\bställer sig bakom\b|\bstående punkt\b|\benades\b|\bär överens\b|\bbeslut om att\b",
    re.IGNORECASE,
)

FOLLOW_UP = re.compile(
    r"\båterkommer\b|\båterkopplar\b|\båterrapporter|\buppföljning (?:kommande|nästa|på|vid|i)\b"
    r"|\båter (?:för|till)\b|\bflyttas till\b|\btas upp (?:igen )?(?:på|vid)\b|\bbordläggs\b"
    r"|\bföljs upp\b|\bklart för uppföljning\b|\bska (?:frågan |ärendet )?upp (?:för|till|på|i)\b"
    r"|\bstäms av\b|\bstämmas av\b|\bpå nästa möte\b"
    # 'Lönekartläggningen presenteras på LSG i maj': a matter due at a coming meeting.
    r"|\b(?:presenteras|redovisas|behandlas|diskuteras|återrapporteras|tas upp)\s+(?:igen\s+)?(?:på|vid)\s+"
    r"(?:nästa\s+)?(?:möte\w*|sammanträde\w*|(?-i:[A-ZÅÄÖ]{2,5}))\b",
    re.IGNORECASE,
)

# Common words ending in -a that are not infinitives ('kommer ske på nästa möte').
NOT_INFINITIVES = (
    r"(?:nästa|andra|första|hela|enda|samma|bara|många|alla|sista|egna|nya|stora|bra|extra|gamla|dessa"
    r"|flera|vara|bli|finnas|denna|vilka|sina|våra|era|tidigare|senare|inga|ena|övriga|olika|bästa)"
)

ACTION = re.compile(
    r"\bf[åa]t?t? i uppdrag\b|\bfår i uppdrag\b|\bf(?:år|ått) uppdraget\b|\bi uppdrag att\b|\buppdras\b"
    r"|\bansvarar för\b|\bansvarig\s*$|\b\w+ ansvarig\b(?=[.\s]*$)|\btar med sig\b|\btar med (?:fråga|frågan)\b"
    r"|\btar (?:frågan|ärendet) vidare\b|\bbevakar\b|\bkallar till\b|\bsäkerställ\w*|\bskickar\b"
    r"|\binventerar\b|\bsammanställer\b|\bkontaktar\b|\bstämmer av\b|\bbjuder in\b|\bbokar\b|\butreder\b"
    r"|\bundersöker\b|\bser över\b|\bse över\b|\bses över\b|\btar fram\b|\bta fram\b|\btas fram\b"
    r"|\bbehöver\b|\bbehövs\b|\bmåste\b|\bska\b|\bskall\b|\bkommer att\b"
    r"|\bsamordnas av\b|\butse\b|\bdeltar\b|\bväljer\b|\bjusterar\b|\btilldelar\b|\blägger in\b"
    r"|\bplanerar\b|\bförbereder\b|\bbereder\b|\blyfter frågan\b|\bpåminnelse\b"
    r"|\bföljer upp\b|\bkompletterar\b|\bavser att\b|\bfortsätter\b|\bkalla[rt]? till\b"
    r"|\bväljs att\b|\bväljs (?:(?:till|som) )?ansvarig\b|\butses (?:till|som)\b|\btar på sig\b|\båtar sig\b"
    r"|\båtog sig att\b|\btog på sig att\b|\blovade att\b|\blovar att\b|\buppdra(?:r|r sedan)? åt\b"
    # a deadline makes a task of any sentence; so does a passive with a named agent ('sammanställs av Maja')
    r"|\bsenast\b|\btill och med\b|\bdeadline\b|\b\w{4,}s av (?-i:[A-ZÅÄÖ])"
    r"|\barbetar(?: löpande| aktivt| vidare)? med\b"
    rf"|\bkommer\s+(?:\w+\s+){{0,3}}?(?:att\s+\w+|(?!{NOT_INFINITIVES}\b)\w+a)\b(?<!as)",
    re.IGNORECASE,
)

# An action cell may open with an infinitive or a verbal noun: 'Se över rutinen', 'Översyn av …'.
ACTION_OPENING = re.compile(
    r"^\s*(?:\d+[.)]\s*)?(?:se över|ta fram|utse|göra|erbjuda|rekrytera|bedöma|upphandla|implementera"
    r"|kartlägga|tydliggöra|säkerställa|utreda|undersöka|översyn|framtagande|utbyte|ta med|skicka|boka"
    r"|kalla|bjuda in|informera|sammanställa|följa upp|uppdatera|planera|genomföra|presentation|plan för"
    r"|analysera|inventera|kontakta|ta ställning|besluta|prova|starta|införa|utveckla|utvärdera|skapa"
    r"|påminna|påminnelse|förbereda|samordna|stämma av|revidera|fastställa|lyfta|komplettera|tilldela"
    r"|behöver|behövs|viktigt att|vi behöver|vi ska|vi måste)\b",
    re.IGNORECASE,
)

# Finite verbs in the past or perfect: a report of what was done, not a commitment.
PAST_TENSE = re.compile(
    r"\b(?:har|hade)\s+(?:\w+\s+)?\w+(?:at|it|tt|ts)\b|\b\w{3,}(?:ade|ades|dde|des)\b|\bskickat\b|\bgenomfört\b"
    r"|\banmält\b|\bvar\b|\bvarit\b|\bblev\b|\bgjorde\b|\btogs\b|\bvaldes\b",
    re.IGNORECASE,
)

# Procedure of the meeting itself: never an action item.
PROCEDURAL = re.compile(
    r"\b(?:avslutar mötet|öppnar mötet|förklarar (?:mötet|sammanträdet)|mötet avslutas|hälsar (?:alla )?välkom\w*"
    r"|noterar (?:\w+ )?information\w*|tackar för\b"
    r"|läggs till handlingarna|lades till handlingarna|valdes (?:till|som) justerare|väljs (?:till|som) justerare"
    r"|godkänns som justerare|dagordningen godkänns|dagordningen godkändes|inget att anmärka"
    # approvals of the agenda, earlier minutes or a report: nothing to carry out
    r"|godkänner (?:\w+ ){0,2}(?:\w*anteckningar\w*|\w*protokoll\w*|dagordning\w*|information\w*|rapport\w*"
    r"|redovisning\w*)|(?:dagordningen|\w*protokollet|\w*anteckningarna|rapporten)(?: \w+){0,3}? (?:godkänns|godkändes|fastställs|fastställdes|läggs(?! ut)|lades(?! ut))"
    r"|till handlingarna|justeras av)\b",
    re.IGNORECASE,
)

# A clause introduced by these is a condition or a comparison, not a commitment.
CONDITIONAL_LEAD = re.compile(r"\b(?:om|ifall|än att|såvida|när|innan|eftersom|då)\s*$", re.IGNORECASE)

# Future of a state or of receiving: 'kommer att vara', 'ska finnas', 'kommer få besked'.
STATIVE_FUTURE = re.compile(
    r"\b(?:ska|skall|kommer(?: att)?|kan)\s+(?:\w+\s+)?(?:vara|bli|finnas|ligga|gälla|innebära|kunna|behöva)\b"
    r"|\bkommer(?: att)? få\s+(?!\w+a\b)\w+"
    r"|\b(?:ska|skall|kommer att) få (?!i\b|uppdrag)\w+a\b",
    re.IGNORECASE,
)

# 'Beslut', 'Beslutspunkter': a section whose paragraphs are the group's decisions.
DECISION_HEADING = re.compile(
    r"^\s*(?:beslut|beslutspunkter|beslutade punkter|fattade beslut|decisions?)\s*:?\s*$", re.I
)

GROUP_BODY = re.compile(r"\b(?:[A-ZÅÄÖ]{1,3}SG(?:/[A-ZÅÄÖ]{1,3}SG)?|[A-ZÅÄÖ]LG|ALG|KLG)\b")

# A heading over a list of tasks: every line under it is an item ('Att göra', 'Actionpoints inför nästa möte').
ACTION_SECTION = re.compile(
    r"^\W*(?:att göra|action\s*points?|action\s*items?|actions|to\s*-?\s*dos?|att-göra|till nästa (?:möte|gång)"
    r"|inför nästa (?:möte|gång)|uppdrag|åtgärder|åtgärdslista|åtgärdspunkter|next steps|nästa steg|uppgifter"
    r"|aktiviteter|beslut och åtgärder|fördelning av uppgifter|arbetsfördelning)\b",
    re.IGNORECASE,
)

# Infinitives that do not end in -a: the short verbs of Swedish.
SHORT_INFINITIVES = frozenset("se ta gå ge få be dra nå stå bo tro sy så strö".split())

# Words ending in -a that open a line without being a verb: pronouns, adjectives, numerals, common nouns.
NOT_INFINITIVE_WORDS = frozenset(
    """alla andra nästa första hela extra sista samma flera många övriga olika egna nya stora gamla enda bara
    båda vilka dessa sina våra era inga lokala svenska externa interna allmänna diverse tema agenda vecka skola
    kyrka gata fika pizza kassa lista ekonomi tidiga senaste bästa största viktiga gemensamma ordinarie
    sammanfattning""".split()
)


# The subject's verb in the present tense, by the general rule of Swedish (-ar, -er, -r): 'Kalle fixar',
# 'Kassören kollar', 'Bengt kontaktar'; and a present passive with its agent ('… bokas av Karl', 'tas fram av X').
PRESENT_VERB = re.compile(r"[a-zåäö]{1,}(?:ar|er|ör|år|ir|yr|är)")
# Notes written in English: 'Ola checks with the vendor', 'Maria will send the comparison by Friday'. The verb's
# shape alone would take Swedish words ('utses'), so the clause must read as English: an article or preposition
# after the verb.
ENGLISH_COMMITMENT = re.compile(
    r"(?-i:(?:will|shall)\s+[a-z]{2,}|[a-z]{2,}[^sua\W]s)\b(?=.*\b(?:the|a|an|to|with|for|about|if|on|up|by)\b)"
)
PASSIVE_WITH_AGENT = re.compile(
    r"\b[a-zåäö]{2,}(?:as|es|ts|ps|ks|ds|gs|ls|rs|ns|ms|vs)\b(?:\s+(?:in|ut|upp|fram|över|till|på|om|med|av|\w+)){0,6}?"
    r"\s+av\s+(?:(?-i:[A-ZÅÄÖ])|(?:ordf|sekr|kassör|rektor|styrelsen|\w+(?:chef|ansvarig)))",
    re.IGNORECASE,
)
# A task in the passive, owned or not: 'ska ses över till nästa möte', 'Lokalen bokas', 'skickas ut av X'.
PASSIVE_TASK = re.compile(
    r"\b(?:ska|skall|bör|måste)\s+(?:\w+\s+)?[a-zåäö]{2,}s\b|\b[a-zåäö]{3,}(?:as|ks|ps|ts|ds|gs)\s+(?:över|ut|in|fram|upp)\b"
    r"|\b(?:ses|tas|ges|görs|läggs|sätts|köps|skickas|bokas|ordnas|beställs|skrivs)\b(?!\s+\w+(?:ade|at)\b)",
    re.IGNORECASE,
)
# What was said or shown at the meeting: 'X påminner om att …', 'X informerar: …', 'X lyfter att …'.
REPORT_SPEECH = re.compile(
    r"^(?:\S+\s+){1,4}?(?:informerar|berättar|redogör|påminner|lyfter|påpekar|betonar|konstaterar|undrar"
    r"|frågar|upplever)(?:\s+om)?\s*(?:att\b|:|kring\b|hur\b|vad\b)"
    r"|^(?-i:[A-ZÅÄÖ])\S*(?:\s+(?-i:[A-ZÅÄÖ])\S*)?\s+(?:frågar|undrar)\s+om\b",  # 'Eva Lind frågar om …': a question
    re.IGNORECASE,
)
# Verbs that report unless a date makes them a task ('Anton redovisar remissvaren' / '… redovisar till 3/5').
REPORT_VERB = re.compile(
    r"^(?:\S+\s+){1,4}?(?:redovisar|presenterar|visar|diskuterar|går igenom|informerar om|berättar om|redogör för"
    r"|lyfter|rapporterar)\b",
    re.IGNORECASE,
)

# A task marked done, in a line's end or a status/date cell: 'klart', 'Done', 'genomförd', '✅'.
DONE_WORDS = r"(?:klar|klart|done|avklarad|avklarat|avslutad|avslutat|genomförd|genomfört|utförd|utfört|löst)"

# Words a line does not end on when the writer ended it: the sentence runs on into the next line ('… beslutade
# att' / 'ge HR i uppdrag'). Markdown notes and text dumps both read line ends by it.
RUN_ON_WORDS = frozenset(
    "och att i på för med av till som eller samt om från vid under efter inom mot en ett den det de"
    " ska skall kommer har är var blir kan bör måste sin sitt sina".split()
)
