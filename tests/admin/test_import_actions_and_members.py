"""Action and council member imports through the admin."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from campaign.models import (
    Action,
    ActionKind,
    ActionSource,
    ActionStatus,
    CouncilMember,
    Membership,
)
from tests import factories
from tests.admin.helpers import import_file, upload
from tests.imports.helpers import outbox_rows, quick_log_pledge, reachable

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(pine_county):
    return {
        "ana": factories.SupporterFactory(
            first_name="Ana", email="ana@example.org", district=pine_county["districts"][0]
        ),
        "ben": factories.SupporterFactory(
            first_name="Ben", email=None, phone="+16125550123", district=pine_county["districts"][1]
        ),
    }


ACTIONS_CSV = (
    b"supporter_email,supporter_phone,campaign,kind,status,completed_at,outcome_note\n"
    b"ANA@example.org,,parks-alcohol-ordinance,call,completed,2026-10-01 18:00:00,Spoke to aide\n"
    b",612-555-0123,parks-alcohol-ordinance,Letter,pledged,,\n"
)


def test_actions_are_matched_to_supporters_by_email_or_phone_and_campaign_by_slug(
    coordinator_client, coordinator, people, pine_county
):
    response = import_file(coordinator_client, "action", ACTIONS_CSV, "actions.csv")

    assert response.status_code == 302
    call = Action.objects.get(supporter=people["ana"])
    assert (call.kind, call.status, call.campaign, call.outcome_note) == (
        "call",
        ActionStatus.COMPLETED,
        pine_county["campaign"],
        "Spoke to aide",
    )
    assert call.completed_at.isoformat().startswith("2026-10-01")
    assert (call.source, call.logged_by) == (ActionSource.IMPORT, coordinator)
    # A call is aimed at the supporter's own commissioner.
    assert call.target == pine_county["members"][0]
    letter = Action.objects.get(supporter=people["ben"])
    assert (letter.kind, letter.status) == ("letter", ActionStatus.PLEDGED)


def test_importing_the_same_actions_twice_adds_nothing(coordinator_client, people, pine_county):
    import_file(coordinator_client, "action", ACTIONS_CSV, "actions.csv")

    import_file(coordinator_client, "action", ACTIONS_CSV, "actions.csv")

    assert Action.objects.count() == 2


def test_an_imported_completion_completes_the_open_pledge(
    coordinator_client, coordinator, people, pine_county
):
    pledge = factories.ActionFactory(
        supporter=people["ana"], campaign=pine_county["campaign"], kind="letter"
    )
    csv = (
        b"supporter_email,campaign,kind,status,completed_at\n"
        b"ana@example.org,parks-alcohol-ordinance,letter,completed,2026-10-02 09:00:00\n"
    )

    import_file(coordinator_client, "action", csv, "done.csv")
    import_file(coordinator_client, "action", csv, "done.csv")

    [action] = Action.objects.all()
    assert action.pk == pledge.pk
    assert action.status == ActionStatus.COMPLETED
    assert action.completed_at.isoformat().startswith("2026-10-02")
    assert action.logged_by == coordinator


def test_action_rows_with_unknown_people_or_campaigns_are_reported(
    coordinator_client, people, pine_county
):
    csv = (
        b"supporter_email,campaign,kind,status,completed_at\n"
        b"ana@example.org,parks-alcohol-ordinance,call,pledged,\n"
        b"nobody@example.org,parks-alcohol-ordinance,call,pledged,\n"
        b"ana@example.org,no-such-campaign,call,pledged,\n"
        b"ana@example.org,parks-alcohol-ordinance,letter,completed,\n"
        b"ana@example.org,parks-alcohol-ordinance,juggling,pledged,\n"
    )

    response = upload(coordinator_client, "action", csv, "bad-actions.csv")

    assert response.status_code == 200
    errors = {
        row.number: sorted(row.field_specific_errors)
        for row in response.context["result"].invalid_rows
    }
    assert errors == {
        2: ["supporter"],
        3: ["campaign"],
        4: ["completed_at"],
        5: ["kind"],
    }
    assert Action.objects.count() == 0


MEMBERS_CSV = (
    b"body,district,name,title,email,phone,active\n"
    b"Pine County Board of Commissioners,District 1,Member 1,Chair,Chair1@County.gov,,yes\n"
    b"Pine County Board of Commissioners,District 3,Lou Park,Commissioner,lou@county.gov,"
    b"(612) 555-0150,yes\n"
)


def test_council_members_are_matched_by_email_else_name_and_created_otherwise(
    coordinator_client, pine_county
):
    response = import_file(coordinator_client, "councilmember", MEMBERS_CSV, "members.csv")

    assert response.status_code == 302
    # Member 1 (whose email on file differs) was found by name on the body
    # and updated; the blank phone cell did not erase the phone on file.
    assert CouncilMember.objects.count() == 4
    chair = CouncilMember.objects.get(name="Member 1")
    assert (chair.title, chair.email, chair.phone) == ("Chair", "chair1@county.gov", "+16125550100")
    lou = CouncilMember.objects.get(name="Lou Park")
    assert (lou.district, lou.phone, lou.body) == (
        pine_county["districts"][2],
        "+16125550150",
        pine_county["body"],
    )


def test_a_member_row_with_an_unknown_body_or_district_is_reported(coordinator_client, pine_county):
    csv = (
        b"body,district,name\n"
        b"Nowhere Council,District 1,Ann\n"
        b"Pine County Board of Commissioners,District 9,Bo\n"
    )

    response = upload(coordinator_client, "councilmember", csv, "members.csv")

    errors = {
        row.number: sorted(row.field_specific_errors)
        for row in response.context["result"].invalid_rows
    }
    assert errors == {1: ["body"], 2: ["district"]}
    assert CouncilMember.objects.count() == 3


# ---------------------------------------------------------------------------
# Through the intake core (issue #10, findings 5 and 8)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [ActionKind.LETTER, ActionKind.ATTEND_HEARING])
def test_an_imported_pledge_gets_the_outbox_rows_a_quick_logged_pledge_gets(
    coordinator_client, pine_county, kind
):
    campaign = pine_county["campaign"]
    hearing = factories.HearingFactory(campaign=campaign) if kind == "attend" else None
    quick, imported = reachable(pine_county, 2)
    hearing_cell = timezone.localtime(hearing.starts_at).strftime("%Y-%m-%d") if hearing else ""
    csv = (
        "supporter_email,campaign,kind,status,hearing\n"
        f"{imported.email},{campaign.slug},{kind},pledged,{hearing_cell}\n"
    ).encode()
    with time_machine.travel(timezone.now(), tick=False):
        quick_log_pledge(
            coordinator_client, campaign=campaign, supporter=quick, kind=kind, hearing=hearing
        )
        import_file(coordinator_client, "action", csv, "pledges.csv")
    assert outbox_rows(quick)
    assert outbox_rows(imported) == outbox_rows(quick)


def test_an_imported_action_makes_the_supporter_a_member_of_the_base(
    coordinator_client, people, pine_county
):
    import_file(coordinator_client, "action", ACTIONS_CSV, "actions.csv")

    assert sorted(
        Membership.objects.values_list("supporter__first_name", "campaign__slug", "source")
    ) == [
        ("Ana", "parks-alcohol-ordinance", "import"),
        ("Ben", "parks-alcohol-ordinance", "import"),
    ]


def test_an_imported_attendance_needs_a_hearing_that_has_started(
    coordinator_client, people, pine_county
):
    upcoming = factories.HearingFactory(campaign=pine_county["campaign"])
    day = timezone.localtime(upcoming.starts_at).strftime("%Y-%m-%d")
    csv = (
        "supporter_email,campaign,kind,status,completed_at,hearing\n"
        "ana@example.org,parks-alcohol-ordinance,attend,completed,2026-10-01 18:00:00,\n"
        f"ana@example.org,parks-alcohol-ordinance,attend,completed,2026-10-01 18:00:00,{day}\n"
        "ana@example.org,parks-alcohol-ordinance,attend,pledged,,1999-01-01\n"
    ).encode()

    response = upload(coordinator_client, "action", csv, "attendance.csv")

    errors = {
        row.number: {field: list(messages) for field, messages in row.field_specific_errors.items()}
        for row in response.context["result"].invalid_rows
    }
    assert errors == {
        1: {"hearing": ["Choose the hearing: testimony and attendance are for one hearing."]},
        2: {"hearing": ["Nobody has testified at or attended a hearing that has not started."]},
        3: {"hearing": ["No hearing of this campaign on 1999-01-01."]},
    }
    assert Action.objects.count() == 0


def test_an_imported_attendance_names_its_hearing_by_its_day(
    coordinator_client, people, pine_county
):
    started = factories.HearingFactory(
        campaign=pine_county["campaign"], starts_at=timezone.now() - dt.timedelta(days=2)
    )
    day = timezone.localtime(started.starts_at).strftime("%Y-%m-%d")
    csv = (
        "supporter_email,campaign,kind,status,completed_at,hearing\n"
        f"ana@example.org,parks-alcohol-ordinance,testify,completed,{day} 20:00:00,{day}\n"
    ).encode()

    import_file(coordinator_client, "action", csv, "testimony.csv")

    action = Action.objects.get()
    assert (action.hearing, action.kind) == (started, "testify")
    # Testimony is aimed at the supporter's own commissioner.
    assert action.target == pine_county["members"][0]
