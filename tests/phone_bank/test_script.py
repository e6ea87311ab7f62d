"""The volunteer's phone-bank script: the campaign's own or the built-in one,
filled per person in their language, never showing a raw `{...}`."""

import re

import pytest
from django.core.exceptions import ValidationError

from campaign.admin.core import CampaignAdminForm
from campaign.services.call_list import phonebank_script_text

pytestmark = pytest.mark.django_db

URL = "/dashboard/parks-alcohol-ordinance/call-list/"


def _script(phone_bank, person, language, commissioner=None, hearing="default"):
    return phonebank_script_text(
        campaign=phone_bank["campaign"],
        language=language,
        supporter=person,
        caller_name="Rosa",
        commissioner=commissioner,
        hearing=phone_bank["hearing"] if hearing == "default" else hearing,
    )


def test_the_built_in_english_script_is_filled_for_the_person(phone_bank):
    ben = phone_bank["people"][1]
    assert _script(phone_bank, ben, "en", commissioner=phone_bank["members"][1]) == (
        "Hi Ben, this is Rosa, a volunteer with Alcohol-free county parks. "
        "Thank you for standing with us. The next hearing is "
        "“Public hearing on the parks ordinance”, on May 13, 2031. "
        "Can we count on you to call Commissioner Member 2, or to come and speak at the hearing?"
    )


def test_the_built_in_spanish_script_uses_the_spanish_title_and_date(phone_bank):
    ana = phone_bank["people"][0]
    member = phone_bank["members"][0]
    member.title_es = "Comisionada"
    phone_bank["campaign"].name_es = "Parques del condado sin alcohol"
    assert _script(phone_bank, ana, "es", commissioner=member) == (
        "Hola Ana, le habla Rosa, voluntario/a de Parques del condado sin alcohol. "
        "Gracias por apoyarnos. La próxima audiencia es "
        "«Public hearing on the parks ordinance», el 13 de mayo de 2031. "
        "¿Podemos contar con usted para llamar a Comisionada Member 1 o para venir a hablar "
        "en la audiencia?"
    )


def test_without_a_member_or_hearing_the_script_says_so_in_words(phone_bank):
    ben = phone_bank["people"][1]
    text = _script(phone_bank, ben, "en", commissioner=None, hearing=None)
    assert "The next hearing is on a date still to be announced." in text
    assert "Can we count on you to call your commissioner," in text


def test_the_campaigns_own_script_is_used_and_an_unknown_placeholder_is_dropped(phone_bank):
    campaign = phone_bank["campaign"]
    campaign.phonebank_script = "Hi {first_name}! {caller_name} here. {supporter_name}{ oops }Bye."
    campaign.phonebank_script_es = "Hola {first_name}, soy {caller_name}. {campaign}."
    ben, ana = phone_bank["people"][1], phone_bank["people"][0]
    assert _script(phone_bank, ben, "en") == "Hi Ben! Rosa here. Bye."
    assert _script(phone_bank, ana, "es") == "Hola Ana, soy Rosa. Alcohol-free county parks."


def test_a_campaign_without_a_spanish_script_falls_back_to_its_english_one(phone_bank):
    campaign = phone_bank["campaign"]
    campaign.phonebank_script = "Hi {first_name}."
    assert _script(phone_bank, phone_bank["people"][0], "es") == "Hi Ana."


def test_each_row_shows_the_script_in_the_persons_language(client, coordinator, phone_bank):
    client.force_login(coordinator)
    html = client.get(URL).content.decode()
    scripts = re.findall(r'<p class="mb-0 script" lang="(en|es)"[^>]*>([^<]*)</p>', html)
    assert len(scripts) == 8
    # Ana (Spanish) first: open pledge; the caller's name is their username
    # when they gave no first name.
    assert scripts[0][0] == "es"
    assert scripts[0][1].startswith("Hola Ana, le habla coordinator, voluntario/a de ")
    assert [lang for lang, _text in scripts[1:]] == ["en"] * 7
    assert scripts[1][1].startswith("Hi Ben, this is coordinator, a volunteer with ")
    assert not any("{" in text or "}" in text for _lang, text in scripts)


def test_the_page_shows_no_raw_placeholder_and_not_the_members_script(
    client, coordinator, phone_bank
):
    campaign = phone_bank["campaign"]
    campaign.phonebank_script = "Hi {first_name}, {unknown} it is {hearing_date}."
    campaign.save()
    client.force_login(coordinator)
    html = client.get(URL).content.decode()
    assert "Hi Ben,  it is May 13, 2031." in html
    assert "{unknown}" not in html
    assert "{supporter_name}" not in html
    assert "{member_name}" not in html


def test_the_admin_refuses_an_unknown_placeholder(phone_bank):
    campaign = phone_bank["campaign"]
    form = CampaignAdminForm(instance=campaign)
    form.cleaned_data = {"phonebank_script_es": "Hola {nombre} {first_name}"}
    with pytest.raises(ValidationError) as raised:
        form.clean_phonebank_script_es()
    assert raised.value.messages == [
        "Unknown placeholders: {nombre}. Use only {first_name}, {caller_name}, "
        "{campaign}, {hearing}, {hearing_date}, {commissioner}."
    ]


def test_the_call_list_speaks_spanish_to_a_spanish_speaking_caller(client, coordinator, phone_bank):
    client.force_login(coordinator)
    client.post(URL, {"action": "claim"})
    html = client.get(URL, headers={"Accept-Language": "es"}).content.decode()
    assert "Reservar mis próximas 10" in html
    assert "Mi lote (8 personas)" in html
    assert '<option value="">— elija —</option>' in html
    assert "Guion (español)" in html
