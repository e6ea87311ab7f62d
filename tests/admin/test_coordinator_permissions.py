"""Coordinators run every part of Groundswell added after the roles were made."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "permission",
    [
        "campaign.add_broadcast",
        "campaign.change_askscript",
        "campaign.add_apikey",
        "campaign.add_webhook",
        "campaign.view_webhookdelivery",
        "campaign.view_suppression",
    ],
)
def test_a_coordinator_has_the_permissions_of_newer_models(coordinator, permission):
    assert coordinator.has_perm(permission)


def test_a_viewer_gets_none_of_them(viewer):
    assert not viewer.has_perm("campaign.add_webhook")
    assert not viewer.has_perm("campaign.view_apikey")


def test_a_coordinator_can_open_the_webhooks_admin(client, coordinator):
    client.force_login(coordinator)
    assert client.get("/admin/campaign/webhook/").status_code == 200
