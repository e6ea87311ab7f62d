"""Streamed CSV exports."""

import csv
import datetime as dt
import io

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from campaign.exports import neutralise
from tests import factories

pytestmark = pytest.mark.django_db

BASE = "/dashboard/parks-alcohol-ordinance/export/"


def _rows(response):
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1612", "'+1612"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Maria", "Maria"),
        (None, ""),
        (7, "7"),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_neutralised(value, expected):
    assert neutralise(value) == expected


def test_the_supporter_export_is_streamed_with_the_base(client, coordinator, seeded):
    client.force_login(coordinator)
    response = client.get(BASE + "supporters.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = _rows(response)
    assert [r["email"] for r in rows] == [f"seeded{n}@example.org" for n in range(1, 6)]
    assert rows[0]["phone"] == "'+16125550001"
    assert rows[0]["language"] == "Español"


def test_a_formula_in_a_name_is_neutralised(client, coordinator, seeded):
    s1 = seeded["supporters"][0]
    s1.first_name = '=HYPERLINK("http://evil.example","click")'
    s1.save()
    client.force_login(coordinator)
    rows = _rows(client.get(BASE + "supporters.csv"))
    assert rows[0]["first_name"] == '\'=HYPERLINK("http://evil.example","click")'


def test_the_exports_follow_the_date_filter(client, coordinator, seeded):
    client.force_login(coordinator)
    today = timezone.localdate()
    query = f"?from={(today - dt.timedelta(days=7)).isoformat()}&to={today.isoformat()}"
    assert len(_rows(client.get(BASE + "supporters.csv" + query))) == 4
    assert len(_rows(client.get(BASE + "actions.csv" + query))) == 10
    assert len(_rows(client.get(BASE + "actions.csv"))) == 11


def test_the_action_export_names_supporters_for_coordinators(client, coordinator, seeded):
    client.force_login(coordinator)
    rows = _rows(client.get(BASE + "actions.csv"))
    assert {"email", "phone", "first_name", "outcome_note"} <= set(rows[0])
    assert {r["kind"] for r in rows} >= {"Call", "Letter", "Testimony in person"}


def test_viewers_export_counts_not_one_row_per_action(client, viewer, seeded):
    """Hole 6 of the privacy issue: viewers are promised aggregates only."""
    client.force_login(viewer)
    rows = _rows(client.get(BASE + "actions.csv"))
    assert list(rows[0]) == ["date", "kind", "status", "supporter_district", "target", "actions"]
    assert sum(int(row["actions"]) for row in rows) == 11
    assert not {"id", "email", "phone", "first_name", "last_name", "outcome_note"} & set(rows[0])


def test_the_viewers_summary_counts_each_group_exactly(client, viewer, pine_county):
    campaign = pine_county["campaign"]
    district = pine_county["districts"][0]
    member = pine_county["members"][0]
    day = timezone.make_aware(dt.datetime(2026, 3, 2, 15, 0))
    for n in range(3):
        factories.ActionFactory(
            campaign=campaign,
            supporter=factories.SupporterFactory(district=district),
            kind="call",
            status="completed",
            completed_at=day + dt.timedelta(minutes=n),
            target=member,
        )
    factories.ActionFactory(campaign=campaign, kind="letter", status="pledged")
    client.force_login(viewer)
    rows = _rows(client.get(BASE + "actions.csv"))
    completed = [row for row in rows if row["kind"] == "Call"]
    assert completed == [
        {
            "date": "2026-03-02",
            "kind": "Call",
            "status": "Completed",
            "supporter_district": district.name,
            "target": member.name,
            "actions": "3",
        }
    ]
    assert [row["actions"] for row in rows if row["kind"] == "Letter"] == ["1"]


def test_other_campaigns_actions_are_not_exported(client, coordinator, seeded):
    factories.ActionFactory(campaign=seeded["other"], kind="letter")
    client.force_login(coordinator)
    assert len(_rows(client.get(BASE + "actions.csv"))) == 11
