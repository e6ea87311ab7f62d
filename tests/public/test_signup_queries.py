"""The sign-up POST stays cheap: a fixed, small number of queries (issue 7's
surge benchmark), with issue 4's rules intact on the fast paths."""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign.models import Action, ActionKind, ActionStatus, ConsentEvent, Message, Supporter
from campaign.services import signup as signup_module
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
    with mock.patch.object(signup_module, "_open_pledge_kinds", return_value=set()):
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
