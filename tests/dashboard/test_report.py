"""The board's and funders' report: plain words, charts with labelled axes,
no operations jargon. Figures from the `seeded` fixture (conftest)."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from campaign.selectors import week_start
from campaign.views.dashboard import bar_chart

SLUG = "parks-alcohol-ordinance"
URL = f"/dashboard/{SLUG}/report/"


@pytest.fixture
def report(client, viewer, seeded):
    client.force_login(viewer)
    return client.get(URL).content.decode()


def _svg(body: str, chart_id: str) -> str:
    return re.search(
        rf'<svg[^>]*aria-labelledby="{chart_id}-title {chart_id}-desc".*?</svg>', body, re.S
    ).group(0)


def test_it_says_the_votes_in_plain_words(report):
    assert "Secured: 1 of the 4 votes needed; leaning yes: 1 more." in report


def test_it_says_what_supporters_did_in_plain_words(report):
    assert "7 actions done; 3 more promised." in report
    assert "5 supporters. 10 of the 12 community sectors not yet represented." in report


def test_a_viewer_reads_no_operations_words(report):
    text = re.sub(r"<[^>]*>", " ", report).lower()
    for jargon in ("outbox", "in doubt", "pledged", "overdue", "suppressed"):
        assert jargon not in text


def test_its_charts_have_axis_titles_dates_and_value_ticks(report):
    svg = _svg(report, "report-actions-weekly")
    assert 'role="img"' in svg
    assert '<title id="report-actions-weekly-title">Actions done per week</title>' in svg
    assert re.search(r"<desc [^>]*>Weeks from .+ to .+\. Highest week: 6, the week of", svg)
    assert re.findall(r'class="x-title"[^>]*>([^<]*)<', svg) == ["Week starting"]
    assert re.findall(r'class="y-title"[^>]*>([^<]*)<', svg) == ["Actions"]
    this_week = week_start(timezone.localdate())
    dates = re.findall(r'class="x-date"[^>]*>([^<]*)<', svg)
    assert dates[-1] == this_week.strftime("%b ") + str(this_week.day)
    assert len(dates) >= 2
    # Value ticks from zero to the top of the scale, in steps of 2.
    assert re.findall(r'dominant-baseline="middle"[^>]*>(\d+)<', svg) == ["0", "2", "4", "6"]
    # The table fallback gives every week.
    assert f'data-week="{this_week.isoformat()}">6<' in report


def test_the_base_chart_counts_people(report):
    svg = _svg(report, "report-base-weekly")
    assert re.findall(r'class="y-title"[^>]*>([^<]*)<', svg) == ["People"]


def test_bar_chart_labels_at_most_four_dates_the_first_and_last_included():
    weeks = [dt.date(2031, 1, 6) + dt.timedelta(weeks=i) for i in range(10)]
    chart = bar_chart([{"week": w, "n": i % 8} for i, w in enumerate(weeks)], y_title="Actions")
    assert [d["week"] for d in chart["dates"]] == [weeks[0], weeks[3], weeks[6], weeks[9]]
    assert [t["value"] for t in chart["ticks"]] == [0, 2, 4, 6, 8]
    assert chart["max"] == 7
    assert (chart["first_week"], chart["last_week"], chart["highest_week"]) == (
        weeks[0],
        weeks[9],
        weeks[7],
    )


def test_bar_chart_of_one_week_labels_it_once():
    chart = bar_chart([{"week": dt.date(2031, 1, 6), "n": 0}])
    assert [d["week"] for d in chart["dates"]] == [dt.date(2031, 1, 6)]
    assert [t["value"] for t in chart["ticks"]] == [0, 1]


def test_bar_chart_keeps_bars_inside_the_plot():
    chart = bar_chart([{"week": dt.date(2031, 1, 6), "n": n} for n in (0, 40, 3)])
    assert [t["value"] for t in chart["ticks"]] == [0, 10, 20, 30, 40]
    tallest = chart["bars"][1]
    assert tallest["y"] == chart["ticks"][-1]["y"]
    assert all(
        bar["x"] >= chart["left"] and bar["x"] + bar["width"] <= chart["right"]
        for bar in chart["bars"]
    )


def test_it_is_in_spanish_for_a_spanish_reader(client, viewer, seeded):
    client.force_login(viewer)
    client.cookies["django_language"] = "es"
    body = client.get(URL).content.decode()
    assert "Asegurados: 1 de los 4 votos necesarios; inclinados a favor: 1 más." in body
    assert "Semana que empieza" in body
