"""Topics recognised from how words combine rather than from one word: MIXING, quitting, returning to use.

MIXING: "is it safe to mix xanax and dope", "drinking on suboxone", "mezclar alcohol con heroína": a mixing
verb next to any drug, or two different kinds of drugs joined by and/with/on/y/con ("How much water do
I mix for the strips" is not mixing: water is the strips' step; "tranq dope" is a xylazine question).
Quitting (→ TREATMENT): a stop verb with drug use as its object ("how can I stop doing meth", "como
dejo las drogas") or asked for ("need help quitting"). Returning to use (→ RELAPSE): use after a
stretch of not using ("been clean 90 days but used last night", "salí del tratamiento y usé").
"""

from __future__ import annotations

from smsbot.routing.normalize import word_set

_CLASSES: dict[str, frozenset[str]] = {
    "opioid": word_set(
        "dope heroin fent fentanyl fetty fentanilo heroina opioids opioid opiates opiate oxy oxys oxycodone "
        "percs perc percocet percocets methadone metadona suboxone bupe morphine morfina blues m30 m30s "
        "painkillers pain pills"
    ),
    "benzo": word_set("xanax xans bars benzos benzo klonopin valium ativan benzodiacepinas"),
    "alcohol": word_set(
        "alcohol drinking drink drinks beer beers liquor booze vodka whiskey wine drunk cerveza licor trago "
        "tragos bebiendo beber borracho borracha"
    ),
    "stimulant": word_set(
        "meth coke crack cocaine cocaina speed adderall ice cristal perico coca molly mdma ecstasy uppers"
    ),
    "xylazine": word_set("tranq xylazine xilacina"),
    "other": word_set("gabapentin gabbies lyrica ketamine kratom weed marijuana mota ambien soma"),
}
_CLASS_OF = {word: name for name, words in _CLASSES.items() for word in words}
_MIX_VERBS = word_set(
    "mix mixing mixed mixes combine combining combined together mezclar mezclo mezcla mezclando mezcle "
    "combinar combino juntos juntas"
)
_SAFETY_WORDS = word_set("safe ok okay bad dangerous risky seguro peligroso malo")
_JOINERS = word_set("and with w plus on n y con")
_WATER = word_set("water agua")
_ENGLISH = word_set(
    "mix mixing mixed mixes combine combining combined together and with plus safe okay bad dangerous risky "
    "drinking drink drinks beer liquor booze is it can i"
)
_SPANISH = word_set(
    "fentanilo heroina metadona morfina benzodiacepinas cerveza licor trago tragos bebiendo beber borracho "
    "borracha cocaina cristal perico coca xilacina mota mezclar mezclo mezcla mezclando mezcle combinar "
    "combino juntos juntas seguro peligroso malo y con"
)


def match_mixing(tokens: tuple[str, ...]) -> tuple[int, str | None] | None:
    """(position, language) when the text asks about mixing drugs, else None."""
    drugs = [(i, _CLASS_OF[t]) for i, t in enumerate(tokens) if t in _CLASS_OF]
    verbs = [i for i, t in enumerate(tokens) if t in _MIX_VERBS]
    found: int | None = None
    if verbs and not _WATER.intersection(tokens) and (drugs or _SAFETY_WORDS.intersection(tokens)):
        found = verbs[0]
    for (i, a), (j, b) in zip(drugs, drugs[1:], strict=False):
        joined = j - i == 1 or (j - i <= 3 and _JOINERS.intersection(tokens[i + 1 : j]))
        if found is None and a != b and joined and "xylazine" not in (a, b):
            found = i
    if found is None:
        return None
    spanish = sum(t in _SPANISH for t in tokens)
    english = sum(t in _ENGLISH for t in tokens)
    return found, "es" if spanish > english else "en" if english > spanish else None


_QUIT_VERBS = word_set("stop stopping quit quitting kick kicking dejar dejo deje parar paro salir")
_USE_OBJECTS = word_set(
    "using use doing shooting smoking snorting drugs drug dope fent fentanyl heroin meth coke crack pills "
    "usar consumir drogas droga heroina fentanilo coca cristal perico vicio pastillas"
) | frozenset().union(*_CLASSES.values())
_QUIT_FRAMES = word_set("how want wanna need help ready trying try como quiero necesito ayuda ayudame puedo")
_NEGATIONS = word_set("dont not never no nunca didnt wont aint ni")


def match_quitting(tokens: tuple[str, ...]) -> tuple[int, str | None] | None:
    """(position, language) when the text is about stopping drug use, else None."""
    for i, t in enumerate(tokens):
        if t not in _QUIT_VERBS or any(w in _NEGATIONS for w in tokens[max(i - 3, 0) : i]):
            continue
        objects = tokens[i + 1 : i + 4]
        framed = any(w in _QUIT_FRAMES for w in tokens[max(i - 3, 0) : i])
        if any(w in _USE_OBJECTS for w in objects) or (framed and not objects):
            spanish = t in ("dejar", "dejo", "deje", "parar", "paro", "salir")
            return i, "es" if spanish else "en"
    return None


_BREAK = word_set("clean sober sobrio sobria limpio limpia")
_BREAK_PLACES = word_set(
    "rehab treatment jail prison detox hospital tratamiento carcel prision desintoxicacion hospital"
)
_BREAK_BEFORE = word_set(
    "been was stayed staying days months years weeks estuve estaba dias meses anos semanas"
)
_AFTER = word_set("after since out despues sali")
_USED = word_set("used use shot smoked picked slipped relapsed consumi inyecte fume volvi")


def match_return_to_use(tokens: tuple[str, ...]) -> tuple[int, str | None] | None:
    """(position, language) for use after a stretch without ("clean 90 days but used last night")."""
    used = [i for i, t in enumerate(tokens) if t in _USED]
    if not used or any(w in _NEGATIONS for w in tokens[max(used[0] - 2, 0) : used[0]]):
        return None
    for i, t in enumerate(tokens):
        stretch = t in _BREAK and any(w in _BREAK_BEFORE for w in tokens[max(i - 3, 0) : i + 3])
        place = t in _BREAK_PLACES and any(w in _AFTER for w in tokens[max(i - 4, 0) : i])
        if stretch or place:
            spanish = sum(w in _SPANISH or w in _BREAK_BEFORE and w in ("estuve", "estaba") for w in tokens)
            return min(i, used[0]), "es" if spanish else "en"
    return None
