# ruff: noqa: E501 - the exact texts a volunteer reads, one per line
"""services.asks: the words a supporter is given, by the member's stance, the
supporter's relation to them and the reader's language."""

import pytest

from campaign.models import AskScript, Position
from campaign.services.asks import member_asks, member_title
from tests import factories

pytestmark = pytest.mark.django_db

POSITION_OF_GROUP = {"thank": Position.YES, "persuade": Position.UNDECIDED, "meet": Position.NO}
REACH_OF_RELATION = {"constituent": "district", "resident": "body"}

# Maria Delgado (Comisionada) asked by Ana Gómez; campaign "Alcohol-free
# county parks" / "Parques sin alcohol" in Pine County, Minnesota.
EXPECTED = {
    (
        "en",
        "call",
        "thank",
        "constituent",
    ): "Hello, my name is Ana Gómez and I live in Commissioner Maria Delgado's district. I'm calling to thank Maria Delgado for supporting “Alcohol-free county parks”. It means a lot to me and my neighbours. Please keep standing with us when it comes to a vote. Thank you!",
    (
        "en",
        "call",
        "thank",
        "resident",
    ): "Hello, my name is Ana Gómez and I live in Pine County. I'm calling to thank Commissioner Maria Delgado for supporting “Alcohol-free county parks”. It matters to families across Pine County. Thank you for standing with us!",
    (
        "en",
        "call",
        "persuade",
        "constituent",
    ): "Hello, my name is Ana Gómez and I live in Commissioner Maria Delgado's district. I'm calling to ask Maria Delgado to vote yes on “Alcohol-free county parks”. It matters to me and my family. Could you tell me where Maria Delgado stands on it? Thank you for your time.",
    (
        "en",
        "call",
        "persuade",
        "resident",
    ): "Hello, my name is Ana Gómez and I live in Pine County. I'm calling to ask Commissioner Maria Delgado to vote yes on “Alcohol-free county parks”. This decision affects everyone in Pine County, my family included. Thank you for passing on my message.",
    (
        "en",
        "call",
        "meet",
        "constituent",
    ): "Hello, my name is Ana Gómez and I live in Commissioner Maria Delgado's district. I know Maria Delgado has concerns about “Alcohol-free county parks”, and I would like to meet to share why it matters to our neighbourhood. Could we set up a short meeting, in person or by phone? Thank you.",
    (
        "en",
        "call",
        "meet",
        "resident",
    ): "Hello, my name is Ana Gómez and I live in Pine County. I understand Commissioner Maria Delgado has concerns about “Alcohol-free county parks”. I would welcome a short meeting to listen to those concerns and share what I have seen in Pine County. Could we find a time? Thank you.",
    (
        "en",
        "letter",
        "thank",
        "constituent",
    ): "Dear Commissioner Maria Delgado,\n\nAs a resident of your district, I want to thank you for supporting “Alcohol-free county parks”. Your leadership matters to me and my neighbours, and we will be there to back you when it comes to a vote.\n\nWith gratitude,\nAna Gómez",
    (
        "en",
        "letter",
        "thank",
        "resident",
    ): "Dear Commissioner Maria Delgado,\n\nI live in Pine County, and I want to thank you for supporting “Alcohol-free county parks”. It matters to families across Pine County, and many of us are grateful for your leadership.\n\nWith gratitude,\nAna Gómez",
    (
        "en",
        "letter",
        "persuade",
        "constituent",
    ): "Dear Commissioner Maria Delgado,\n\nI am writing as your constituent to ask you to vote yes on “Alcohol-free county parks”. This decision matters to me, to my family and to our neighbours, and I hope I can count on your support.\n\nPlease let me know where you stand.\n\nSincerely,\nAna Gómez",
    (
        "en",
        "letter",
        "persuade",
        "resident",
    ): "Dear Commissioner Maria Delgado,\n\nI live in Pine County and I am writing to ask you to vote yes on “Alcohol-free county parks”. This decision affects everyone in Pine County, and I hope you will support it.\n\nSincerely,\nAna Gómez",
    (
        "en",
        "letter",
        "meet",
        "constituent",
    ): "Dear Commissioner Maria Delgado,\n\nI am your constituent and I would like to meet with you about “Alcohol-free county parks”. I understand you have concerns, and I would value the chance to hear them and to share why this matters to our district.\n\nI can meet at a time that suits you, in person or by phone.\n\nSincerely,\nAna Gómez",
    (
        "en",
        "letter",
        "meet",
        "resident",
    ): "Dear Commissioner Maria Delgado,\n\nI live in Pine County and I would like to meet with you about “Alcohol-free county parks”. I understand you have concerns, and I would value the chance to hear them and to share why this matters to families in Pine County.\n\nI can meet at a time that suits you, in person or by phone.\n\nSincerely,\nAna Gómez",
    (
        "es",
        "call",
        "thank",
        "constituent",
    ): "Hola, me llamo Ana Gómez y vivo en el distrito de Maria Delgado. Llamo para agradecerle a Maria Delgado su apoyo a «Parques sin alcohol». Significa mucho para mí y para mis vecinos. Por favor, siga apoyándonos cuando llegue la votación. ¡Muchas gracias!",
    (
        "es",
        "call",
        "thank",
        "resident",
    ): "Hola, me llamo Ana Gómez y vivo en Pine County. Llamo para agradecerle a Maria Delgado su apoyo a «Parques sin alcohol». Es importante para las familias de todo Pine County. ¡Gracias por apoyarnos!",
    (
        "es",
        "call",
        "persuade",
        "constituent",
    ): "Hola, me llamo Ana Gómez y vivo en el distrito de Maria Delgado. Llamo para pedirle a Maria Delgado que vote sí a «Parques sin alcohol». Es importante para mí y para mi familia. ¿Me puede decir qué postura tiene Maria Delgado sobre este tema? Gracias por su tiempo.",
    (
        "es",
        "call",
        "persuade",
        "resident",
    ): "Hola, me llamo Ana Gómez y vivo en Pine County. Llamo para pedirle a Maria Delgado que vote sí a «Parques sin alcohol». Esta decisión afecta a todas las personas de Pine County, también a mi familia. Gracias por hacerle llegar mi mensaje.",
    (
        "es",
        "call",
        "meet",
        "constituent",
    ): "Hola, me llamo Ana Gómez y vivo en el distrito de Maria Delgado. Sé que Maria Delgado tiene dudas sobre «Parques sin alcohol» y me gustaría reunirme para contarle por qué es importante para nuestro vecindario. ¿Podríamos acordar una reunión breve, en persona o por teléfono? Gracias.",
    (
        "es",
        "call",
        "meet",
        "resident",
    ): "Hola, me llamo Ana Gómez y vivo en Pine County. Entiendo que Maria Delgado tiene dudas sobre «Parques sin alcohol». Me gustaría tener una reunión breve para escuchar sus preocupaciones y compartir lo que he visto en Pine County. ¿Podríamos buscar un momento? Gracias.",
    (
        "es",
        "letter",
        "thank",
        "constituent",
    ): "Honorable Comisionada Maria Delgado:\n\nComo residente de su distrito, quiero agradecerle su apoyo a «Parques sin alcohol». Su liderazgo es importante para mí y para mis vecinos, y estaremos a su lado cuando llegue la votación.\n\nCon agradecimiento,\nAna Gómez",
    (
        "es",
        "letter",
        "thank",
        "resident",
    ): "Honorable Comisionada Maria Delgado:\n\nVivo en Pine County y quiero agradecerle su apoyo a «Parques sin alcohol». Es importante para las familias de todo Pine County, y muchas personas valoramos su liderazgo.\n\nCon agradecimiento,\nAna Gómez",
    (
        "es",
        "letter",
        "persuade",
        "constituent",
    ): "Honorable Comisionada Maria Delgado:\n\nLe escribo como residente de su distrito para pedirle que vote sí a «Parques sin alcohol». Esta decisión es importante para mí, para mi familia y para nuestros vecinos, y espero contar con su apoyo.\n\nLe agradecería que me hiciera saber su postura.\n\nAtentamente,\nAna Gómez",
    (
        "es",
        "letter",
        "persuade",
        "resident",
    ): "Honorable Comisionada Maria Delgado:\n\nVivo en Pine County y le escribo para pedirle que vote sí a «Parques sin alcohol». Esta decisión afecta a todas las personas de Pine County, y espero que la apoye.\n\nAtentamente,\nAna Gómez",
    (
        "es",
        "letter",
        "meet",
        "constituent",
    ): "Honorable Comisionada Maria Delgado:\n\nSoy residente de su distrito y me gustaría reunirme con usted para hablar de «Parques sin alcohol». Entiendo que tiene dudas, y valoraría la oportunidad de escucharlas y de contarle por qué este tema es importante para nuestro distrito.\n\nPuedo reunirme cuando le convenga, en persona o por teléfono.\n\nAtentamente,\nAna Gómez",
    (
        "es",
        "letter",
        "meet",
        "resident",
    ): "Honorable Comisionada Maria Delgado:\n\nVivo en Pine County y me gustaría reunirme con usted para hablar de «Parques sin alcohol». Entiendo que tiene dudas, y valoraría la oportunidad de escucharlas y de contarle por qué este tema es importante para las familias de Pine County.\n\nPuedo reunirme cuando le convenga, en persona o por teléfono.\n\nAtentamente,\nAna Gómez",
}
SUBJECTS = {
    ("en", "thank"): "Thank you for supporting Alcohol-free county parks",
    ("en", "persuade"): "Please vote yes: Alcohol-free county parks",
    ("en", "meet"): "Request for a meeting about Alcohol-free county parks",
    ("es", "thank"): "Gracias por apoyar «Parques sin alcohol»",
    ("es", "persuade"): "Le pido su voto a favor: Parques sin alcohol",
    ("es", "meet"): "Solicitud de reunión sobre Parques sin alcohol",
}


def maria_ask(county, *, language, relation, supporter_name="Ana Gómez"):
    [ask] = member_asks(
        campaign=county["campaign"],
        members=[county["maria"]],
        reach=REACH_OF_RELATION[relation],
        language=language,
        supporter_name=supporter_name,
    )
    return ask


@pytest.mark.parametrize(("language", "kind", "group", "relation"), list(EXPECTED))
def test_each_stance_group_and_relation_gets_its_own_text(
    county, stance, language, kind, group, relation
):
    stance(county["maria"], POSITION_OF_GROUP[group])
    ask = maria_ask(county, language=language, relation=relation)
    assert (ask.stance_group, ask.relation) == (group, relation)
    text = ask.call_script if kind == "call" else ask.letter
    assert text == EXPECTED[(language, kind, group, relation)]
    if kind == "letter":
        assert ask.letter_subject == SUBJECTS[(language, group)]


@pytest.mark.parametrize(
    ("position", "group"),
    [
        (Position.CHAMPION, "thank"),
        (Position.YES, "thank"),
        (Position.LEANING_YES, "persuade"),
        (Position.UNDECIDED, "persuade"),
        (Position.LEANING_NO, "persuade"),
        (Position.UNKNOWN, "persuade"),
        (Position.NO, "meet"),
    ],
)
def test_the_latest_stance_decides_the_group(county, stance, position, group):
    stance(county["maria"], Position.NO if position != Position.NO else Position.YES)
    stance(county["maria"], position)
    assert maria_ask(county, language="en", relation="constituent").stance_group == group


def test_a_member_with_no_stance_recorded_is_persuaded(county):
    assert maria_ask(county, language="en", relation="resident").stance_group == "persuade"


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("group", ["thank", "persuade", "meet"])
def test_a_non_constituent_never_speaks_as_a_constituent(county, stance, language, group):
    stance(county["maria"], POSITION_OF_GROUP[group])
    ask = maria_ask(county, language=language, relation="resident")
    for text in (ask.call_script, ask.letter, ask.letter_subject):
        lowered = text.lower()
        for words in ("constituent", "your district", "su distrito", "elector"):
            assert words not in lowered
    assert "Pine County" in ask.call_script and "Pine County" in ask.letter


class TestTheCampaignsOwnTexts:
    def test_its_ask_script_replaces_the_built_in_text(self, county, stance):
        stance(county["maria"], Position.YES)
        AskScript.objects.create(
            campaign=county["campaign"],
            kind="call",
            stance_group="thank",
            relation="constituent",
            text="Thanks, {member_title} {member_name}, from {supporter_name} of {county}.",
            text_es="Gracias, {member_title} {member_name}, de {supporter_name} ({jurisdiction}).",
        )
        assert (
            maria_ask(county, language="en", relation="constituent").call_script
            == "Thanks, Commissioner Maria Delgado, from Ana Gómez of Pine County."
        )
        assert (
            maria_ask(county, language="es", relation="constituent").call_script
            == "Gracias, Comisionada Maria Delgado, de Ana Gómez (Pine County, Minnesota)."
        )
        # Only that pair: a resident still gets the built-in text.
        assert (
            maria_ask(county, language="en", relation="resident").call_script
            == EXPECTED[("en", "call", "thank", "resident")]
        )

    def test_spanish_falls_back_to_its_english_only_when_no_spanish_was_written(
        self, county, stance
    ):
        stance(county["maria"], Position.NO)
        AskScript.objects.create(
            campaign=county["campaign"],
            kind="letter",
            stance_group="meet",
            relation="resident",
            subject="Meeting about {campaign}?",
            text="Dear {member_name}, can we meet? {supporter_name}",
        )
        ask = maria_ask(county, language="es", relation="resident")
        assert ask.letter == "Dear Maria Delgado, can we meet? Ana Gómez"
        assert ask.letter_subject == "Meeting about Parques sin alcohol?"

    def test_an_ask_script_without_a_subject_takes_the_built_in_subject(self, county, stance):
        stance(county["maria"], Position.NO)
        AskScript.objects.create(
            campaign=county["campaign"],
            kind="letter",
            stance_group="meet",
            relation="resident",
            text="Dear {member_name}",
            text_es="Estimada {member_name}",
        )
        ask = maria_ask(county, language="es", relation="resident")
        assert (ask.letter, ask.letter_subject) == (
            "Estimada Maria Delgado",
            "Solicitud de reunión sobre Parques sin alcohol",
        )

    def test_the_single_call_script_and_letter_serve_only_undecided_constituents(self, county):
        campaign = county["campaign"]
        campaign.call_script = "Hi {member_name}, {supporter_name} from your district."
        campaign.letter_subject = "Vote yes"
        campaign.letter_template = "Dear {member_name}, vote yes. {supporter_name}"
        campaign.save()
        ask = maria_ask(county, language="en", relation="constituent")
        assert ask.call_script == "Hi Maria Delgado, Ana Gómez from your district."
        assert (ask.letter_subject, ask.letter) == (
            "Vote yes",
            "Dear Maria Delgado, vote yes. Ana Gómez",
        )
        # Written for constituents: a resident gets the built-in text.
        resident = maria_ask(county, language="en", relation="resident")
        assert resident.call_script == EXPECTED[("en", "call", "persuade", "resident")]

    def test_the_single_call_script_does_not_thank_a_champion(self, county, stance):
        stance(county["maria"], Position.CHAMPION)
        county["campaign"].call_script = "Please vote yes, {member_name}."
        county["campaign"].save()
        ask = maria_ask(county, language="en", relation="constituent")
        assert ask.call_script == EXPECTED[("en", "call", "thank", "constituent")]

    def test_an_unknown_placeholder_in_an_older_text_is_dropped(self, county):
        county["campaign"].call_script = "Hi {member_name} {supporter_name.__class__} {0}!"
        county["campaign"].save()
        ask = maria_ask(county, language="en", relation="constituent")
        assert ask.call_script == "Hi Maria Delgado  !"


class TestTitles:
    def test_each_member_has_their_own_spanish_title(self, county):
        asks = member_asks(
            campaign=county["campaign"],
            members=[county["maria"], county["tom"], county["angela"]],
            reach="body",
            language="es",
            supporter_name="Ana",
        )
        assert [ask.display_name for ask in asks] == [
            "Comisionada Maria Delgado",
            "Comisionado Tom Lindqvist",
            # No Spanish title written: the neutral one, never a guess.
            "Comisionado/a Angela Brooks",
        ]

    def test_english_readers_get_the_english_title(self, county):
        assert member_title(county["maria"], "en") == "Commissioner"

    def test_another_title_without_spanish_stays_as_written(self, county):
        member = factories.CouncilMemberFactory(title="Council Member", title_es="")
        assert member_title(member, "es") == "Council Member"


class TestWhatAMemberOffers:
    def test_a_member_with_phone_email_and_office_offers_everything(self, county):
        [ask] = member_asks(
            campaign=county["campaign"],
            members=[county["maria"]],
            reach="district",
            language="en",
            supporter_name="Ana",
            has_hearing=True,
        )
        assert ask.offers == ("call", "email", "letter", "testimony", "meeting")

    def test_no_phone_means_no_call_and_no_script(self, county):
        angela = county["angela"]
        angela.office_address = "315 Main St"
        angela.save()
        [ask] = member_asks(
            campaign=county["campaign"],
            members=[angela],
            reach="district",
            language="en",
            supporter_name="Ana",
        )
        assert ask.offers == ("letter", "meeting")
        assert (ask.call_script, ask.mailto) == ("", "")
        assert ask.letter.startswith("Dear Commissioner Angela Brooks,")

    def test_no_way_to_reach_a_member_offers_nothing(self, county):
        [ask] = member_asks(
            campaign=county["campaign"],
            members=[county["angela"]],
            reach="district",
            language="en",
            supporter_name="Ana",
        )
        assert (ask.offers, ask.call_script, ask.letter, ask.letter_subject) == ((), "", "", "")
