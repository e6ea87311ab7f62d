"""The campaign page shows the figures in the database, exactly."""

import datetime as dt

import pytest
from django.utils import timezone

from campaign.models import IN_FLIGHT, Message
from campaign.selectors import week_start

pytestmark = pytest.mark.django_db


def _get(client, user, slug="parks-alcohol-ordinance", query=""):
    client.force_login(user)
    response = client.get(f"/dashboard/{slug}/{query}")
    assert response.status_code == 200
    return response


def _members(response):
    return {m.name: m for m in response.context["whip"].members}


def test_it_splits_contacts_into_constituents_and_others(client, coordinator, seeded):
    members = _members(_get(client, coordinator))
    m1, m2, m3 = members["Member 1"], members["Member 2"], members["Member 3"]
    assert (m1.constituent_contacts, m1.other_contacts) == (2, 2)
    assert (m2.constituent_contacts, m2.other_contacts) == (0, 0)
    assert (m3.constituent_contacts, m3.other_contacts) == (1, 0)


def test_it_counts_pledged_and_completed_per_member(client, coordinator, seeded):
    members = _members(_get(client, coordinator))
    assert (members["Member 1"].pledged_count, members["Member 1"].completed_count) == (0, 4)
    assert (members["Member 2"].pledged_count, members["Member 2"].completed_count) == (1, 0)
    assert (members["Member 3"].pledged_count, members["Member 3"].completed_count) == (0, 1)


def test_it_shows_the_latest_stance_and_its_history(client, coordinator, seeded):
    response = _get(client, coordinator)
    m1 = _members(response)["Member 1"]
    assert m1.position == "undecided"
    assert [s.position for s in m1.history] == ["undecided", "yes"]
    assert "Worried about enforcement" in response.content.decode()
    assert 'class="badge stance-leaning_yes"' in response.content.decode()


def test_it_shows_votes_secured_against_votes_needed(client, coordinator, seeded):
    response = _get(client, coordinator)
    whip = response.context["whip"]
    assert (whip.secured, whip.secured_with_leaning, whip.votes_needed) == (1, 2, 4)
    html = response.content.decode()
    assert "1 of 4 votes" in html
    assert "2 of 4 with leaning yes" in html


def test_the_focus_list_puts_fewest_constituent_contacts_first(client, coordinator, seeded):
    focus = _get(client, coordinator).context["whip"].focus
    assert [m.name for m in focus] == ["Member 2", "Member 1"]


def test_it_counts_actions_by_kind_with_completion_rate(client, coordinator, seeded):
    pressure = _get(client, coordinator).context["pressure"]
    rows = {
        r["kind"]: (r["pledged"], r["completed"], r["rate"], r["overdue"])
        for r in pressure["by_kind"]
    }
    assert rows == {
        "call": (0, 3, 100, 0),
        "letter": (0, 1, 100, 0),
        "email": (0, 1, 100, 0),
        "meeting": (1, 0, 0, 0),
        "testify": (1, 0, 0, 1),
        "written_testimony": (0, 1, 100, 0),
        "attend": (1, 0, 0, 0),
        "petition": (0, 1, 100, 0),
    }
    assert pressure["totals"] == {"pledged": 3, "completed": 7, "overdue": 1, "rate": 70}


def test_it_lists_overdue_pledges_with_the_phone(client, coordinator, seeded):
    response = _get(client, coordinator)
    assert [a.pk for a in response.context["overdue"]] == [seeded["overdue"].pk]
    assert 'href="tel:+16125550002"' in response.content.decode()


def test_it_charts_completed_actions_per_week_with_a_table(client, coordinator, seeded):
    response = _get(client, coordinator)
    weekly = response.context["pressure"]["weekly"]
    this_week = week_start(timezone.localdate())
    first_week = week_start(timezone.localtime(seeded["long_ago"]).date())
    assert weekly[0] == {"week": first_week, "n": 1}
    assert weekly[-1] == {"week": this_week, "n": 6}
    assert len(weekly) == (this_week - first_week).days // 7 + 1
    assert sum(row["n"] for row in weekly) == 7
    html = response.content.decode()
    assert "<svg" in html
    assert f'data-week="{this_week.isoformat()}">6<' in html


def test_it_counts_the_base_by_district_sector_and_language(client, coordinator, seeded):
    base = _get(client, coordinator).context["base"]
    assert base["total"] == 5
    assert [row["n"] for row in base["by_district"]] == [2, 1, 1]
    assert base["district_unknown"] == 1
    sectors = {row["value"]: row["n"] for row in base["by_sector"]}
    assert len(sectors) == 12
    assert sectors["youth"] == 1 and sectors["parents"] == 1
    assert base["sector_gaps"] == 10
    assert base["sector_none"] == 3
    assert {row["value"]: row["n"] for row in base["by_language"]} == {"en": 3, "es": 2}


def test_it_highlights_empty_sectors_as_gaps(client, coordinator, seeded):
    html = _get(client, coordinator).content.decode()
    assert html.count('class="table-warning sector-gap"') == 10


def test_it_summarises_the_hearing_roster(client, coordinator, seeded):
    summary = {
        r["kind"]: (r["total"], r["confirmed"], r["spanish"])
        for r in _get(client, coordinator).context["roster_summary"]
    }
    assert summary == {"testify": (1, 0, 0), "written_testimony": (1, 1, 1), "attend": (1, 0, 0)}


def test_it_counts_the_outbox_with_messages_in_doubt(client, coordinator, seeded):
    # Claimed 20 and 2 minutes ago, their sends never started: not in doubt
    # (the dispatcher releases them). A send started, no result: in doubt.
    Message.objects.filter(dedupe_key="test:6").update(last_error=f"{IN_FLIGHT} 09:00")
    response = _get(client, coordinator)
    outbox = response.context["outbox"]
    assert (outbox["pending"], outbox["sent"], outbox["failed"], outbox["in_doubt"]) == (2, 1, 1, 1)
    assert "/admin/campaign/message/?in_doubt=yes&amp;campaign__id__exact=" in (
        response.content.decode()
    )


def test_the_date_range_applies_to_every_number(client, coordinator, seeded):
    today = timezone.localdate()
    start = (today - dt.timedelta(days=7)).isoformat()
    response = _get(client, coordinator, query=f"?from={start}&to={today.isoformat()}")
    m1 = _members(response)["Member 1"]
    # The email 40 days ago drops out: one "other" contact fewer.
    assert (m1.constituent_contacts, m1.other_contacts) == (2, 1)
    assert response.context["pressure"]["totals"]["completed"] == 6
    assert response.context["base"]["total"] == 4
    assert response.context["pressure"]["weekly"][-1]["n"] == 6
    assert sum(r["n"] for r in response.context["pressure"]["weekly"]) == 6


def test_the_date_range_shows_stances_as_of_its_end(client, coordinator, seeded):
    end = (timezone.localdate() - dt.timedelta(days=5)).isoformat()
    response = _get(client, coordinator, query=f"?to={end}")
    whip = response.context["whip"]
    positions = {m.name: m.position for m in whip.members}
    assert positions == {"Member 1": "yes", "Member 2": "unknown", "Member 3": "unknown"}
    assert whip.secured == 1


def test_malformed_dates_are_reported_and_ignored(client, coordinator, seeded):
    response = _get(client, coordinator, query="?from=2025-13-45&to=yesterday")
    assert "was not understood" in response.content.decode()
    assert response.context["pressure"]["totals"]["completed"] == 7


def test_a_start_after_the_end_is_reported_and_ignored(client, coordinator, seeded):
    response = _get(client, coordinator, query="?from=2025-02-01&to=2025-01-01")
    assert "start date is after the end date" in response.content.decode()
    assert response.context["base"]["total"] == 5


def test_an_unknown_campaign_is_a_404(client, coordinator, seeded):
    client.force_login(coordinator)
    assert client.get("/dashboard/no-such-campaign/").status_code == 404


def test_the_index_shows_headline_numbers(client, coordinator, seeded):
    client.force_login(coordinator)
    response = client.get("/dashboard/")
    by_slug = {c.slug: c for c in response.context["campaigns"]}
    main = by_slug["parks-alcohol-ordinance"]
    assert (main.supporter_count, main.pledged_count, main.completed_count) == (5, 3, 7)
    assert main.secured_count == 1
    assert by_slug["other-campaign"].secured_count == 1
    assert "1 of 4 votes" in response.content.decode()


def test_the_overdue_phone_column_shows_a_phone_or_nothing(client, coordinator, seeded):
    # The overdue pledger has no phone: their email must not stand in for one.
    s2 = seeded["supporters"][1]
    s2.phone = None
    s2.save()
    html = _get(client, coordinator).content.decode()
    table = html[
        html.index('id="overdue-table"') : html.index("</table>", html.index('id="overdue-table"'))
    ]
    assert "Zelda2 Quixote2" in table
    assert "seeded2@example.org" not in table
    assert "tel:" not in table
