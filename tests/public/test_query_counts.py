"""The public pages run a fixed number of queries, however much data there is."""

import pytest

from campaign.models import ActionKind, ActionStatus
from campaign.tokens import action_page_path
from tests import factories

pytestmark = pytest.mark.django_db


def _activity(campaign, pine_county, supporters: int):
    for n in range(supporters):
        supporter = factories.SupporterFactory(district=pine_county["districts"][2])
        factories.ActionFactory(supporter=supporter, campaign=campaign, kind=ActionKind.CALL)
        factories.ActionFactory(
            supporter=supporter,
            campaign=campaign,
            kind=ActionKind.LETTER,
            status=ActionStatus.COMPLETED,
        )
        factories.StanceFactory(campaign=campaign, member=pine_county["members"][n % 3])


@pytest.mark.parametrize("supporters", [1, 25])
def test_the_campaign_page_takes_six_queries(
    client, campaign, hearing, pine_county, signup_url, supporters, django_assert_num_queries
):
    _activity(campaign, pine_county, supporters)
    # campaign, hearing, supporters, completed by kind, testimonies, stances
    with django_assert_num_queries(6):
        assert client.get(signup_url).status_code == 200


@pytest.mark.parametrize("pledges", [1, 6])
def test_the_action_page_takes_eight_queries(
    client, campaign, hearing, pine_county, pledges, django_assert_num_queries
):
    supporter = factories.SupporterFactory(district=pine_county["districts"][2])
    for kind in list(ActionKind.values)[:pledges]:
        factories.ActionFactory(supporter=supporter, campaign=campaign, kind=kind)
    path = action_page_path(supporter, campaign)
    # the link with its supporter, campaigns, members, the ZIP's districts,
    # the seats' holders, hearing, actions, and the INSERT of the page's own
    # unsubscribe link (links are rows now; a signed one cost no query)
    with django_assert_num_queries(8):
        assert client.get(path).status_code == 200
