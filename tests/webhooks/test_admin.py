"""Webhooks in the admin: registered with a generated secret (masked in the
list), active at once; deliveries read-only, failed ones retried."""

import re

import pytest

from campaign.models import Webhook, WebhookDelivery
from campaign.services.webhooks import webhook_deliveries_record
from tests import factories
from tests.webhooks.conftest import hook_create

pytestmark = pytest.mark.django_db

ADD = "/admin/campaign/webhook/add/"
DELIVERIES = "/admin/campaign/webhookdelivery/"
Status = WebhookDelivery.Status


@pytest.fixture
def admin_client_(client, admin):
    client.force_login(admin)
    return client


def _register(client, **fields):
    data = {"url": "https://crm.example.org/hooks/groundswell", "active": "on", "secret": ""}
    return client.post(ADD, {**data, **fields}, follow=True)


def test_a_hook_registered_without_a_secret_gets_one_shown_once(admin_client_, admin):
    response = _register(admin_client_, events=["person", "outreach"])
    shown = re.search(r"The signing secret is (\S+)\. Verify", response.content.decode())
    hook = Webhook.objects.get()
    assert (hook.url, hook.events, hook.active, hook.created_by) == (
        "https://crm.example.org/hooks/groundswell",
        ["person", "outreach"],
        True,
        admin,
    )
    assert shown.group(1) == hook.secret
    assert len(hook.secret) == 43


def test_a_secret_typed_in_is_kept(admin_client_):
    _register(admin_client_, secret="typed-by-the-crm-admin")
    assert Webhook.objects.get().secret == "typed-by-the-crm-admin"


def test_the_list_shows_the_secret_masked(admin_client_):
    hook_create()
    Webhook.objects.update(secret="abcdSECRETREST")
    page = admin_client_.get("/admin/campaign/webhook/").content.decode()
    assert "abcd…" in page
    assert "SECRETREST" not in page


def test_a_hook_registered_in_the_admin_gets_the_next_event(admin_client_):
    _register(admin_client_)
    # The tests' cache said "no hook" (tests/conftest.py): saving dropped it.
    supporter = factories.SupporterFactory()
    assert webhook_deliveries_record(event="person", obj=supporter) == 1


def test_hooks_cannot_be_deleted_only_deactivated(admin_client_):
    hook = hook_create()
    response = admin_client_.post(f"/admin/campaign/webhook/{hook.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Webhook.objects.count() == 1


def test_deliveries_are_read_only(admin_client_):
    hook_create()
    webhook_deliveries_record(event="person", obj=factories.SupporterFactory())
    delivery = WebhookDelivery.objects.get()
    page = admin_client_.get(f"{DELIVERIES}{delivery.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    assert admin_client_.get(f"{DELIVERIES}add/").status_code == 403


def test_the_retry_action_sends_failed_deliveries_again(admin_client_):
    hook_create()
    webhook_deliveries_record(event="person", obj=factories.SupporterFactory())
    webhook_deliveries_record(event="person", obj=factories.SupporterFactory())
    failed, delivered = WebhookDelivery.objects.order_by("pk")
    WebhookDelivery.objects.filter(pk=failed.pk).update(status=Status.FAILED, attempts=8)
    WebhookDelivery.objects.filter(pk=delivered.pk).update(status=Status.DELIVERED, attempts=1)
    admin_client_.post(
        DELIVERIES, {"action": "retry", "_selected_action": [failed.pk, delivered.pk]}
    )
    failed.refresh_from_db()
    delivered.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.PENDING, 0)
    assert (delivered.status, delivered.attempts) == (Status.DELIVERED, 1)


def test_a_viewer_cannot_open_the_hooks_or_their_deliveries(client, viewer):
    client.force_login(viewer)
    assert client.get("/admin/campaign/webhook/").status_code == 403
    assert client.get(DELIVERIES).status_code == 403
