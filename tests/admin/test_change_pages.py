"""Change pages with their inlines, and escaping of what supporters typed."""

import pytest

from campaign.models import ActionStatus, Channel
from campaign.services.intake import consent_record
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_supporter_page_shows_their_actions_and_consent_ledger(coordinator_client, pine_county):
    supporter = factories.SupporterFactory(first_name="Rosa", email="rosa@example.org")
    factories.ActionFactory(
        supporter=supporter,
        campaign=pine_county["campaign"],
        kind="testify",
        outcome_note="Will bring her neighbour",
    )
    consent_record(supporter=supporter, channel=Channel.EMAIL, source="flyer QR code")

    response = coordinator_client.get(f"/admin/campaign/supporter/{supporter.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Will bring her neighbour" in page
    assert "flyer QR code" in page
    formsets = {formset.formset.prefix for formset in response.context["inline_admin_formsets"]}
    assert formsets == {"actions", "consent_events"}


def test_an_action_page_loads_for_a_coordinator(coordinator_client, pine_county):
    action = factories.ActionFactory(
        campaign=pine_county["campaign"], status=ActionStatus.COMPLETED, outcome_note="Called"
    )

    response = coordinator_client.get(f"/admin/campaign/action/{action.pk}/change/")

    assert response.status_code == 200
    assert "Called" in response.content.decode()


def test_a_campaign_page_shows_its_hearings_and_votes(admin_client_, pine_county):
    campaign = pine_county["campaign"]
    factories.HearingFactory(campaign=campaign, title="Board hearing on parks")

    response = admin_client_.get(f"/admin/campaign/campaign/{campaign.pk}/change/")

    assert response.status_code == 200
    assert "Board hearing on parks" in response.content.decode()
    formsets = {formset.formset.prefix for formset in response.context["inline_admin_formsets"]}
    assert formsets == {"hearings", "ask_scripts", "member_votes"}


def test_names_with_html_are_escaped_on_the_supporter_changelist(coordinator_client, db):
    factories.SupporterFactory(first_name="<script>alert(1)</script>", last_name="<b>x</b>")

    response = coordinator_client.get("/admin/campaign/supporter/")

    page = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page
    assert "<b>x</b>" not in page


@pytest.mark.parametrize(
    "url",
    [
        "/admin/campaign/decisionbody/",
        "/admin/campaign/tag/",
        "/admin/campaign/importjob/",
        "/admin/campaign/supporter/add/",
        "/admin/campaign/action/add/",
        "/admin/campaign/campaign/add/",
        "/admin/campaign/stance/add/",
        "/admin/campaign/hearing/add/",
        "/admin/campaign/councilmember/add/",
    ],
)
def test_other_admin_pages_load(admin_client_, pine_county, url):
    response = admin_client_.get(url)

    assert response.status_code == 200


def test_searching_a_phone_as_people_write_it_finds_the_supporter(coordinator_client, db):
    factories.SupporterFactory(first_name="Found", phone="+16125550123", email=None)
    factories.SupporterFactory(first_name="Other", phone="+16125550124", email=None)

    response = coordinator_client.get("/admin/campaign/supporter/", {"q": "(612) 555-0123"})

    assert [s.first_name for s in response.context["cl"].result_list] == ["Found"]


def test_searching_an_email_matches_the_start_of_the_address_in_any_case(coordinator_client, db):
    factories.SupporterFactory(first_name="Found", email="rosa.m@example.org")
    factories.SupporterFactory(first_name="Inside", email="barosa.m@example.org")
    factories.SupporterFactory(first_name="Other", email="maria@example.org")

    response = coordinator_client.get("/admin/campaign/supporter/", {"q": " Rosa.M@Example"})

    assert [s.first_name for s in response.context["cl"].result_list] == ["Found"]


def test_the_unsubscribe_action_unsubscribes_and_logs_it(coordinator_client, db):
    from campaign.models import ConsentEvent

    supporter = factories.SupporterFactory()
    consent_record(supporter=supporter, channel=Channel.EMAIL, source="form")

    response = coordinator_client.post(
        "/admin/campaign/supporter/",
        {"action": "unsubscribe_selected", "_selected_action": [str(supporter.pk)]},
    )

    assert response.status_code == 302
    supporter.refresh_from_db()
    assert supporter.unsubscribed_at is not None
    assert supporter.email_consent_at is None
    latest = ConsentEvent.objects.filter(supporter=supporter).first()
    assert (latest.kind, latest.source) == ("withdrawn", "admin: coordinator")
