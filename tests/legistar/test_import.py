"""The Legistar import on recorded fixtures served by a local server."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from campaign.models import (
    ActionKind,
    CouncilMember,
    Hearing,
    MemberVote,
    Message,
    MessageKind,
    VoteResult,
)
from campaign.services.legistar import (
    LegistarClient,
    LegistarError,
    legistar_import,
    vote_normalise,
)
from tests import factories

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=CHICAGO)
BOARD_ROOM = "Board Room, Pine County Courthouse, 635 Northridge Dr NW, Pine City"

pytestmark = pytest.mark.django_db


def counts(report):
    return {kind: str(tally) for kind, tally in report.kinds().items()}


@time_machine.travel(NOW, tick=False)
def test_each_term_is_a_member_on_its_seat_active_while_in_office(legistar, board, campaign):
    legistar_import(body=board)
    rows = list(
        CouncilMember.objects.filter(body=board)
        .order_by("legistar_office_record_id")
        .values_list("name", "district__name", "title", "term_start", "term_end", "active")
    )
    d = dt.date
    assert rows == [
        ("Josh Mohr", "District 1", "Commissioner", d(2025, 1, 6), d(2028, 12, 31), True),
        ("Terry Lovgren", "District 2", "Commissioner", d(2023, 1, 3), d(2026, 12, 31), True),
        ("Matt Ludwig", "District 3", "Commissioner", d(2023, 1, 3), d(2026, 6, 30), False),
        ("Ana Ruiz", "District 3", "Commissioner", d(2026, 7, 14), d(2026, 12, 31), True),
        ("Steve Hallan", "District 4", "Chair", d(2025, 1, 6), d(2028, 12, 31), True),
        ("JJ Waldhalm", "District 5", "Vice Chair", d(2023, 1, 3), d(2026, 12, 31), True),
        ("Dorothy Nørgaard", "District 6", "Commissioner", d(2025, 1, 6), d(2028, 12, 31), True),
        ("Luis Peña", "District 7", "Commissioner", d(2025, 1, 6), d(2028, 12, 31), True),
    ]


@time_machine.travel(NOW, tick=False)
def test_a_member_gets_the_email_and_phone_of_their_legistar_person(legistar, board, campaign):
    legistar_import(body=board)
    member = CouncilMember.objects.get(legistar_office_record_id=9104)
    assert (member.legistar_person_id, member.email, member.phone) == (
        210,
        "ana.ruiz@co.pine.mn.us",
        "(320) 591-1623",
    )


@time_machine.travel(NOW, tick=False)
def test_the_first_run_counts_what_it_created(legistar, board, campaign):
    report = legistar_import(body=board)
    assert counts(report) == {
        "members": "8 created, 0 updated, 0 unchanged",
        "hearings": "2 created, 0 updated, 0 unchanged",
        "votes": "6 created, 0 updated, 0 unchanged",
        "campaigns": "0 created, 1 updated, 0 unchanged",
    }


@time_machine.travel(NOW, tick=False)
def test_meetings_on_the_linked_matter_are_hearings_in_the_body_time_zone(
    legistar, board, campaign
):
    legistar_import(body=board)
    rows = list(
        Hearing.objects.order_by("starts_at").values_list(
            "campaign__slug", "legistar_event_id", "title", "starts_at", "location_name"
        )
    )
    # Event 5003 (another matter) and 5010 (a committee) are not the campaign's.
    assert rows == [
        (
            "parks-alcohol-ordinance",
            5001,
            "Board of Commissioners: ORD 2026-14",
            dt.datetime(2026, 12, 8, 18, 0, tzinfo=CHICAGO),
            BOARD_ROOM,
        ),
        (
            "parks-alcohol-ordinance",
            5002,
            "Board of Commissioners: ORD 2026-14",
            dt.datetime(2026, 12, 15, 9, 30, tzinfo=CHICAGO),
            BOARD_ROOM,
        ),
    ]


@time_machine.travel(NOW, tick=False)
def test_a_body_in_another_time_zone_reads_times_in_its_own(legistar, board, campaign):
    board.legistar_config = {**board.legistar_config, "time_zone": "America/Denver"}
    board.save()
    legistar_import(body=board)
    hearing = Hearing.objects.get(legistar_event_id=5001)
    denver = zoneinfo.ZoneInfo("America/Denver")
    assert hearing.starts_at == dt.datetime(2026, 12, 8, 18, 0, tzinfo=denver)


@time_machine.travel(NOW, tick=False)
def test_roll_call_values_are_normalised_and_the_successor_votes(legistar, board, campaign):
    legistar_import(body=board)
    votes = dict(MemberVote.objects.filter(campaign=campaign).values_list("member__name", "vote"))
    assert votes == {
        "Josh Mohr": "yes",
        "Terry Lovgren": "yes",
        "Ana Ruiz": "yes",
        "Steve Hallan": "no",
        "JJ Waldhalm": "abstain",
        "Dorothy Nørgaard": "absent",
    }


@time_machine.travel(NOW, tick=False)
def test_a_vote_value_not_recognised_is_reported_not_guessed(legistar, board, campaign):
    report = legistar_import(body=board)
    assert report.problems == [
        "vote 'Recused' by Luis Peña on item 60022: not a known vote value, left out"
    ]


@time_machine.travel(NOW, tick=False)
def test_the_passed_roll_call_gives_the_campaign_its_vote_date_and_result(
    legistar, board, campaign
):
    legistar_import(body=board)
    campaign.refresh_from_db()
    assert (campaign.vote_held_on, campaign.vote_result) == (
        dt.date(2026, 12, 15),
        VoteResult.PASSED,
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Yea", "yes"),
        (" AYE ", "yes"),
        ("Affirmative", "yes"),
        ("yes", "yes"),
        ("Nay", "no"),
        ("No", "no"),
        ("Negative", "no"),
        ("Abstain", "abstain"),
        ("Present", "abstain"),
        ("Absent", "absent"),
        ("Excused", "absent"),
        ("Recused", None),
        ("", None),
        (None, None),
    ],
)
def test_vote_values(value, expected):
    assert vote_normalise(value) == expected


@time_machine.travel(NOW, tick=False)
def test_a_second_run_with_the_same_data_changes_nothing(legistar, board, campaign):
    legistar_import(body=board)
    report = legistar_import(body=board)
    assert counts(report) == {
        "members": "0 created, 0 updated, 8 unchanged",
        "hearings": "0 created, 0 updated, 2 unchanged",
        "votes": "0 created, 0 updated, 6 unchanged",
        "campaigns": "0 created, 0 updated, 1 unchanged",
    }
    assert report.changes == []


@time_machine.travel(NOW, tick=False)
def test_a_second_run_asks_only_for_changes_since_the_first(legistar, board, campaign):
    legistar_import(body=board)
    legistar.requests.clear()
    legistar_import(body=board)
    filters = {path.rsplit("/", 1)[-1]: q.get("$filter") for path, q in legistar.requests}
    assert filters["OfficeRecords"] == (
        "OfficeRecordLastModifiedUtc gt datetime'2026-11-26T18:00:00'"
    )
    assert filters["events"] == (
        "EventBodyId eq 138 and EventLastModifiedUtc gt datetime'2026-11-26T18:00:00'"
    )


@time_machine.travel(NOW, tick=False)
def test_lists_are_read_page_by_page(legistar, board, campaign):
    legistar_import(body=board)
    pages = [
        (q["$top"], q["$skip"]) for path, q in legistar.requests if path.endswith("OfficeRecords")
    ]
    # Eight office records, three a page.
    assert pages == [("3", "0"), ("3", "3"), ("3", "6")]


@time_machine.travel(NOW, tick=False)
def test_the_api_token_goes_with_every_request_when_set(legistar, board, campaign, settings):
    settings.LEGISTAR_TOKEN = "s3cr3t-token"
    legistar_import(body=board)
    assert {q.get("token") for _, q in legistar.requests} == {"s3cr3t-token"}


@time_machine.travel(NOW, tick=False)
def test_no_token_is_sent_when_none_is_set(legistar, board, campaign):
    legistar_import(body=board)
    assert [q for _, q in legistar.requests if "token" in q] == []


@time_machine.travel(NOW, tick=False)
def test_a_moved_meeting_moves_its_hearing_and_the_reminders(legistar, board, campaign):
    supporter = factories.SupporterFactory(
        email_consent_at=NOW, email_consent_source="test", language="en"
    )
    factories.ActionFactory(supporter=supporter, campaign=campaign, kind=ActionKind.ATTEND_HEARING)
    legistar_import(body=board)
    hearing = Hearing.objects.get(legistar_event_id=5001)
    event = legistar.event(5001)
    event.update(
        EventDate="2026-12-10T00:00:00",
        EventTime="6:30 PM",
        EventLastModifiedUtc="2026-11-27T09:12:44.5",
    )
    report = legistar_import(body=board)
    moved = Hearing.objects.get(legistar_event_id=5001)
    assert (moved.pk, moved.starts_at) == (
        hearing.pk,
        dt.datetime(2026, 12, 10, 18, 30, tzinfo=CHICAGO),
    )
    assert str(report.hearings) == "0 created, 1 updated, 1 unchanged"
    reminder = Message.objects.get(hearing=moved, kind=MessageKind.HEARING_24H)
    assert reminder.scheduled_for == dt.datetime(2026, 12, 9, 18, 30, tzinfo=CHICAGO)


@time_machine.travel(NOW, tick=False)
def test_a_cancelled_meeting_cancels_its_hearing(legistar, board, campaign):
    legistar_import(body=board)
    legistar.event(5001)["EventAgendaStatusName"] = "Cancelled"
    legistar_import(body=board)
    assert Hearing.objects.get(legistar_event_id=5001).cancelled_at == NOW


@time_machine.travel(NOW, tick=False)
def test_a_term_that_ends_makes_its_member_inactive_on_a_later_run(legistar, board, campaign):
    legistar_import(body=board)
    with time_machine.travel(dt.datetime(2027, 1, 4, 9, 0, tzinfo=CHICAGO), tick=False):
        report = legistar_import(body=board)
    inactive = set(
        CouncilMember.objects.filter(body=board, active=False).values_list("name", flat=True)
    )
    assert inactive == {"Matt Ludwig", "Terry Lovgren", "Ana Ruiz", "JJ Waldhalm"}
    assert str(report.members) == "0 created, 3 updated, 5 unchanged"


@time_machine.travel(NOW, tick=False)
def test_a_member_typed_in_by_hand_is_linked_not_duplicated(legistar, board, campaign):
    josh = factories.CouncilMemberFactory(body=board, name="Josh Mohr", district=None)
    report = legistar_import(body=board)
    josh.refresh_from_db()
    assert (josh.legistar_office_record_id, josh.district.name) == (9101, "District 1")
    assert str(report.members) == "7 created, 1 updated, 0 unchanged"


@time_machine.travel(NOW, tick=False)
def test_a_hearing_typed_in_by_hand_for_the_meeting_day_is_linked(legistar, board, campaign):
    typed = factories.HearingFactory(
        campaign=campaign, starts_at=dt.datetime(2026, 12, 8, 19, 0, tzinfo=CHICAGO)
    )
    legistar_import(body=board)
    typed.refresh_from_db()
    assert (typed.legistar_event_id, typed.starts_at) == (
        5001,
        dt.datetime(2026, 12, 8, 18, 0, tzinfo=CHICAGO),
    )
    assert Hearing.objects.filter(campaign=campaign).count() == 2


@time_machine.travel(NOW, tick=False)
def test_a_seat_without_a_district_is_reported(legistar, board, campaign):
    board.legistar_config = {}
    board.save()
    report = legistar_import(body=board)
    assert report.problems[0] == (
        "office record 9105 (Steve Hallan): no district for seat Dist. 4 / Chair; "
        "set legistar_config seats"
    )
    assert CouncilMember.objects.get(legistar_office_record_id=9105).district is None


@time_machine.travel(NOW, tick=False)
def test_an_unknown_body_saves_nothing(legistar, board, campaign):
    board.legistar_body_id = 999
    board.save()
    with pytest.raises(LegistarError, match="pinecounty: no body 999"):
        legistar_import(body=board)
    assert CouncilMember.objects.count() == 0


def test_a_server_error_is_a_legistar_error(legistar):
    legistar.answer = lambda path, query: (500, {"Message": "An error has occurred."})
    with pytest.raises(LegistarError, match="bodies: HTTP 500"):
        LegistarClient(client="pinecounty").get("bodies")


@time_machine.travel(NOW, tick=False)
def test_the_command_prints_what_it_created_then_that_it_left_all_alone(
    legistar, board, campaign, capsys
):
    call_command("legistar_import", str(board.pk))
    first = capsys.readouterr().out.splitlines()
    call_command("legistar_import", str(board.pk))
    second = capsys.readouterr().out.splitlines()
    assert first[:5] == [
        "Pine County Board of Commissioners from Legistar pinecounty body 138 (everything)",
        "members: 8 created, 0 updated, 0 unchanged",
        "hearings: 2 created, 0 updated, 0 unchanged",
        "votes: 6 created, 0 updated, 0 unchanged",
        "campaigns: 0 created, 1 updated, 0 unchanged",
    ]
    assert "  created member Ana Ruiz (2026-07-14 to 2026-12-31)" in first
    assert first[-1] == (
        "Not imported: vote 'Recused' by Luis Peña on item 60022: not a known vote value, left out"
    )
    assert second[:5] == [
        "Pine County Board of Commissioners from Legistar pinecounty body 138 "
        "(changes since 2026-11-26 12:00)",
        "members: 0 created, 0 updated, 8 unchanged",
        "hearings: 0 created, 0 updated, 2 unchanged",
        "votes: 0 created, 0 updated, 6 unchanged",
        "campaigns: 0 created, 0 updated, 1 unchanged",
    ]


@time_machine.travel(NOW, tick=False)
def test_the_command_saves_the_client_and_body_it_is_given(legistar, campaign):
    body = factories.DecisionBodyFactory(name="Pine County Board")
    campaign.decision_body = body
    campaign.save()
    call_command("legistar_import", str(body.pk), "--client", "pinecounty", "--body-id", "138")
    body.refresh_from_db()
    assert (body.legistar_client, body.legistar_body_id) == ("pinecounty", 138)
    assert body.legistar_synced_at == NOW


def test_the_command_refuses_a_body_legistar_does_not_know(legistar, board):
    board.legistar_body_id = 999
    board.save()
    with pytest.raises(CommandError, match="Legistar: pinecounty: no body 999"):
        call_command("legistar_import", str(board.pk))
