"""Personas and shared fixtures.

- admin: superuser, sees everything.
- coordinator: in the Coordinator group, runs campaigns and sees supporters.
- viewer: in the Viewer group (board member, funder): aggregates only, never
  a supporter's name, email, phone or address.
"""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from campaign.services.webhooks import CACHE_KEY as WEBHOOKS_CACHE_KEY
from tests import factories


def pytest_configure(config):
    # The production hasher costs ~0.3 s per user; tests create hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate-limit counters live in the cache; each test starts with none.
    cache.clear()
    # What every process reads in production: the list of active webhooks,
    # kept in the cache by the admin and the dispatcher's every tick (none
    # here; tests/webhooks register theirs through webhooks_changed).
    cache.set(WEBHOOKS_CACHE_KEY, [], timeout=None)
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _rollups_match_recount(request):
    """After every test that touched the database, whatever path it wrote
    through, the dashboard rollups equal a recount from the raw rows."""
    uses_db = "_django_db_helper" in request.fixturenames
    if uses_db:
        # Set the database up inside this fixture so its teardown (the
        # rollback) comes after the check below.
        request.getfixturevalue("_django_db_helper")
    yield
    if not uses_db or request.node.get_closest_marker("no_rollup_check"):
        return
    from campaign.services.rollups import reconcile

    result = reconcile()
    assert result.clean, (
        f"rollups differ from the recount: {result.counters_wrong} counters wrong, "
        f"differences (stored, recounted): {dict(list(result.differences.items())[:10])}"
    )


@pytest.fixture(autouse=True)
def _default_language():
    # A public view activates the visitor's language for its thread and
    # nothing resets it until the next request: a later test calling a
    # service directly would read messages in that language.
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def admin(db):
    return factories.UserFactory(username="admin", is_superuser=True)


@pytest.fixture
def coordinator(db):
    return factories.CoordinatorFactory(username="coordinator")


@pytest.fixture
def viewer(db):
    return factories.ViewerFactory(username="viewer")


@pytest.fixture
def pine_county(db):
    """A small Pine County: a 7-seat board, districts 1-3 with ZIPs (55063 spans
    districts 1 and 2), one member per district, and an active public campaign."""
    body = factories.DecisionBodyFactory(name="Pine County Board of Commissioners", seats=7)
    d1 = factories.DistrictFactory(body=body, number=1, zips=["55063", "55007"])
    d2 = factories.DistrictFactory(body=body, number=2, zips=["55063", "55030"])
    d3 = factories.DistrictFactory(body=body, number=3, zips=["55072"])
    members = [
        factories.CouncilMemberFactory(body=body, district=d, name=f"Member {d.number}")
        for d in (d1, d2, d3)
    ]
    campaign = factories.CampaignFactory(
        decision_body=body, name="Alcohol-free county parks", slug="parks-alcohol-ordinance"
    )
    return {"body": body, "districts": [d1, d2, d3], "members": members, "campaign": campaign}
