"""The call list runs the same queries with claims as without, whatever the
number of people and claims."""

import pytest

from campaign.models import Membership
from campaign.services.call_list import call_claims_take
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/dashboard/parks-alcohol-ordinance/call-list/"
# Session, user, two permission reads, campaign; the counts, the people, their
# open pledges; seat holders and their members; the next hearing.
CALL_LIST_QUERIES = 11


def _more_people(campaign, districts, count, start):
    for n in range(start, start + count):
        person = factories.SupporterFactory(
            first_name=f"Extra{n}", phone=f"+1612556{n:04d}", district=districts[n % 3]
        )
        Membership.objects.create(campaign=campaign, supporter=person, source="import")


@pytest.mark.parametrize("extra", [0, 52])
def test_the_call_list_with_claims_is_pinned(
    client, coordinator, second_caller, phone_bank, extra, django_assert_num_queries
):
    campaign = phone_bank["campaign"]
    _more_people(campaign, phone_bank["districts"], extra, start=100)
    call_claims_take(campaign=campaign, caller=second_caller, size=3)
    call_claims_take(campaign=campaign, caller=coordinator, size=3)
    client.force_login(coordinator)
    with django_assert_num_queries(CALL_LIST_QUERIES):
        response = client.get(URL)
    page = response.context["page"]
    assert (page.mine, page.held_by_others, page.total) == (3, 3, 5 + extra)
