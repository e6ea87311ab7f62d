"""The call list: who to call tonight, and recording the result."""

import pytest

from campaign.models import (
    ActionSource,
    Channel,
    ConsentEvent,
    Membership,
    Message,
    MessageKind,
    MessageStatus,
)
from campaign.services.call_list import CallResult
from campaign.services.intake import seat_holders
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/dashboard/parks-alcohol-ordinance/call-list/"


def _listed(client):
    return [s.email for s in client.get(URL).context["supporters"]]


def test_it_lists_the_whole_base_open_pledges_first(client, coordinator, seeded):
    # A sign-up for this campaign, no action yet: a member of its base.
    newcomer = factories.SupporterFactory(
        first_name="New", last_name="Comer", email="newcomer@example.org", phone="+16125550777"
    )
    Membership.objects.create(
        campaign=seeded["campaign"], supporter=newcomer, source=ActionSource.PUBLIC_FORM
    )
    # Has no phone: nothing to call.
    no_phone = factories.SupporterFactory(email="nophone@example.org", phone=None)
    Membership.objects.create(campaign=seeded["campaign"], supporter=no_phone, source="import")
    client.force_login(coordinator)
    response = client.get(URL)
    # s1 (meeting), s2 (testify), s4 (attend) have open pledges and come first;
    # then the newcomer, s3 and s5 (only completed actions), by name; s6 acts
    # in another campaign only.
    assert [s.email for s in response.context["supporters"]] == [
        "seeded1@example.org",
        "seeded2@example.org",
        "seeded4@example.org",
        "newcomer@example.org",
        "seeded3@example.org",
        "seeded5@example.org",
    ]
    assert response.context["total"] == 6
    html = response.content.decode()
    # The supporter-to-member script is not the volunteer's (tests/phone_bank).
    assert "{supporter_name}" not in html
    assert "everyone in the campaign's base with a phone" in html
    assert "No open pledge" in html


def test_it_names_each_supporters_seat_holder(client, coordinator, seeded):
    # Two active members share district 1's seat: the first by name holds it.
    factories.CouncilMemberFactory(
        body=seeded["body"], district=seeded["districts"][0], name="Aaron Early"
    )
    client.force_login(coordinator)
    members = {s.email: s.member for s in client.get(URL).context["supporters"]}
    seats = seat_holders(seeded["body"].pk)
    assert members["seeded1@example.org"].pk == seats[seeded["districts"][0].pk]
    assert members["seeded1@example.org"].name == "Aaron Early"
    assert members["seeded5@example.org"] is None


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
    assert response.status_code == 200
    assert response.context["form_row"] == s1.pk
    s1.refresh_from_db()
    assert s1.notes == ""
    assert "seeded1@example.org" in _listed(client)
