"""The call list: who to call tonight, and recording the result."""

import pytest

from campaign.models import Channel, ConsentEvent, Message, MessageKind, MessageStatus
from campaign.services.call_list import CallResult
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/dashboard/parks-alcohol-ordinance/call-list/"


def _listed(client):
    return [s.email for s in client.get(URL).context["supporters"]]


def test_it_lists_open_pledges_and_sign_ups_with_no_action(client, coordinator, seeded):
    # A sign-up for this campaign (consent recorded on its page), no action yet.
    newcomer = factories.SupporterFactory(
        first_name="New", last_name="Comer", email="newcomer@example.org", phone="+16125550777"
    )
    ConsentEvent.objects.create(
        supporter=newcomer,
        channel=Channel.SMS,
        kind=ConsentEvent.Kind.GRANTED,
        source="public form",
        campaign=seeded["campaign"],
        occurred_at=newcomer.created_at,
    )
    client.force_login(coordinator)
    response = client.get(URL)
    # s1 (meeting), s2 (testify), s4 (attend) have open pledges; s3, s5 only
    # completed actions; s6 acts in another campaign.
    assert [s.email for s in response.context["supporters"]] == [
        "newcomer@example.org",
        "seeded1@example.org",
        "seeded2@example.org",
        "seeded4@example.org",
    ]
    assert response.context["total"] == 4
    html = response.content.decode()
    assert "Hello {member_name}, my name is {supporter_name}." in html
    assert "Signed up, no action yet" in html


def _record(client, supporter, result, note=""):
    return client.post(URL, {"supporter": supporter.pk, "result": result, "note": note})


def test_reached_takes_them_off_this_list_and_confirms_the_roster(client, coordinator, seeded):
    client.force_login(coordinator)
    s4 = seeded["supporters"][3]
    response = _record(client, s4, CallResult.REACHED, "Coming with two neighbours")
    assert response.status_code == 302
    assert "seeded4@example.org" not in _listed(client)
    s4.refresh_from_db()
    assert "Reached. Coming with two neighbours" in s4.notes
    summary = {
        r["kind"]: r["confirmed"]
        for r in client.get("/dashboard/parks-alcohol-ordinance/").context["roster_summary"]
    }
    assert summary["attend"] == 1


def test_left_message_keeps_them_on_the_list(client, coordinator, seeded):
    client.force_login(coordinator)
    _record(client, seeded["supporters"][0], CallResult.LEFT_MESSAGE)
    assert "seeded1@example.org" in _listed(client)


def test_wrong_number_takes_them_off(client, coordinator, seeded):
    client.force_login(coordinator)
    _record(client, seeded["supporters"][0], CallResult.WRONG_NUMBER)
    assert "seeded1@example.org" not in _listed(client)


def test_do_not_call_withdraws_phone_consent(client, coordinator, seeded):
    s2 = seeded["supporters"][1]
    s2.sms_consent_at = s2.created_at
    s2.save()
    pending_sms = Message.objects.create(
        supporter=s2,
        channel=Channel.SMS,
        kind=MessageKind.HEARING_24H,
        scheduled_for=s2.created_at,
        dedupe_key="dnc-test",
    )
    client.force_login(coordinator)
    _record(client, s2, CallResult.DO_NOT_CALL)
    s2.refresh_from_db()
    assert s2.sms_consent_at is None
    assert ConsentEvent.objects.filter(
        supporter=s2, channel=Channel.SMS, kind=ConsentEvent.Kind.WITHDRAWN
    ).exists()
    assert s2.tags.filter(name="do-not-call").exists()
    pending_sms.refresh_from_db()
    assert pending_sms.status == MessageStatus.SUPPRESSED
    assert "seeded2@example.org" not in _listed(client)


def test_an_unknown_result_changes_nothing(client, coordinator, seeded):
    client.force_login(coordinator)
    s1 = seeded["supporters"][0]
    response = _record(client, s1, "hung_up")
    assert response.status_code == 302
    s1.refresh_from_db()
    assert s1.notes == ""
    assert "seeded1@example.org" in _listed(client)
