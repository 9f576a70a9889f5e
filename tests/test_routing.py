"""The router: labelled tables of what texters write and what it must mean (pure, no database)."""

from __future__ import annotations

import pytest

from smsbot.routing import Intent, RouteContext, route

PLAIN = RouteContext()
CHECKIN = RouteContext(checkin_open=True)
ASKED_ZIP = RouteContext(awaiting="zip")
ASKED_TIME = RouteContext(awaiting="time")

OPT_OUT = [
    "STOP", "stop", "Stop.", "STOP!!", "  stop  ", "stop please", "please stop", "Stop it", "stop now",
    "STOP 🛑", "stop stop stop", "ＳＴＯＰ", "STOPALL", "stop all", "Unsubscribe", "CANCEL", "end", "Quit",
    "revoke", "optout", "opt out", "OPT-OUT", "stop texting me please", "Please stop messaging me!",
    "can you remove me from this", "unsubscribe me", "no more texts", "No more messages thanks",
    "don't text me", "dont text me again", "opt me out", "take me off this list", "stop sending",
    "Alto", "ALTO!", "no más mensajes", "NO MAS MENSAJES", "ya no me escriban", "quiero darme de baja",
    "dame de baja por favor", "baja", "cancelar",
]  # fmt: skip
NOT_OPT_OUT = [
    "I can't stop using", "stop by the site?", "when does the site end", "cancel my appointment?",
    "I quit my job", "that was quite good", "see you this weekend", "my friend wants to stop using meth",
    "how do I stop", "don't stop", "don't remove me", "stopping by later", "the end of the road",
    "alto riesgo de sobredosis", "bajar de peso", "stop sign", "can i cancel later?",
]  # fmt: skip


@pytest.mark.parametrize("text", OPT_OUT)
def test_opt_out(text):
    assert route(text, PLAIN).intent is Intent.OPT_OUT


@pytest.mark.parametrize("text", NOT_OPT_OUT)
def test_not_opt_out(text):
    assert route(text, PLAIN).intent is not Intent.OPT_OUT


@pytest.mark.parametrize("text", ["STOP", "stop", "alto", "opt out"])
def test_opt_out_wins_over_everything_else(text):
    for ctx in (CHECKIN, ASKED_ZIP, ASKED_TIME):
        assert route(text, ctx).intent is Intent.OPT_OUT


def test_opt_out_language():
    assert route("alto", PLAIN).language == "es"
    assert route("no más mensajes", PLAIN).language == "es"
    assert route("STOP", PLAIN).language is None


@pytest.mark.parametrize("text", ["START", "start please", "Unstop", "YES"])
def test_opt_in(text):
    assert route(text, PLAIN).intent is Intent.OPT_IN


@pytest.mark.parametrize(
    "text", ["empezar", "start over", "let's start with narcan", "yes please tell me more"]
)
def test_not_opt_in(text):
    assert route(text, PLAIN).intent is not Intent.OPT_IN


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("HELP", None),
        ("help me", None),
        ("Info", None),
        ("info?", None),
        ("AYUDA", "es"),
        ("ayuda por favor", "es"),
    ],
)
def test_help(text, language):
    routed = route(text, PLAIN)
    assert (routed.intent, routed.language) == (Intent.HELP, language)


def test_a_topic_after_help_wins():
    assert route("info on narcan", PLAIN).intent is Intent.NALOXONE
    assert route("ayuda con tiras", PLAIN).intent is Intent.TESTSTRIPS
    assert route("I need help", PLAIN).intent is not Intent.HELP  # not the first word


EMERGENCY = [
    "my friend is not breathing", "he isn't breathing", "She stopped breathing", "help he's not breathing",
    "someone is overdosing", "how do i stop overdosing", "I think he overdosed", "he OD'd", "she ODed",
    "my bf is oding", "OD at the park", "he won't wake up", "she wont wake up", "he is unresponsive",
    "her lips are blue", "turning blue", "I can't breathe", "overdose", "my friend overdose help",
    "mi amigo no respira", "no está respirando", "SOBREDOSIS", "mi novio tiene una sobredosis",
    "no despierta", "tiene los labios azules",
]  # fmt: skip
NOT_EMERGENCY = [
    "that's odd", "some food", "what are the signs of an overdose", "how to reverse an overdose",
    "¿qué es una sobredosis?", "overdose?", "I want to learn about overdose", "oddly specific",
]  # fmt: skip


@pytest.mark.parametrize("text", EMERGENCY)
def test_emergency(text):
    assert route(text, PLAIN).intent is Intent.EMERGENCY


@pytest.mark.parametrize("text", NOT_EMERGENCY)
def test_not_emergency(text):
    assert route(text, PLAIN).intent is not Intent.EMERGENCY


def test_an_overdose_question_gets_naloxone_information():
    assert route("what are the signs of an overdose", PLAIN).intent is Intent.NALOXONE
    assert route("¿qué es una sobredosis?", PLAIN).intent is Intent.NALOXONE


@pytest.mark.parametrize(
    "text",
    ["I want to kill myself", "suicide", "feeling suicidal", "I want to end my life", "i just want to die",
     "I keep wanting to hurt myself", "quiero matarme", "pienso en el suicidio", "quiero morir"],
)  # fmt: skip
def test_distress(text):
    assert route(text, PLAIN).intent is Intent.DISTRESS


def test_distress_and_emergency_precedence():
    # A body not breathing needs 911 now; the noun "overdose" with self-harm words needs 988 first.
    assert route("I want to die, he is not breathing", PLAIN).intent is Intent.EMERGENCY
    assert route("I want to kill myself with an overdose", PLAIN).intent is Intent.DISTRESS


def test_emergency_beats_state_and_checkins():
    for ctx in (CHECKIN, ASKED_ZIP, ASKED_TIME):
        assert route("he's not breathing", ctx).intent is Intent.EMERGENCY


def test_emergency_language():
    assert route("no respira", PLAIN).language == "es"
    assert route("not breathing", PLAIN).language == "en"


def _table(rows: str) -> list[tuple[str, Intent, str | None]]:
    """'text / text | intent | language' lines ('-' = no language) -> parametrize rows."""
    out = []
    for line in rows.strip().splitlines():
        texts, intent, language = (cell.strip() for cell in line.split("|"))
        for text in texts.split(" / "):
            out.append((text, Intent(intent), None if language == "-" else language))
    return out


KEYWORDS = _table(
    """
    NALOXONE / how can I reverse an overdose                       | naloxone   | en
    narcan / Narcan? / kloxxado / zimhi / nalox                    | naloxone   | -
    how do i use narcan?                                           | naloxone   | -
    naloxona                                                       | naloxone   | es
    TESTSTRIPS / fts                                               | teststrips | -
    test strips / fentanyl strips / where do i get a fentanyl test | teststrips | en
    drug checking                                                  | teststrips | en
    tiras / tiras reactivas / tiras de fentanilo                   | teststrips | es
    SITES / services / syringes / clean needles / needle exchange  | sites      | en
    is there a drop in near me                                     | sites      | en
    ssp                                                            | sites      | -
    sitios / jeringas / servicios                                  | sites      | es
    HEART / chest pain / stimulants                                | heart      | en
    meth / is coke bad for me                                      | heart      | -
    corazón / corazon / me duele el pecho                          | heart      | es
    TREATMENT / detox / methadone                                  | treatment  | en
    suboxone / bupe                                                | treatment  | -
    tratamiento / desintoxicación                                  | treatment  | es
    MENU / menú                                                    | menu       | -
    hi / Hello! / start over                                       | menu       | en
    hola                                                           | menu       | es
    MORE / next / tell me more                                     | more       | en
    más / mas / siguiente                                          | more       | es
    FORGET / forget me / please delete my data                     | forget     | en
    olvídame / borrar                                              | forget     | es
    ESPAÑOL / espanol                                              | lang_es    | es
    Spanish                                                        | lang_es    | en
    ENGLISH                                                        | lang_en    | en
    inglés                                                         | lang_en    | es
    JOIN                                                           | join       | en
    unirme                                                         | join       | es
    checkin / check-in / check in                                  | checkin    | en
    PAUSE                                                          | pause      | en
    pausa                                                          | pause      | es
    resume                                                         | resume     | en
    reanudar / continuar                                           | resume     | es
"""
)


@pytest.mark.parametrize(("text", "intent", "language"), KEYWORDS)
def test_keywords_and_synonyms(text, intent, language):
    routed = route(text, PLAIN)
    assert (routed.intent, routed.language) == (intent, language)


@pytest.mark.parametrize(
    ("text", "how"),
    [("narcan", "exact"), ("narcan please", "exact"), ("narcan where", "first_word"),
     ("how do i use narcan", "embedded"), ("where are test strips", "phrase"), ("narcam", "fuzzy")],
)  # fmt: skip
def test_how_a_keyword_matched(text, how):
    assert route(text, PLAIN).matched_by == how


@pytest.mark.parametrize(
    ("text", "intent"),
    [("narcam", Intent.NALOXONE), ("nalaxone", Intent.NALOXONE), ("naloxon", Intent.NALOXONE),
     ("naloxnoe", Intent.NALOXONE), ("narcna", Intent.NALOXONE), ("fentanil", Intent.TESTSTRIPS),
     ("fentanly test", Intent.TESTSTRIPS), ("siringes", Intent.SITES), ("treatmnet", Intent.TREATMENT),
     ("tratamento", Intent.TREATMENT), ("methadon", Intent.TREATMENT),
     ("where can i get narcam", Intent.NALOXONE)],
)  # fmt: skip
def test_typos(text, intent):
    routed = route(text, PLAIN)
    assert (routed.intent, routed.matched_by) == (intent, "fuzzy")


ORDINARY = [
    "I heard it was good", "what time is it", "my phone is broken", "thanks for nothing", "I forgot",
    "can you estimate when", "the strings on my guitar", "spring is here", "I love math class",
    "come over later", "new tires", "my metadata", "single and ready", "estimates please", "cocina",
    "that's a nice statement", "weekend plans", "quite a day", "food bank", "treated well", "alone",
    "hold on", "narrow road", "I need a ride to work", "la cocina está cerrada", "tengo hambre",
    "where is the bus", "nalgas", "fence", "containers",
]  # fmt: skip


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_sentences_are_not_keywords(text):
    assert route(text, PLAIN).intent is Intent.UNKNOWN


@pytest.mark.parametrize("text", ["stopp", "stpo", "unsubscrib", "alot", "halp", "helpp"])
def test_compliance_words_are_never_fuzzy(text):
    assert route(text, PLAIN).intent not in (Intent.OPT_OUT, Intent.HELP)


def test_whole_word_matching_only():
    assert route("is that overdone", PLAIN).intent is Intent.UNKNOWN
    assert route("the heartland", PLAIN).intent is Intent.UNKNOWN
    assert route("mysterious sites", PLAIN).intent is Intent.SITES


def test_first_word_instruction_beats_a_later_topic():
    assert route("forget me, I already have narcan", PLAIN).intent is Intent.FORGET
    assert route("more about test strips", PLAIN).intent is Intent.TESTSTRIPS
    assert route("hi do you have narcan", PLAIN).intent is Intent.NALOXONE


def test_spanish_question_with_a_neutral_keyword_answers_in_spanish():
    assert route("¿dónde consigo narcan?", PLAIN).language == "es"
    assert route("how do i use narcan", PLAIN).language is None
    assert route("necesito ayuda con mi amigo", PLAIN).language == "es"


@pytest.mark.parametrize(
    ("text", "intent", "zip_code"),
    [("SITES 22902", Intent.SITES, "22902"), ("naloxone near 22902-1234", Intent.NALOXONE, "22902"),
     ("narcan 22902", Intent.NALOXONE, "22902"), ("tiras 229021234", Intent.TESTSTRIPS, "22902"),
     ("sitios cerca de 10001", Intent.SITES, "10001"), ("sites", Intent.SITES, None),
     ("sites call me 434-555-0100", Intent.SITES, None), ("sites 4345550100", Intent.SITES, None)],
)  # fmt: skip
def test_zip_alongside_a_keyword(text, intent, zip_code):
    routed = route(text, PLAIN)
    assert (routed.intent, routed.zip_code) == (intent, zip_code)


@pytest.mark.parametrize(
    ("text", "zip_code"),
    [("22902", "22902"), ("22902-1234", "22902"), ("my zip is 22902", "22902"),
     ("mi código postal es 10001", "10001"), ("it's 22902 thanks", "22902"),
     ("I'm near 22902, downtown", "22902")],
)  # fmt: skip
def test_zip_answers_a_zip_question(text, zip_code):
    routed = route(text, ASKED_ZIP)
    assert (routed.intent, routed.zip_code, routed.matched_by) == (Intent.ZIP, zip_code, "state")


@pytest.mark.parametrize("text", ["2290", "229023", "00000", "my number is 4345550100", "not sure"])
def test_not_a_zip(text):
    assert route(text, ASKED_ZIP).intent is not Intent.ZIP


def test_bare_zip_without_a_question_is_still_a_zip_but_a_sentence_is_not():
    assert route("22902", PLAIN).intent is Intent.ZIP
    assert route("I moved to 22902 last year", PLAIN).intent is Intent.UNKNOWN


def test_a_keyword_beats_the_open_question():
    assert route("naloxone", ASKED_ZIP).intent is Intent.NALOXONE
    assert route("narcan 22902", ASKED_ZIP).zip_code == "22902"
    assert route("ok", ASKED_TIME).intent is Intent.OK


@pytest.mark.parametrize(
    ("text", "hhmm"),
    [("6pm", "18:00"), ("6 pm", "18:00"), ("6 PM", "18:00"), ("6 p.m.", "18:00"), ("6:30pm", "18:30"),
     ("18:00", "18:00"), ("7am", "07:00"), ("12am", "00:00"), ("12pm", "12:00"), ("noon", "12:00"),
     ("midnight", "00:00"), ("at 9:15 am please", "09:15"), ("6 in the evening", "18:00"),
     ("6 de la tarde", "18:00"), ("6 de la mañana", "06:00"), ("8 de la noche", "20:00"),
     ("6 y media de la tarde", "18:30"), ("mediodía", "12:00"), ("a las 7:45", "07:45"), ("630pm", "18:30")],
)  # fmt: skip
def test_time_answers_a_time_question(text, hhmm):
    routed = route(text, ASKED_TIME)
    assert (routed.intent, routed.time_of_day) == (Intent.TIME, hhmm)


@pytest.mark.parametrize("text", ["13pm", "25:00", "6:75", "whenever", "6 a week", "later"])
def test_not_a_time(text):
    assert route(text, ASKED_TIME).intent is not Intent.TIME


def test_time_only_counts_when_asked():
    assert route("6pm", PLAIN).intent is Intent.UNKNOWN
    assert route("22902", ASKED_TIME).intent is Intent.ZIP  # a bare ZIP is a ZIP in any state


@pytest.mark.parametrize(
    ("text", "intent"),
    [("ok", Intent.OK), ("OK!", Intent.OK), ("okay", Intent.OK), ("1", Intent.OK), ("fine", Intent.OK),
     ("I'm ok", Intent.OK), ("im ok thanks", Intent.OK), ("👍", Intent.OK), ("bien", Intent.OK),
     ("estoy bien", Intent.OK), ("call", Intent.CALL), ("call me", Intent.CALL), ("2", Intent.CALL),
     ("llámame", Intent.CALL), ("llamame por favor", Intent.CALL),
     ("I had a rough night", Intent.ANSWER), ("I have 2 kids", Intent.ANSWER),
     ("call me later today", Intent.ANSWER),
     ("narcan", Intent.NALOXONE)],
)  # fmt: skip
def test_checkin_answers(text, intent):
    assert route(text, CHECKIN).intent is intent


def test_digits_are_checkin_answers_only_while_a_checkin_is_open():
    assert route("1", PLAIN).intent is Intent.UNKNOWN
    assert route("2", PLAIN).intent is Intent.UNKNOWN
    assert route("I have 2 kids", PLAIN).intent is Intent.UNKNOWN
    assert route("I had a rough night", PLAIN).intent is Intent.UNKNOWN


PATHOLOGICAL = [
    "", " ", "\x00", "\x00" * 1600, "!?!?" * 400, "😀" * 1600, "\u202eمرحبا بك\u202c", "x" * 1600,
    "1" * 1600, "22902 " * 300, "a\u0301" * 800, "\ud800", "stop " * 400, "narcam " * 300, "\t\n\r",
]  # fmt: skip


@pytest.mark.parametrize("text", PATHOLOGICAL)
@pytest.mark.parametrize("ctx", [PLAIN, CHECKIN, ASKED_ZIP, ASKED_TIME])
def test_pathological_input_gets_an_answer(text, ctx):
    routed = route(text, ctx)
    assert isinstance(routed.intent, Intent)
    assert routed.zip_code is None or len(routed.zip_code) == 5


def test_empty_and_symbol_only_texts_are_unknown_even_in_a_checkin():
    for text in ("", "!!!", "\x00", "😀😀"):
        assert route(text, CHECKIN).intent is Intent.UNKNOWN


def test_over_long_text_is_cut_before_matching():
    assert route("x " * 800 + "stop texting me", PLAIN).intent is not Intent.OPT_OUT
    assert route("stop texting me " + "x " * 800, PLAIN).intent is Intent.OPT_OUT


# --- issue 9: emergencies by meaning, both languages, compliance words in Spanish, new topics ---


@pytest.mark.parametrize(
    ("text", "language"),
    [("my friend ODd", None), ("he od'd", "en"), ("she's OD'ing", None), ("someone o.d.'d", None),
     ("cant get her to wake up", "en"), ("hes breathing weird", "en"), ("not breething", "en"),
     ("his lips r turning purple", "en"), ("she took too much", "en"),
     ("he fell out after smoking fetty", "en"),
     ("snoring and wont wake up", "en"), ("gurgling and won't respond", "en"), ("i gave him narcan", "en"),
     ("mi novio se puso morado", "es"), ("no respira", "es"), ("sobredocis", "es"), ("no reacciona", "es"),
     ("se desmayó y no responde", "es"), ("está morado", "es"), ("no lo puedo despertar", "es")],
)  # fmt: skip
def test_emergencies_in_peoples_words_with_their_language(text, language):
    routed = route(text, PLAIN)
    assert routed.intent is Intent.EMERGENCY
    if language is not None:
        assert routed.language == language


@pytest.mark.parametrize(
    "text",
    ["he is breathing fine now", "not overdosing, just asking", "her lips aren't blue anymore",
     "feeling blue", "my hair is going grey", "I couldn't wake up for work", "I had too much coffee",
     "he passed out on the couch", "that's odd", "my dog snores"],
)  # fmt: skip
def test_reassurance_negation_and_everyday_words_are_not_emergencies(text):
    assert route(text, PLAIN).intent is not Intent.EMERGENCY


def test_a_strong_sign_beats_distress_and_distress_beats_the_bare_noun():
    assert route("i want to die, she isn't breathing", PLAIN).intent is Intent.EMERGENCY
    assert route("quiero morir, mi amigo no respira", PLAIN).intent is Intent.EMERGENCY
    assert route("I'm going to overdose on purpose", PLAIN).intent is Intent.DISTRESS


def test_using_alone_is_its_own_safety_answer_unless_they_feel_wrong():
    routed = route("estoy solo y usé", PLAIN)
    assert (routed.intent, routed.language) == (Intent.USING_ALONE, "es")
    assert route("using alone tonight", PLAIN).intent is Intent.USING_ALONE
    assert route("alone, just used and i feel weird", PLAIN).intent is Intent.EMERGENCY
    assert route("I live alone, where can I get narcan", PLAIN).intent is Intent.NALOXONE


@pytest.mark.parametrize(
    "text",
    ["PARAR", "PARA", "Detener", "NO MÁS", "no mas", "FIN", "Basta", "SALIR", "CANCELAR", "BAJA", "alto!",
     "para ya de escribirme", "deja de mandarme mensajes", "no quiero más mensajes", "no me manden más",
     "paren de mandar textos", "sáquenme de la lista"],
)  # fmt: skip
def test_spanish_opt_out_words_and_phrases(text):
    routed = route(text, PLAIN)
    assert (routed.intent, routed.language) == (Intent.OPT_OUT, "es")


@pytest.mark.parametrize(
    ("text", "intent"),
    [("no puedo parar de usar", Intent.TREATMENT), ("I can't stop using", Intent.TREATMENT),
     ("how do I stop using", Intent.TREATMENT), ("quiero dejar de usar", Intent.TREATMENT),
     ("no dejen de escribirme", Intent.UNKNOWN), ("don't stop texting me", Intent.UNKNOWN),
     ("es para mi amigo", Intent.UNKNOWN), ("I can't stop texting him", Intent.UNKNOWN)],
)  # fmt: skip
def test_stop_words_about_drug_use_or_negated_do_not_opt_out(text, intent):
    assert route(text, PLAIN).intent is intent


@pytest.mark.parametrize(
    ("text", "language"), [("AUXILIO", "es"), ("INFORMACIÓN", "es"), ("informacion", "es")]
)
def test_spanish_help_words(text, language):
    routed = route(text, PLAIN)
    assert (routed.intent, routed.language) == (Intent.HELP, language)


@pytest.mark.parametrize("text", ["comenzar", "empezar", "sí"])
def test_only_the_carriers_opt_in_words_opt_in(text):
    assert route(text, PLAIN).intent is not Intent.OPT_IN


@pytest.mark.parametrize(
    ("text", "intent"),
    [("i have a xylazine wound", Intent.WOUNDS), ("tranq wound on my leg", Intent.WOUNDS),
     ("tengo un absceso", Intent.WOUNDS), ("I cut myself, how do I keep it clean", Intent.WOUNDS),
     ("what is tranq", Intent.XYLAZINE), ("xilacina", Intent.XYLAZINE), ("tranq dope", Intent.XYLAZINE),
     ("benzo dope", Intent.MIXING), ("is it safe to mix xanax and dope", Intent.MIXING),
     ("can i drink on suboxone", Intent.MIXING), ("mezclar alcohol con heroína", Intent.MIXING),
     ("how much water do i mix for the test strip", Intent.TESTSTRIPS),
     ("I used again", Intent.RELAPSE), ("relapsed", Intent.RELAPSE), ("volví a usar", Intent.RELAPSE),
     ("been clean 90 days but used last night", Intent.RELAPSE), ("I didn't relapse", Intent.UNKNOWN),
     ("I want to get clean", Intent.TREATMENT), ("how do I quit", Intent.TREATMENT),
     ("quiero dejarlo", Intent.TREATMENT), ("where can i get clean needles", Intent.SITES),
     ("I don't want to quit, I just need strips", Intent.TESTSTRIPS)],
)  # fmt: skip
def test_new_topics_and_their_precedence(text, intent):
    assert route(text, PLAIN).intent is intent


def test_a_checkin_answer_that_asks_a_topic_routes_to_the_topic():
    assert route("rough night but im ok. out of strips tho", CHECKIN).intent is Intent.TESTSTRIPS
    assert route("i used again", CHECKIN).intent is Intent.RELAPSE
    assert route("más o menos", CHECKIN).intent is Intent.ANSWER
