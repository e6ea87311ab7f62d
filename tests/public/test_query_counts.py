"""The public pages run a fixed number of queries, however much data there is."""

import pytest
from django.urls import reverse

from campaign.models import ActionKind, ActionStatus
from campaign.tokens import action_page_path
from tests import factories
from tests.public.helpers import confirm_path, known_supporter

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
def test_the_action_page_takes_twelve_queries(
    client, campaign, hearing, pine_county, pledges, django_assert_num_queries
):
    supporter = factories.SupporterFactory(zip_code="55072", district=pine_county["districts"][2])
    for kind in list(ActionKind.values)[:pledges]:
        factories.ActionFactory(supporter=supporter, campaign=campaign, kind=kind)
    path = action_page_path(supporter, campaign)
    # (A district a coordinator set that the ZIP's districts do not include
    # costs one more: the body's districts, to tell it from another body's.)
    # the link with its supporter, campaigns, members, the ZIP's districts,
    # the seats' holders, actions (with their hearings), the upcoming
    # hearings (no pledge names one), and the INSERT of the page's own
    # unsubscribe link (links are rows now; a signed one cost no query);
    # the supporter's share link: read to be reused, and inserted on this
    # first visit (a later visit reads it only); the members' stances and
    # the campaign's own ask texts (services.asks)
    with django_assert_num_queries(12):
        assert client.get(path).status_code == 200


@pytest.mark.parametrize("supporters", [1, 25])
def test_the_action_page_of_a_hearing_pledge_takes_eleven_queries(
    client, campaign, hearing, pine_county, supporters, django_assert_num_queries
):
    _activity(campaign, pine_county, supporters)
    supporter = factories.SupporterFactory(zip_code="55072", district=pine_county["districts"][2])
    factories.ActionFactory(
        supporter=supporter, campaign=campaign, kind=ActionKind.TESTIMONY_IN_PERSON, hearing=hearing
    )
    path = action_page_path(supporter, campaign)
    # As above, less the upcoming hearings: the pledge's own came with it.
    with django_assert_num_queries(11):
        assert client.get(path).status_code == 200


@pytest.mark.parametrize("supporters", [1, 25])
def test_the_thanks_page_takes_seven_queries(
    client, campaign, hearing, pine_county, supporters, django_assert_num_queries
):
    _activity(campaign, pine_county, supporters)
    url = reverse("public:signup_thanks", args=[campaign.slug])
    # campaign, the body's active members, the ZIP's districts, the seats'
    # holders, the chosen hearing, the members' stances and the campaign's
    # own ask texts (services.asks)
    with django_assert_num_queries(7):
        response = client.get(url, {"zip": "55072", "ask": "testify", "hearing": hearing.pk})
    assert response.status_code == 200


@pytest.mark.parametrize("supporters", [1, 25])
def test_the_confirm_page_takes_two_queries(
    client,
    campaign,
    hearing,
    pine_county,
    signup_url,
    form_data,
    supporters,
    django_assert_num_queries,
):
    _activity(campaign, pine_county, supporters)
    known = known_supporter(email="ana.gomez@example.org")
    client.post(signup_url, form_data)
    path = confirm_path(known)
    # the held sign-up with its supporter, the hearing it chose (the
    # campaign is cached since the sign-up read it: campaign.public_cache)
    with django_assert_num_queries(2):
        assert client.get(path).status_code == 200
