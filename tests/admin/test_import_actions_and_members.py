"""Action and council member imports through the admin."""

import pytest

from campaign.models import Action, ActionSource, ActionStatus, CouncilMember
from tests import factories
from tests.admin.helpers import import_file, upload

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
