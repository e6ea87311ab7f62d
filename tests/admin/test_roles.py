"""Viewers (board members, funders) never reach supporter data in the admin."""

import pytest

from campaign.models import ActionStatus
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def supporter_data(pine_county):
    supporter = factories.SupporterFactory(
        first_name="Private", last_name="Person", email="private.person@example.org"
    )
    action = factories.ActionFactory(
        supporter=supporter, campaign=pine_county["campaign"], status=ActionStatus.COMPLETED
    )
    return {"supporter": supporter, "action": action, "campaign": pine_county["campaign"]}


def personal_urls(data) -> list[str]:
    supporter, action = data["supporter"], data["action"]
    return [
        "/admin/campaign/supporter/",
        f"/admin/campaign/supporter/{supporter.pk}/change/",
        "/admin/campaign/supporter/add/",
        "/admin/campaign/supporter/import/",
        "/admin/campaign/supporter/export/",
        "/admin/campaign/action/",
        f"/admin/campaign/action/{action.pk}/change/",
        "/admin/campaign/action/import/",
        "/admin/campaign/action/export/",
        "/admin/campaign/tag/",
        "/admin/campaign/importjob/",
        "/admin/autocomplete/?app_label=campaign&model_name=action&field_name=supporter&term=Pri",
    ]


def test_a_viewer_gets_403_on_every_supporter_and_action_page(viewer_client, supporter_data):
    statuses = {url: viewer_client.get(url).status_code for url in personal_urls(supporter_data)}

    assert statuses == dict.fromkeys(statuses, 403)


def test_a_coordinator_opens_the_same_pages(coordinator_client, supporter_data):
    statuses = {
        url: coordinator_client.get(url).status_code for url in personal_urls(supporter_data)
    }

    assert statuses == dict.fromkeys(statuses, 200)


def test_a_viewer_cannot_post_an_import_either(viewer_client, supporter_data):
    response = viewer_client.post(
        "/admin/campaign/supporter/process_import/",
        {"import_file_name": "x", "original_file_name": "x.csv", "format": "0"},
    )

    assert response.status_code == 403


def test_a_viewer_sees_a_campaign_without_any_supporters_email(viewer_client, supporter_data):
    campaign = supporter_data["campaign"]
    factories.HearingFactory(campaign=campaign)

    response = viewer_client.get(f"/admin/campaign/campaign/{campaign.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert campaign.name in page
    assert "private.person@example.org" not in page
    assert "Private Person" not in page


def test_a_viewers_admin_index_lists_no_supporter_models(viewer_client, supporter_data):
    response = viewer_client.get("/admin/")

    page = response.content.decode()
    assert "/admin/campaign/campaign/" in page
    assert "/admin/campaign/supporter/" not in page
    assert "/admin/campaign/action/" not in page


def test_a_viewer_sees_a_members_stance_history_without_personal_data(
    viewer_client, supporter_data, pine_county
):
    member = pine_county["members"][0]
    factories.StanceFactory(campaign=pine_county["campaign"], member=member, note="Said yes")

    response = viewer_client.get(f"/admin/campaign/councilmember/{member.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Said yes" in page
    assert "private.person@example.org" not in page
