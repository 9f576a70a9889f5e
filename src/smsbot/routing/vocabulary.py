"""The keyword vocabulary: every word or phrase a texter may use for each app keyword, in both languages.

Each entry carries its intent, the language it tells (None = neutral, e.g. "narcan", "fts", "ok"), its
kind, which decides where in a text it may match (see keywords.py), and its rank among topics: the
topics that name a situation (WOUNDS 0, MIXING 1, RELAPSE 2, wanting to stop 3) outrank a drug name
anywhere in the text ("i have a xylazine wound" is about the wound; "can't stop using meth" asks for
treatment). Written naturally (accents and apostrophes allowed); normalised the same way as texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from smsbot.routing.intents import Intent


class Kind(Enum):
    TOPIC = "topic"  # information topics: whole message, first word, embedded, typo-tolerant
    COMMAND = "command"  # MORE, FORGET, language, check-in commands: whole message or first word(s)
    GREETING = "greeting"  # hi / hola -> menu, lowest priority
    ANSWER = "answer"  # OK / CALL check-in answers: only the whole message


TOPIC_RANK = 5  # ordinary topics: the first one in the text wins


@dataclass(frozen=True)
class Term:
    intent: Intent
    language: str | None
    kind: Kind
    rank: int = TOPIC_RANK  # lower wins over a topic found anywhere else in the text
    negatable: bool = False  # "I don't want to quit", "no recaí": a negation in front cancels it


def _terms(
    intent: Intent, kind: Kind, rank: int = TOPIC_RANK, negatable: bool = False, **by_language: str
) -> list[tuple[str, Term]]:
    """by_language: en=, es=, any= (neutral) -> '|'-separated words or phrases."""
    out = []
    for key, words in by_language.items():
        language = None if key == "any" else key
        term = Term(intent, language, kind, rank, negatable)
        out += [(w.strip(), term) for w in words.split("|") if w.strip()]
    return out


T, C, G, A = Kind.TOPIC, Kind.COMMAND, Kind.GREETING, Kind.ANSWER
I = Intent  # noqa: E741 - short alias keeps the table readable

VOCABULARY: list[tuple[str, Term]] = [
    *_terms(I.NALOXONE, T,
        any="narcan|nalox|kloxxado|zimhi|rextovy",
        en="naloxone|reverse an overdose|reverse overdose|overdose reversal|overdose kit|overdose",
        es="naloxona|revertir una sobredosis|sobredosis"),
    *_terms(I.TESTSTRIPS, T,
        any="fts|teststrips|teststrip",
        en="test strips|test strip|strips|fentanyl strips|fentanyl strip|fentanyl test|fentanyl testing"
           "|test for fentanyl|drug checking|drug check|fentanyl|fent|fetty|xylazine test strips"
           "|xylazine strips"
           "|xylazine test strip|tranq strips|tranq test strips|xts|test my dope|test my drugs|strip|one line"
           "|two lines|1 line|2 lines|how many lines|means positive|positive or negative|negative or positive"
           "|faint line|second line",
        es="tiras|tira|tiras reactivas|tiras de fentanilo|prueba de fentanilo|fentanilo|tiras de xilacina"
           "|probar la droga"),
    *_terms(I.XYLAZINE, T,
        any="tranq|tranqs|trank|tranq dope",
        en="xylazine|horse tranquilizer|horse tranq|animal tranquilizer|zombie drug|what is tranq",
        es="xilacina|xilazina|anestesia de caballo|tranquilizante de caballo|sedante de caballo|droga zombi"),
    *_terms(I.WOUNDS, T, rank=0,
        en="wound|wounds|wound care|abscess|abscesses|abcess|absess|sores|open sore|open sores|ulcer"
           "|ulcers|skin infection|infected arm|infected leg|infected hand|infected foot|infected spot"
           "|infected wound|infected site|infected injection site|cellulitis|pus|scab|scabs|bandage|bandages"
           "|rotting|necrosis|dead skin|black skin|xylazine wound|xylazine wounds|tranq wound|tranq wounds"
           "|tranq sore|tranq sores|cut myself|cutting myself|burned myself|wound supplies|my arm is rotting",
        es="herida|heridas|llaga|llagas|absceso|abscesos|úlcera|úlceras|infección en la piel|piel infectada"
           "|brazo infectado|pierna infectada|costra|costras|venda|vendas|vendaje|vendajes|cuidado de heridas"
           "|me corté|me corto|necrosis|piel muerta|pudriendo|podrido|podrida|heridas de xilacina"),
    *_terms(I.MIXING, T, rank=1,
        any="xanax|xannies|xans|benzo|benzos|benzodope|benzo dope|klonopin|klonopins|valium|ativan|alprazolam"
            "|clonazepam|speedball|speedballs|speedballing|goofball|goofballs",
        es="benzodiacepinas|benzodiazepinas|pastillas para dormir|calmantes"),
    *_terms(I.MIXING, C, rank=1, en="mixing|mixes|combining|combos", es="mezclas|mezclar|mezclando"),
    *_terms(I.MIXING, A, rank=1, en="mix", es="mezcla"),  # only alone: "mix tape", "mezcla de colores"
    *_terms(I.RELAPSE, T, rank=2, negatable=True,
        en="relapse|relapsed|relapsing|i slipped|slipped up|had a slip|used again|using again"
           "|started using again|picked up again|back to using|went back to using|fell off the wagon"
           "|broke my sobriety|lost my sobriety|lost my clean time|lost my clean date|shot up again"
           "|got high again|high again|return to use|returned to use|back on dope|back on fent"
           "|back on the needle",
        es="recaí|recaida|recaída|recaer|recaigo|volví a usar|volví a consumir|volví a caer"
           "|volví a las drogas"
           "|usé otra vez|usé de nuevo|consumí otra vez|consumí de nuevo|volví a inyectarme|volví a fumar"),
    *_terms(I.TREATMENT, T, rank=3, negatable=True,
        en="cant stop using|cant stop doing|cant stop shooting|cant stop smoking|cant stop getting high"
           "|cant quit using|cant quit dope|cant quit fent|cant quit meth|cant quit drugs|cannot stop using"
           "|how do i stop using"
           "|how to stop using|stop using|quit using|quit drugs|stop doing drugs|want to quit|wanna quit"
           "|want to stop|wanna stop|need to quit|need to stop|how do i quit|how to quit|help me quit"
           "|help me stop|get clean|getting clean|be clean|get sober|getting sober|sobriety|get off dope"
           "|get off fent|get off heroin|get off drugs|get off meth|get off pills|get off this stuff"
           "|kick the habit|kick my habit|addiction|addicted|withdrawal|withdrawals|dope sick|dopesick"
           "|sober living|stay sober|staying sober|quit for good|stop for good",
        es="dejar de usar|dejar de consumir|dejar las drogas|dejar la droga|dejarlo|quiero dejar"
           "|no puedo parar"
           "|no puedo dejar|dejar el vicio|salir de las drogas|salir de esto|ayuda para dejar|adicción|adicto"
           "|adicta|desintoxicarme|rehabilitarme|recuperación|sobriedad|abstinencia|malilla|dejar la heroína"
           "|dejar el fentanilo|dejar la coca|quiero parar|necesito parar|necesito dejar"
           "|no quiero seguir usando|no quiero seguir consumiendo|ya no quiero usar|ya no quiero consumir"),
    *_terms(I.SITES, T,
        any="ssp",
        en="sites|site|services|syringes|syringe|needles|needle|exchange|syringe program|syringe services"
           "|needle exchange|supplies|drop in|dropin|harm reduction",
        es="sitios|sitio|servicios|jeringas|jeringa|agujas|aguja|intercambio de jeringas|suministros"
           "|reducción de daños"),
    # Supplies said with "clean" are SITES, ahead of "get clean" (treatment) in the same text.
    *_terms(I.SITES, T, rank=2,
        en="clean needles|clean syringes|clean works|clean rigs|clean supplies|clean gear|clean pipes"
           "|clean pipe|clean cookers",
        es="agujas limpias|jeringas limpias|material limpio"),
    *_terms(I.HEART, T,
        any="meth|coke|crack|speed",
        en="heart|chest|chest pain|stimulant|stimulants|cocaine|uppers|blood pressure",
        es="corazón|pecho|estimulante|estimulantes|cocaína|metanfetamina|presión arterial"),
    *_terms(I.TREATMENT, T,
        any="suboxone|bupe|sublocade|vivitrol",
        en="treatment|detox|rehab|methadone|buprenorphine|naltrexone|recovery program",
        es="tratamiento|desintoxicación|desintox|rehabilitación|metadona|buprenorfina|naltrexona"),
    # Wanting to stop, said on its own: only the whole message ("I can't stop texting him" is not).
    *_terms(I.TREATMENT, A, en="i cant stop|cant stop|i cant quit|cant quit|i cannot stop|i can not stop"),
    *_terms(I.MENU, C, any="menu", en="start over|options|main menu", es="opciones|empezar de nuevo"),
    *_terms(I.MENU, G, en="hi|hello|hey|hiya", es="hola|buenas|buenos días|buenas tardes|buenas noches"),
    *_terms(I.MORE, C, en="more|next|tell me more|more info|send more", es="más|siguiente|dime más"),
    *_terms(I.FORGET, C,
        en="forget|forget me|delete me|delete my data|delete my info|delete my number|erase me",
        es="olvidar|olvídame|olvidame|borrar|bórrame|borrar mis datos|borra mis datos"),
    *_terms(I.LANG_ES, C, en="spanish|in spanish", es="español|en español|castellano"),
    *_terms(I.LANG_EN, C, en="english|in english", es="inglés|en inglés"),
    *_terms(I.JOIN, C, en="join", es="unirme|unirse"),
    *_terms(I.CHECKIN, C, en="checkin|check in"),
    *_terms(I.PAUSE, C, en="pause", es="pausa|pausar"),
    *_terms(I.RESUME, C, en="resume", es="reanudar|continuar"),
    # Drug-supply alerts (issue 13). ALERTS (+ ZIP) subscribes; the singular ALERTA (a warning: "¡alerta!")
    # starts a report, like REPORT / REPORTE; "alerta 22902" subscribes (conversation.py decides).
    *_terms(I.ALERTS, C,
        en="alerts|alert|drug alerts|supply alerts|overdose alerts|bad batch alerts|get alerts|alerts on"
           "|sign me up for alerts|sign up for alerts",
        es="alertas|alertas de drogas|recibir alertas|quiero alertas"),
    *_terms(I.REPORT, C,
        en="report|report a bad batch|report bad batch|make a report|report a batch",
        es="reporte|reportar|reporto|alerta|reportar droga|hacer un reporte"),
    # Said anywhere, a bad batch is a report (over a drug name elsewhere in the text).
    *_terms(I.REPORT, T, rank=0,
        en="bad batch|bad batches|hot batch|bad dope|bad pills|bad stuff going around",
        es="lote malo|droga mala|mala droga|lote contaminado"),
    *_terms(I.SKIP, A, en="skip", es="saltar|salta|paso"),
    *_terms(I.OK, A,
        any="ok|okay|okey|1|thumbsup|k|kk",
        en="fine|good|i'm ok|im ok|i'm okay|i am ok|i'm fine|i'm good|all good|doing ok|doing good|alright"
           "|all right|im alright|doing alright|doing fine|doing well|doing okay|i am fine|i am good"
           "|i am okay"
           "|im doing ok|im doing okay|im doing good|im doing fine|im doing well|still good|all good here"
           "|im safe|i am safe|safe|good here|ok here|okay here|im okay",
        es="bien|estoy bien|todo bien|bien gracias|todo tranquilo|estoy ok|estoy bien gracias|aqui bien"
           "|muy bien"
           "|todo bien por aqui|sigo bien|estoy tranquilo|estoy tranquila"),
    *_terms(I.CALL, A,
        any="2", en="call|call me|please call|call me please", es="llámame|llamame|llamar|llámenme"),
]  # fmt: skip

# Only these answer words are digits, and they only count while a check-in is open ("I have 2 kids").
CHECKIN_DIGITS = frozenset({"1", "2"})

# Typo tolerance applies to these spellings only: distinctive drug and service words, none of which is
# one edit away from an everyday English or Spanish word (see tests for the false-positive table).
# Short or common words ("heart"/"heard", "meth"/"math", "coke"/"come", "tiras"/"tires", "forget"/"forgot",
# "cocaína"/"cocina") are deliberately left out.
FUZZY_SPELLINGS: dict[str, Term] = {
    word: term
    for word, term in VOCABULARY
    if word
    in {
        "narcan", "naloxone", "naloxona", "kloxxado", "fentanyl", "fentanilo", "teststrips", "syringes",
        "syringe", "jeringas", "stimulants", "estimulantes", "cocaine", "methadone", "metadona", "suboxone",
        "buprenorphine", "buprenorfina", "treatment", "tratamiento", "xylazine", "xilacina", "servicios",
        "abscess", "absceso", "abscesos", "heridas", "benzodiacepinas", "klonopin", "sobriety",
    }
}  # fmt: skip
