"""Which language a text is written in, when its words tell (Spanish function words, accents, ¿ ¡).

Only a positive "es" is reported from the words around a keyword: an English texter writing "narcan?"
must keep their language, and the texter's chosen language is decided by the handlers, not here.
"""

from __future__ import annotations

import re

from smsbot.routing.normalize import Normalized, word_set

# Words that are Spanish and not everyday English (nor English texting shorthand). Folded: "usé" -> "use"
# is left out on purpose, the accent itself counts below.
SPANISH_WORDS = word_set(
    "donde como que quien cual cuales cuando porque por para pero con sin del los las una unos unas "
    "el ella ellos ellas mi mis tu tus su sus yo nos les lo le se te ya muy mas tambien aqui alli "
    "es son esta estan estoy estaba estas esto ese eso hay tengo tiene tienes tenemos puedo puede "
    "quiero quiere necesito necesita consigo conseguir usar uso usando usado consumir consumo "
    "hola buenas gracias favor porfa amigo amiga novio novia esposo esposa hijo hija hermano hermana "
    "mama papa alguien nadie nada algo sobre ayuda solo sola otra otro vez hoy ayer noche manana "
    "despierta respira reacciona morado morada azul labios cara sobredosis droga drogas "
    "estaba estuvo fue voy vas va vamos hace hacer dime digame donde cerca mucho poco demasiado y o "
    "de la al un en entiendo entendi soy eres somos puedes pueden sabes se cuanto cuesta numero sigue "
    "salir ir ver dar hablar tomar comer dormir trabajar llamar saber mandar enviar recibir ayudar buscar "
    "encontrar vivir caminar"
)
# Words that are English and not Spanish ("me", "no", "a", "solo" are both and count for neither).
ENGLISH_WORDS = word_set(
    "the and is are was were i im my he she his her they them it its to of in on at with for not "
    "dont cant wont isnt what where how when who why do does did can could would should get got have "
    "has had just help need want friend use used using about thanks thank you your this that there "
    "here some any know he's breathing wake up out too much took did done think like really will be been so "
    "if all an up now please pls u r ive thats whats go going one after last night just still over"
)
_SPANISH_MARKS_RE = re.compile("[ñÑ¿¡áéíóúÁÉÍÓÚ]")
# Endings only Spanish words have (enclitic pronouns, gerunds, -ción, -mente): "escribirme", "entiendo".
_SPANISH_ENDINGS = ("arme", "erme", "irme", "arla", "arlo", "erla", "erlo", "irla", "irlo", "ando", "iendo",
                    "cion", "mente")  # fmt: skip


def _spanish(token: str) -> bool:
    return token in SPANISH_WORDS or (len(token) >= 6 and token.endswith(_SPANISH_ENDINGS))


def spanish_score(text: Normalized) -> tuple[int, int]:
    """(Spanish, English) evidence in the first 80 words; accents and ¿ ¡ count once for Spanish."""
    spanish = english = 0
    tokens = text.tokens[:80]
    for i, token in enumerate(tokens):
        if token == "no":  # both languages: Spanish when a Spanish word follows ("no entiendo")
            spanish += i + 1 < len(tokens) and _spanish(tokens[i + 1])
            continue
        spanish += _spanish(token)
        english += token in ENGLISH_WORDS
    if text.raw and not text.raw.isascii() and _SPANISH_MARKS_RE.search(text.raw[:400]):
        spanish += 1
    return spanish, english


def language_hint(text: Normalized) -> str | None:
    """'es' when at least two Spanish signs outweigh the English ones; None otherwise."""
    spanish, english = spanish_score(text)
    return "es" if spanish >= 2 and spanish > english else None


def language_of(text: Normalized) -> str | None:
    """'es' or 'en' when the words lean one way (for texts whose matched words are neutral)."""
    spanish, english = spanish_score(text)
    if spanish >= 2 and spanish > english:
        return "es"
    if english >= 2 and english > spanish:
        return "en"
    return None
