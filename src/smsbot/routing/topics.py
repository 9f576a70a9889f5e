"""Topics recognised from how words combine rather than from one word: mixing drugs (MIXING).

"is it safe to mix xanax and dope", "drinking on suboxone", "fent with meth", "mezclar alcohol con
heroína": a mixing verb next to any drug, or two different kinds of drugs joined by and/with/on/y/con.
"How much water do I mix for the strips" is not mixing (water is the strips' step).
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
        if found is None and a != b and (j - i == 1 or (j - i <= 3 and _JOINERS.intersection(tokens[i + 1 : j]))):
            found = i
    if found is None:
        return None
    spanish = sum(t in _SPANISH for t in tokens)
    english = sum(t in _ENGLISH for t in tokens)
    return found, "es" if spanish > english else "en" if english > spanish else None
