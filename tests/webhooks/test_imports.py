"""People an import or a bulk log creates are person events; people merged
are not, and importing the same file again posts nothing new."""

import pytest

from campaign.models import Action, ActionKind, ActionStatus, Supporter, WebhookDelivery
from campaign.services.bulk_log import bulk_log
from campaign.services.imports import supporters_import
from tests import factories
from tests.imports.conftest import METHODS, csv_lines
from tests.webhooks.conftest import hook_create

pytestmark = pytest.mark.django_db

ROWS = (
    "Ana,Lopez,ana.lopez@example.org,,55007,es",
    "Ben,Okafor,ben@example.org,,55063,",
)


@pytest.fixture(params=METHODS)
def method(request, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return request.param


def _keys():
    return set(WebhookDelivery.objects.values_list("dedupe_key", flat=True))


def test_each_new_person_is_one_delivery_a_merged_one_none(method, pine_county):
    hook = hook_create()
    factories.SupporterFactory(email="ben@example.org")
    supporters_import(text=csv_lines(*ROWS), method=method)
    ana = Supporter.objects.get(email="ana.lopez@example.org")
    assert _keys() == {f"person:{ana.pk}:{hook.pk}"}
    assert WebhookDelivery.objects.get().payload["given_name"] == "Ana"


def test_importing_the_same_file_again_adds_no_delivery(method, pine_county):
    hook_create()
    supporters_import(text=csv_lines(*ROWS), method=method)
    first = _keys()
    supporters_import(text=csv_lines(*ROWS), method=method)
    assert (len(first), _keys()) == (2, first)


def test_a_bulk_log_posts_the_person_it_creates_and_each_call(pine_county, coordinator):
    hook = hook_create()
    known = factories.SupporterFactory(email="known@example.org", zip_code="55007")
    bulk_log(
        campaign=pine_county["campaign"],
        kind=ActionKind.CALL,
        status=ActionStatus.COMPLETED,
        text="Maria Lopez, maria@example.org, 55007\nknown@example.org",
        by=coordinator,
    )
    maria = Supporter.objects.get(email="maria@example.org")
    calls = dict(Action.objects.values_list("supporter_id", "pk"))
    assert _keys() == {
        f"person:{maria.pk}:{hook.pk}",
        f"outreach:{calls[maria.pk]}:{hook.pk}",
        f"outreach:{calls[known.pk]}:{hook.pk}",
    }
