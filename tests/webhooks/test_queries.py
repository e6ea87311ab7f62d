"""With no hook registered, recording costs nothing: the public sign-up keeps
its pinned queries (tests/public/test_signup_queries.py)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.models import (
    Action,
    ActionKind,
    ActionSource,
    ActionStatus,
    ConsentEvent,
    PendingSignup,
    Supporter,
    WebhookDelivery,
)
from campaign.services.intake import action_build, actions_record_many
from campaign.services.webhooks import CACHE_KEY, webhook_deliveries_record
from tests import factories
from tests.webhooks.conftest import hook_create

pytestmark = pytest.mark.django_db

FORM = {
    "first_name": "Ana",
    "last_name": "Gómez",
    "email": "Ana.Gomez@Example.org",
    "phone": "",
    "zip_code": "55072",
    "language": "es",
    "sector": "parents",
    "asks": [ActionKind.CALL, ActionKind.LETTER],
    "email_updates": "on",
}


def _signup(client, campaign):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("public:campaign", args=[campaign.slug]), FORM)
    assert response.status_code == 302
    return [q["sql"] for q in queries]


def test_the_signup_reads_no_webhook_when_none_is_registered(client, pine_county):
    # The audit trail's content types are cached once per process (warm in
    # production), as in the pinned test.
    ContentType.objects.get_for_models(Supporter, ConsentEvent, Action, PendingSignup)
    queries = _signup(client, pine_county["campaign"])
    assert [sql for sql in queries if "webhook" in sql] == []
    # The pin of tests/public/test_signup_queries.py (a first sign-up, its
    # campaign, hearings and ZIP not cached yet), unchanged.
    assert len(queries) == 13


def test_the_signup_of_a_new_person_is_one_delivery_per_hook(client, pine_county):
    hook = hook_create()
    _signup(client, pine_county["campaign"])
    supporter = Supporter.objects.get(email="ana.gomez@example.org")
    # Its pledges (call, letter) are not outreaches until done.
    assert list(WebhookDelivery.objects.values_list("dedupe_key", flat=True)) == [
        f"person:{supporter.pk}:{hook.pk}"
    ]


def test_a_cold_cache_costs_one_query_then_none():
    supporter = factories.SupporterFactory()
    cache.delete(CACHE_KEY)
    with CaptureQueriesContext(connection) as cold:
        webhook_deliveries_record(event="person", obj=supporter)
    with CaptureQueriesContext(connection) as warm:
        webhook_deliveries_record(event="person", obj=supporter)
    assert (len(cold), len(warm)) == (1, 0)


def test_outreaches_recorded_in_bulk_read_their_targets_once(pine_county):
    hook_create()
    campaign = pine_county["campaign"]
    built = [
        action_build(
            supporter=factories.SupporterFactory(
                zip_code=f"5507{n}", district=pine_county["districts"][n % 3]
            ),
            campaign=campaign,
            kind=ActionKind.LETTER,
            status=ActionStatus.COMPLETED,
            source=ActionSource.IMPORT,
        )
        for n in range(5)
    ]
    with CaptureQueriesContext(connection) as queries:
        actions_record_many(actions=built)
    webhook_queries = [
        q["sql"]
        for q in queries
        if "campaign_webhook" in q["sql"]
        or 'FROM "campaign_councilmember"' in q["sql"]
        or 'FROM "campaign_decisionbody"' in q["sql"]
        or 'FROM "campaign_district"' in q["sql"]
    ]
    # The hooks (cache cold after registering), the targets, their bodies,
    # their districts, the deliveries' INSERT.
    assert len(webhook_queries) == 5
    assert WebhookDelivery.objects.count() == 5
