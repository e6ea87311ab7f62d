"""The dashboard rollups (campaign.Rollup): kept by the database on every
write, equal to a recount, repaired by `reconcile_rollups`.

Every other test that touches the database is also checked against the
recount when it ends (tests/conftest.py), whatever path it wrote through."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaign import selectors
from campaign.models import (
    Action,
    ActionKind,
    ActionStatus,
    Language,
    Membership,
    Rollup,
    Sector,
)
from campaign.selectors import DateRange
from campaign.services.actions import action_cancel, action_complete
from campaign.services.privacy import supporter_erase
from campaign.services.rollups import reconcile
from tests import factories

pytestmark = pytest.mark.django_db
CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def board():
    body = factories.DecisionBodyFactory(seats=3)
    one = factories.DistrictFactory(body=body, number=1)
    two = factories.DistrictFactory(body=body, number=2)
    member_one = factories.CouncilMemberFactory(body=body, district=one)
    member_two = factories.CouncilMemberFactory(body=body, district=two)
    campaign = factories.CampaignFactory(decision_body=body)
    return campaign, (one, two), (member_one, member_two)


def totals(campaign) -> dict:
    return selectors.pressure(campaign)["totals"]


def member_row(campaign, member):
    return next(m for m in selectors.whip_count(campaign).members if m.pk == member.pk)


def assert_recount_clean():
    result = reconcile()
    assert result.clean, result.differences


def test_each_kind_of_write_moves_the_rollups_by_exactly_what_changed(board):
    campaign, (one, two), (member_one, member_two) = board
    ana = factories.SupporterFactory(district=one, language=Language.SPANISH)
    ben = factories.SupporterFactory(district=two, sector=Sector.YOUTH)

    call = factories.ActionFactory(supporter=ana, campaign=campaign, target=member_one)
    factories.ActionFactory(supporter=ben, campaign=campaign, kind=ActionKind.LETTER)
    assert totals(campaign) == {"pledged": 2, "completed": 0, "overdue": 0, "rate": 0}
    assert selectors.base(campaign, [one, two])["total"] == 2
    assert_recount_clean()

    # A status change through the service.
    action_complete(action=call)
    assert totals(campaign) == {"pledged": 1, "completed": 1, "overdue": 0, "rate": 50}
    row = member_row(campaign, member_one)
    assert (row.constituent_contacts, row.other_contacts) == (1, 0)
    assert Membership.objects.get(supporter=ana, campaign=campaign).completed_actions == 1
    assert_recount_clean()

    # The supporter moves to district 2: the call is no longer a constituent's.
    ana.district = two
    ana.save()
    row = member_row(campaign, member_one)
    assert (row.constituent_contacts, row.other_contacts) == (1 - 1, 1)
    by_district = {
        d["district"].pk: d["n"] for d in selectors.base(campaign, [one, two])["by_district"]
    }
    assert by_district == {one.pk: 0, two.pk: 2}
    assert_recount_clean()

    # The member is redistricted into district 2: a constituent again.
    member_one.district = two
    member_one.save()
    row = member_row(campaign, member_one)
    assert (row.constituent_contacts, row.other_contacts) == (1, 0)
    assert_recount_clean()

    # A queryset update (no signals, no save()).
    Action.objects.filter(supporter=ben).update(status=ActionStatus.CANCELLED)
    assert totals(campaign) == {"pledged": 0, "completed": 1, "overdue": 0, "rate": 100}
    assert_recount_clean()

    # The action moves to another supporter (a merge).
    cara = factories.SupporterFactory(district=one)
    Membership.objects.create(campaign=campaign, supporter=cara, source="quick_log")
    Action.objects.filter(pk=call.pk).update(supporter=cara)
    assert Membership.objects.get(supporter=ana, campaign=campaign).completed_actions == 0
    assert Membership.objects.get(supporter=cara, campaign=campaign).completed_actions == 1
    assert_recount_clean()

    # A delete, then a membership delete.
    Action.objects.filter(pk=call.pk).delete()
    Membership.objects.filter(supporter=cara).delete()
    assert totals(campaign) == {"pledged": 0, "completed": 0, "overdue": 0, "rate": None}
    assert selectors.base(campaign, [one, two])["total"] == 2
    assert_recount_clean()

    # Erasure keeps the rows the counts need and clears the person.
    supporter_erase(supporter=ben)
    assert selectors.base(campaign, [one, two])["total"] == 2
    assert_recount_clean()


def test_an_overdue_pledge_counts_from_the_day_after_its_due_date(board):
    campaign, _districts, _members = board
    pledge = factories.ActionFactory(
        campaign=campaign, due_date=timezone.localdate() - dt.timedelta(days=1)
    )
    factories.ActionFactory(campaign=campaign, due_date=timezone.localdate())
    assert totals(campaign)["overdue"] == 1
    action_cancel(action=pledge)
    assert totals(campaign)["overdue"] == 0


def test_an_action_counts_on_the_coalitions_local_date(board):
    campaign, _districts, _members = board
    # 23:30 in Chicago on 3 March is 05:30 UTC on 4 March.
    late = dt.datetime(2026, 3, 3, 23, 30, tzinfo=CHICAGO)
    factories.ActionFactory(
        campaign=campaign, status=ActionStatus.COMPLETED, completed_at=late, created_at=late
    )
    days = set(
        Rollup.objects.filter(campaign=campaign, metric="action").values_list("day", flat=True)
    )
    assert days == {dt.date(2026, 3, 3)}
    third = DateRange(dt.date(2026, 3, 3), dt.date(2026, 3, 3))
    fourth = DateRange(dt.date(2026, 3, 4), dt.date(2026, 3, 4))
    assert selectors.pressure(campaign, third)["totals"]["completed"] == 1
    assert selectors.pressure(campaign, fourth)["totals"]["completed"] == 0


def test_the_dashboard_equals_a_count_of_the_raw_rows(board):
    campaign, (one, two), (member_one, member_two) = board
    people = [
        factories.SupporterFactory(district=(one, two, None)[i % 3], language=("en", "es")[i % 2])
        for i in range(9)
    ]
    kinds = [ActionKind.CALL, ActionKind.LETTER, ActionKind.TESTIMONY_IN_PERSON]
    for i, person in enumerate(people):
        for j, kind in enumerate(kinds[: 1 + i % 3]):
            status = (ActionStatus.PLEDGED, ActionStatus.COMPLETED, ActionStatus.CANCELLED)[
                (i + j) % 3
            ]
            factories.ActionFactory(
                supporter=person,
                campaign=campaign,
                kind=kind,
                status=status,
                target=(member_one, member_two, None)[(i + 2 * j) % 3],
            )
    pressure = selectors.pressure(campaign)
    actions = Action.objects.filter(campaign=campaign)
    assert pressure["totals"]["pledged"] == actions.filter(status="pledged").count() == 6
    assert pressure["totals"]["completed"] == actions.filter(status="completed").count() == 6
    for member in (member_one, member_two):
        row = member_row(campaign, member)
        contacts = actions.filter(target=member, status="completed")
        assert (
            row.constituent_contacts == contacts.filter(supporter__district=member.district).count()
        )
        assert row.other_contacts == contacts.exclude(supporter__district=member.district).count()
        assert row.pledged_count == actions.filter(target=member, status="pledged").count()
    base = selectors.base(campaign, [one, two])
    assert base["total"] == 9
    assert [d["n"] for d in base["by_district"]] == [3, 3]
    assert base["district_unknown"] == 3
    assert {row["value"]: row["n"] for row in base["by_language"]} == {"en": 5, "es": 4}
    organizing = selectors.organizing(campaign)
    assert (organizing.acted_none, organizing.acted_once, organizing.acted_twice) == (3, 6, 0)


def test_the_dashboard_costs_the_same_queries_for_one_action_or_sixty(board, coordinator, client):
    campaign, _districts, (member_one, _member_two) = board
    client.force_login(coordinator)
    url = f"/dashboard/{campaign.slug}/"
    factories.ActionFactory(campaign=campaign, target=member_one)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for i in range(59):
        factories.ActionFactory(
            campaign=campaign,
            target=member_one,
            status=(ActionStatus.PLEDGED, ActionStatus.COMPLETED)[i % 2],
        )
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(small) == len(large)


def test_reconcile_reports_each_difference_and_repairs_it(board, capsys):
    campaign, _districts, _members = board
    factories.ActionFactory(campaign=campaign)
    factories.ActionFactory(campaign=campaign, status=ActionStatus.COMPLETED)
    Rollup.objects.filter(
        campaign=campaign, metric="action", dimension="all", status="pledged"
    ).update(n=5)
    Rollup.objects.filter(campaign=campaign, dimension="source").delete()
    Membership.objects.filter(campaign=campaign).update(completed_actions=7)
    capsys.readouterr()

    with pytest.raises(CommandError, match="differ from the recount"):
        call_command("reconcile_rollups", "--check")
    report = capsys.readouterr().out
    assert "differences: " in report
    assert "membership counters wrong: 2" in report
    assert "stored 5, recounted 1" in report
    assert totals(campaign)["pledged"] == 5  # --check repairs nothing

    call_command("reconcile_rollups")
    assert "repaired: the rollups now equal the recount" in capsys.readouterr().out
    assert totals(campaign) == {"pledged": 1, "completed": 1, "overdue": 0, "rate": 50}
    assert reconcile().clean
    call_command("reconcile_rollups", "--check")
    assert "differences: 0; membership counters wrong: 0" in capsys.readouterr().out


def test_reconcile_of_one_campaign_leaves_the_others_alone(board):
    campaign, _districts, _members = board
    other = factories.CampaignFactory()
    factories.ActionFactory(campaign=campaign)
    factories.ActionFactory(campaign=other)
    Rollup.objects.filter(campaign=other, dimension="all").update(n=9)
    result = reconcile(campaign_id=campaign.pk, repair=True)
    assert result.clean and not result.repaired
    assert Rollup.objects.get(campaign=other, metric="action", dimension="all").n == 9
    reconcile(campaign_id=other.pk, repair=True)
    assert Rollup.objects.get(campaign=other, metric="action", dimension="all").n == 1


def test_an_unknown_campaign_is_a_clear_error():
    with pytest.raises(CommandError, match="no campaign with the slug 'nope'"):
        call_command("reconcile_rollups", "--campaign", "nope")
