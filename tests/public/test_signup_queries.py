"""The sign-up POST stays cheap: a fixed, small number of queries (issue 7's
surge benchmark), with issue 4's rules intact on the fast paths."""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign.models import Action, ActionKind, ActionStatus, ConsentEvent, Message, Supporter
from campaign.services import signup as signup_module
from campaign.services.actions import target_for_supporter
from campaign.services.signup import signup_submit
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_pledges(form_data):
    return {**form_data, "asks": [ActionKind.CALL, ActionKind.LETTER]}


def test_a_new_supporters_signup_with_two_pledges_takes_at_most_nine_queries(
    client, campaign, signup_url, two_pledges, django_assert_max_num_queries
):
    # campaign, savepoint, districts + target, supporter look-up, supporter
    # INSERT, consent INSERT, actions INSERT, outbox INSERT, release
    with django_assert_max_num_queries(9):
        response = client.post(signup_url, two_pledges)
    assert response.status_code == 302
    assert sorted(Action.objects.values_list("kind", flat=True)) == ["call", "letter"]
    assert ConsentEvent.objects.count() == 1
    # Confirmation and one follow-up per pledge.
    assert Message.objects.count() == 3


def test_a_returning_supporters_signup_with_two_new_pledges_takes_at_most_thirteen_queries(
    client, campaign, signup_url, two_pledges, pine_county, django_assert_max_num_queries
):
    factories.SupporterFactory(email="ana.gomez@example.org", district=pine_county["districts"][2])
    # As above with an UPDATE, plus dropping a non-constituent tag, reading
    # open pledges, and a savepoint around the pledges' INSERT.
    with django_assert_max_num_queries(13):
        response = client.post(signup_url, two_pledges)
    assert response.status_code == 302
    assert Supporter.objects.count() == 1
    assert sorted(Action.objects.values_list("kind", flat=True)) == ["call", "letter"]
    assert Message.objects.count() == 3


def test_hearing_pledges_read_the_hearings_once(client, campaign, hearing, signup_url, form_data):
    data = {**form_data, "asks": [ActionKind.TESTIMONY_IN_PERSON, ActionKind.ATTEND_HEARING]}
    with CaptureQueriesContext(connection) as queries:
        assert client.post(signup_url, data).status_code == 302
    hearing_reads = [q for q in queries if 'FROM "campaign_hearing"' in q["sql"]]
    assert len(hearing_reads) == 1
    assert set(Action.objects.values_list("hearing", flat=True)) == {hearing.pk}


def test_a_pledge_recorded_meanwhile_is_not_duplicated_by_the_batch_insert(campaign):
    supporter = factories.SupporterFactory(email="ana.gomez@example.org")
    call = factories.ActionFactory(supporter=supporter, campaign=campaign, kind=ActionKind.CALL)
    # The open pledges read misses the call pledged by a concurrent request:
    # the batch INSERT hits the partial unique constraint and the kinds go one by one.
    with mock.patch.object(signup_module, "_open_pledges", return_value={}):
        result = signup_submit(
            campaign=campaign,
            first_name="Ana",
            email="ana.gomez@example.org",
            zip_code="55072",
            asks=[ActionKind.CALL, ActionKind.LETTER],
        )
    pledged = Action.objects.filter(status=ActionStatus.PLEDGED)
    assert sorted(pledged.values_list("kind", flat=True)) == ["call", "letter"]
    assert pledged.get(kind=ActionKind.CALL) == call
    assert [a.kind for a in result.pledges] == ["letter"]


def test_the_target_is_the_seats_active_member_that_target_for_supporter_picks(
    campaign, pine_county
):
    district3 = pine_county["districts"][2]
    pine_county["members"][2].delete()
    factories.CouncilMemberFactory(body=pine_county["body"], district=district3, name="Zed")
    factories.CouncilMemberFactory(
        body=pine_county["body"], district=district3, name="Abe", active=False
    )
    bea = factories.CouncilMemberFactory(body=pine_county["body"], district=district3, name="Bea")
    result = signup_submit(
        campaign=campaign,
        first_name="Ana",
        email="ana@example.org",
        zip_code="55072",
        asks=["call"],
    )
    assert target_for_supporter(supporter=result.supporter, campaign=campaign) == bea
    assert Action.objects.get().target == bea


def test_a_known_district_of_the_body_that_does_not_cover_the_new_zip_is_cleared(
    campaign, pine_county
):
    factories.SupporterFactory(
        email="ana@example.org", zip_code="55072", district=pine_county["districts"][2]
    )
    # 55063 is shared by districts 1 and 2: the district is unknown, not district 3.
    result = signup_submit(
        campaign=campaign,
        first_name="Ana",
        email="ana@example.org",
        zip_code="55063",
        asks=["call"],
    )
    result.supporter.refresh_from_db()
    assert result.supporter.district is None
    assert Action.objects.get().target is None
