"""AskScript.clean refuses what a page could not fill; phones read and dial;
the admin edits Spanish titles and the campaign's own texts."""

import pytest
from django.core.exceptions import ValidationError

from campaign.models import AskScript
from campaign.services.asks import ask_script_save
from campaign.templatetags.phones import phone_national, phone_tel
from tests import factories

pytestmark = pytest.mark.django_db


class TestAskScriptClean:
    def script(self, county, **fields):
        return AskScript(
            campaign=county["campaign"],
            kind="letter",
            stance_group="thank",
            relation="resident",
            **fields,
        )

    def test_it_refuses_an_unknown_placeholder_next_to_its_field(self, county):
        script = self.script(county, text="Dear {member}, {supporter_name}", text_es="Hola {0}")
        with pytest.raises(ValidationError) as error:
            ask_script_save(script=script)
        known = (
            "{supporter_name}, {member_name}, {member_title}, {county}, {jurisdiction}, {campaign}"
        )
        assert error.value.message_dict == {
            "text": [f"Unknown placeholder: {{member}}. You can use: {known}."],
            "text_es": [f"Unknown placeholder: {{0}}. You can use: {known}."],
        }
        assert not AskScript.objects.exists()

    def test_it_refuses_an_attribute_lookup_in_the_subject(self, county):
        script = self.script(county, subject="{campaign.name}", text="Hi")
        with pytest.raises(ValidationError) as error:
            script.full_clean()
        assert list(error.value.message_dict) == ["subject"]

    def test_it_accepts_every_known_placeholder(self, county):
        text = "{supporter_name} {member_name} {member_title} {county} {jurisdiction} {campaign}"
        saved = ask_script_save(script=self.script(county, text=text, subject="{campaign}"))
        assert AskScript.objects.get() == saved


class TestPhones:
    @pytest.mark.parametrize(
        ("stored", "shown", "dialled"),
        [
            ("+16125550123", "(612) 555-0123", "tel:+16125550123"),
            ("612-555-0123", "(612) 555-0123", "tel:+16125550123"),
            ("+1 (320) 555-0133", "(320) 555-0133", "tel:+13205550133"),
            ("+442079460958", "+44 20 7946 0958", "tel:+442079460958"),
            ("555-0123", "555-0123", "tel:5550123"),
            ("", "", ""),
        ],
    )
    def test_national_to_read_and_e164_to_dial(self, stored, shown, dialled):
        assert (phone_national(stored), phone_tel(stored)) == (shown, dialled)

    def test_the_call_list_shows_the_national_format(self, client, county, coordinator):
        campaign = county["campaign"]
        supporter = factories.SupporterFactory(
            phone="+16125550177", zip_code="55007", district=county["districts"][0]
        )
        factories.ActionFactory(supporter=supporter, campaign=campaign, kind="call")
        client.force_login(coordinator)
        body = client.get(f"/dashboard/{campaign.slug}/call-list/").content.decode()
        assert '<a href="tel:+16125550177">(612) 555-0177</a>' in body


class TestAdmin:
    def test_the_member_page_edits_the_spanish_title(self, admin_client, county):
        body = admin_client.get(
            f"/admin/campaign/councilmember/{county['maria'].pk}/change/"
        ).content.decode()
        assert 'name="title_es" value="Comisionada"' in body

    def test_the_campaign_page_edits_its_own_ask_texts(self, admin_client, county):
        response = admin_client.get(f"/admin/campaign/campaign/{county['campaign'].pk}/change/")
        prefixes = {f.formset.prefix for f in response.context["inline_admin_formsets"]}
        assert "ask_scripts" in prefixes
