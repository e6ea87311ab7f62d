"""The action page and the thanks page render what services.asks decides:
per-member texts, phones people can dial, no raw placeholder, and what is
next after "I did it"."""

import html
import re

import pytest
from django.urls import reverse

from campaign.models import Action, ActionKind, ActionSource, ActionStatus, AskScript, Position
from campaign.tokens import action_page_path
from tests import factories

pytestmark = pytest.mark.django_db


def main_text(body: str) -> str:
    """The page's <main>, tags and scripts removed: what a volunteer reads."""
    main = body[body.index("<main") : body.index("</main>")]
    main = re.sub(r"<script.*?</script>", "", main, flags=re.S)
    return re.sub(r"<[^>]+>", " ", main)


@pytest.fixture
def ana(county):
    """Ana, a Spanish speaker in ZIP 55007: Maria Delgado's constituent."""
    return factories.SupporterFactory(
        first_name="Ana",
        last_name="Gómez",
        zip_code="55007",
        district=county["districts"][0],
        language="es",
    )


def page(client, supporter, campaign, **query):
    response = client.get(action_page_path(supporter, campaign), query)
    assert response.status_code == 200
    return response.content.decode()


class TestTheActionPage:
    def test_it_shows_a_comisionada_with_a_national_phone_and_an_e164_link(
        self, client, county, ana, stance
    ):
        stance(county["maria"], Position.YES)
        body = page(client, ana, county["campaign"])
        assert "Comisionada Maria Delgado" in body
        assert 'href="tel:+16125550123"' in body
        assert '<span class="text-nowrap">(612) 555-0123</span>' in body
        assert "Hola, me llamo Ana Gómez y vivo en el distrito de Maria Delgado." in body

    def test_a_member_without_a_phone_has_no_call_option_and_no_script(
        self, client, county, stance
    ):
        # ZIP 55072: Angela Brooks, no phone and no email.
        supporter = factories.SupporterFactory(
            first_name="Bo", zip_code="55072", district=county["districts"][2]
        )
        body = page(client, supporter, county["campaign"])
        assert "Commissioner Angela Brooks" in body
        assert "tel:" not in body
        assert "call-script" not in body and "What to say when you call" not in body
        assert "mailto:" not in body.replace("mailto:?", "")
        assert 'class="border-start border-3 ps-3 letter"' not in body

    def test_a_member_without_email_offers_a_letter_to_post(self, client, county):
        maria = county["maria"]
        maria.email = ""
        maria.save()
        supporter = factories.SupporterFactory(zip_code="55007", district=county["districts"][0])
        body = page(client, supporter, county["campaign"])
        assert "Send an email" not in body
        assert "Print it, sign it and post it to: 315 Main St, Pine City, MN 55063" in body
        assert 'href="tel:+16125550123"' in body

    @pytest.mark.parametrize(("zip_code", "reach"), [("55063", "split"), ("90210", "body")])
    @pytest.mark.parametrize("language", ["en", "es"])
    def test_a_split_or_outside_zip_never_speaks_as_a_constituent(
        self, client, county, stance, zip_code, reach, language
    ):
        stance(county["maria"], Position.YES)
        stance(county["tom"], Position.NO)
        supporter = factories.SupporterFactory(
            first_name="Lee", last_name="Park", zip_code=zip_code, language=language
        )
        body = page(client, supporter, county["campaign"])
        assert body.count("data-relation=") == (2 if reach == "split" else 3)
        assert 'data-relation="constituent"' not in body
        text = main_text(body).lower()
        for words in ("constituent", "your district", "su distrito", "mi distrito"):
            assert words not in text
        lives = "i live in pine county" if language == "en" else "vivo en pine county"
        assert lives in text

    def test_each_card_asks_what_fits_its_member(self, client, county, stance):
        stance(county["maria"], Position.YES)
        stance(county["tom"], Position.NO)
        supporter = factories.SupporterFactory(first_name="Lee", last_name="Park", zip_code="55063")
        body = html.unescape(page(client, supporter, county["campaign"]))
        assert re.findall(r'data-stance-group="(\w+)"', body) == ["thank", "meet"]
        assert "I'm calling to thank Commissioner Maria Delgado" in body
        assert "I understand Commissioner Tom Lindqvist has concerns" in body
        assert re.findall(r'class="small mb-2 stance-hint">([^<]+)<', body) == [
            "Supports the campaign: the script and the letter below say thank you.",
            "Opposed for now: the script and the letter below ask for a meeting.",
        ]

    def test_the_campaigns_own_text_is_on_the_page(self, client, county, ana, stance):
        stance(county["maria"], Position.YES)
        AskScript.objects.create(
            campaign=county["campaign"],
            kind="call",
            stance_group="thank",
            relation="constituent",
            text="Thank you, {member_name}!",
            text_es="¡Gracias, {member_title} {member_name}!",
        )
        assert "¡Gracias, Comisionada Maria Delgado!" in page(client, ana, county["campaign"])

    def test_no_raw_brace_on_any_page(self, client, county, stance):
        campaign = county["campaign"]
        campaign.call_script = "Hi {member_name}, {unknown} {supporter_name.__class__}"
        campaign.letter_template = "Dear {member_name}, {0}"
        campaign.save()
        stance(county["maria"], Position.YES)
        stance(county["tom"], Position.NO)
        factories.HearingFactory(campaign=campaign)
        bodies = []
        for zip_code, district in (
            ("55007", county["districts"][0]),
            ("55030", county["districts"][1]),
            ("55072", county["districts"][2]),
            ("55063", None),
            ("90210", None),
        ):
            for language in ("en", "es"):
                supporter = factories.SupporterFactory(
                    zip_code=zip_code, district=district, language=language
                )
                call = factories.ActionFactory(
                    supporter=supporter, campaign=campaign, kind=ActionKind.CALL
                )
                bodies.append(page(client, supporter, campaign))
                token = action_page_path(supporter, campaign).split("/")[2]
                client.post(reverse("public:action_done", args=[token, call.pk]))
                bodies.append(page(client, supporter, campaign, done=call.pk))
            thanks = reverse("public:signup_thanks", args=[campaign.slug])
            bodies.append(client.get(thanks, {"zip": zip_code}).content.decode())
        assert len(bodies) == 25
        for body in bodies:
            text = main_text(body)
            assert "{" not in text and "}" not in text

    def test_the_page_takes_ten_queries_with_what_is_next(
        self, client, county, ana, stance, django_assert_num_queries
    ):
        stance(county["maria"], Position.YES)
        factories.HearingFactory(campaign=county["campaign"])
        call = factories.ActionFactory(
            supporter=ana,
            campaign=county["campaign"],
            kind=ActionKind.CALL,
            status=ActionStatus.COMPLETED,
        )
        path = action_page_path(ana, county["campaign"])
        client.get(path)  # mints the share link once
        # the link with its supporter, campaigns, members, the ZIP's
        # districts, the seats' holders, actions, the members' stances, the
        # campaign's own texts, the unsubscribe link's INSERT, the share
        # link's SELECT (the upcoming hearings come from campaign.public_cache),
        # and the rest of the page is the same rows: what is next costs no query
        with django_assert_num_queries(10):
            assert client.get(path, {"done": call.pk}).status_code == 200


class TestWhatIsNext:
    """After "I did it": the next steps, in order (services.asks.next_steps)."""

    @pytest.fixture
    def hearing(self, county):
        return factories.HearingFactory(
            campaign=county["campaign"], title="Public hearing", title_es="Audiencia pública"
        )

    def done(self, client, supporter, campaign, kind, **fields):
        action = factories.ActionFactory(
            supporter=supporter, campaign=campaign, kind=kind, **fields
        )
        token = action_page_path(supporter, campaign).split("/")[2]
        response = client.post(reverse("public:action_done", args=[token, action.pk]))
        assert response.status_code == 302
        assert response["Location"].endswith(f"?done={action.pk}#next-steps")
        body = client.get(response["Location"]).content.decode()
        self.token = token
        return re.findall(r'<li class="mb-3 next-step" data-step="([\w:]+)"', body), body

    def test_after_a_call_write_a_letter(self, client, county, ana, hearing):
        steps, body = self.done(client, ana, county["campaign"], ActionKind.CALL)
        assert steps == ["ask:letter", "hearing", "phone_bank:phone_bank", "share"]
        assert "¿Y ahora qué?" in body and "Ya envié mi carta" in body
        # The hearing's own calendar file, from their personal link.
        assert body.count(f'href="/a/{self.token}/hearing-{hearing.pk}.ics"') == 2

    def test_after_a_letter_call(self, client, county, ana, hearing):
        steps, _ = self.done(client, ana, county["campaign"], ActionKind.LETTER)
        assert steps == ["ask:call", "hearing", "phone_bank:phone_bank", "share"]

    def test_an_email_counts_as_the_letter(self, client, county, ana, hearing):
        steps, _ = self.done(client, ana, county["campaign"], ActionKind.EMAIL)
        assert steps == ["ask:call", "hearing", "phone_bank:phone_bank", "share"]

    def test_after_both_asks_and_written_testimony_for_the_hearing(
        self, client, county, ana, hearing
    ):
        campaign = county["campaign"]
        factories.ActionFactory(
            supporter=ana, campaign=campaign, kind="call", status=ActionStatus.COMPLETED
        )
        factories.ActionFactory(
            supporter=ana, campaign=campaign, kind="letter", status=ActionStatus.COMPLETED
        )
        steps, _ = self.done(client, ana, campaign, ActionKind.WRITTEN_TESTIMONY, hearing=hearing)
        assert steps == ["phone_bank:phone_bank", "share"]

    def test_after_a_phone_bank_shift(self, client, county, ana):
        steps, _ = self.done(client, ana, county["campaign"], ActionKind.PHONE_BANK)
        assert steps == ["ask:call", "share"]

    def test_a_campaign_without_phone_banks_or_hearings(self, client, county, ana):
        county["campaign"].asks = ["call", "letter"]
        county["campaign"].save()
        steps, _ = self.done(client, ana, county["campaign"], ActionKind.CALL)
        assert steps == ["ask:letter", "share"]

    def test_a_member_without_phone_or_email_is_no_next_ask(self, client, county):
        supporter = factories.SupporterFactory(zip_code="55072", district=county["districts"][2])
        steps, _ = self.done(client, supporter, county["campaign"], ActionKind.PETITION)
        assert steps == ["phone_bank:phone_bank", "share"]

    def test_the_next_step_links_to_the_share_block(self, client, county, ana):
        _, body = self.done(client, ana, county["campaign"], ActionKind.CALL)
        assert f'href="#share-{county["campaign"].pk}"' in body
        assert f'id="share-{county["campaign"].pk}"' in body

    def test_no_next_steps_without_a_done_action(self, client, county, ana):
        assert "next-step" not in page(client, ana, county["campaign"])

    def test_another_supporters_action_id_shows_nothing(self, client, county, ana):
        other = factories.ActionFactory(
            campaign=county["campaign"], kind="call", status=ActionStatus.COMPLETED
        )
        assert "next-step" not in page(client, ana, county["campaign"], done=other.pk)


class TestTakingTheNextStep:
    def post(self, client, supporter, campaign, **data):
        token = action_page_path(supporter, campaign).split("/")[2]
        return client.post(reverse("public:action_add", args=[token, campaign.pk]), data)

    def test_i_sent_my_letter_records_a_completed_letter_to_their_member(self, client, county, ana):
        response = self.post(client, ana, county["campaign"], kind="letter")
        letter = Action.objects.get(supporter=ana, kind="letter")
        assert (letter.status, letter.source, letter.target) == (
            ActionStatus.COMPLETED,
            ActionSource.SELF_REPORT,
            county["maria"],
        )
        assert response["Location"].endswith(f"?done={letter.pk}#next-steps")

    def test_i_sent_my_letter_fulfils_an_open_letter_pledge(self, client, county, ana):
        pledge = factories.ActionFactory(supporter=ana, campaign=county["campaign"], kind="letter")
        self.post(client, ana, county["campaign"], kind="letter")
        pledge.refresh_from_db()
        assert pledge.status == ActionStatus.COMPLETED
        assert Action.objects.filter(supporter=ana).count() == 1

    def test_a_phone_bank_shift_is_a_pledge(self, client, county, ana):
        response = self.post(client, ana, county["campaign"], kind="phone_bank")
        shift = Action.objects.get(supporter=ana)
        assert (shift.kind, shift.status) == ("phone_bank", ActionStatus.PLEDGED)
        assert response["Location"].endswith("#pledges")

    def test_i_will_attend_pledges_for_that_hearing(self, client, county, ana):
        hearing = factories.HearingFactory(campaign=county["campaign"])
        self.post(client, ana, county["campaign"], kind="attend", hearing=hearing.pk)
        attend = Action.objects.get(supporter=ana)
        assert (attend.kind, attend.status, attend.hearing) == (
            "attend",
            ActionStatus.PLEDGED,
            hearing,
        )

    @pytest.mark.parametrize(
        "data", [{"kind": "meeting"}, {"kind": "attend"}, {"kind": "attend", "hearing": "999"}]
    )
    def test_anything_else_is_not_found(self, client, county, ana, data):
        assert self.post(client, ana, county["campaign"], **data).status_code == 404
        assert not Action.objects.exists()

    def test_a_shift_the_campaign_does_not_ask_for_is_not_found(self, client, county, ana):
        county["campaign"].asks = ["call", "letter"]
        county["campaign"].save()
        assert self.post(client, ana, county["campaign"], kind="phone_bank").status_code == 404
        assert self.post(client, ana, county["campaign"], kind="letter").status_code == 302

    def test_a_link_from_the_sign_up_form_records_nothing_new(self, client, county, ana):
        pledge = factories.ActionFactory(supporter=ana, campaign=county["campaign"], kind="call")
        path = action_page_path(ana, county["campaign"], pledges=[pledge.pk])
        token = path.split("/")[2]
        url = reverse("public:action_add", args=[token, county["campaign"].pk])
        assert client.post(url, {"kind": "letter"}).status_code == 404
        assert Action.objects.count() == 1
