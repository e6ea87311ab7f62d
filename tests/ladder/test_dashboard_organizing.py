"""The campaign dashboard's Organizing section on the crafted base of
conftest.py: the figures for everyone, recruiters' names for coordinators
only."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.ladder.conftest import act, join, person

pytestmark = pytest.mark.django_db

URL = "/dashboard/parks-alcohol-ordinance/"
NAMES = ("Rosa", "Alvarez", "Sam", "Brooks")


def figures(body: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="([\w-]+)">(\d+)<', body))


def section(body: str) -> str:
    start = body.index('id="organizing-section"')
    return body[start : body.index("</section>", start)]


def test_the_coordinator_sees_the_figures_and_the_top_recruiters(client, coordinator, ladder):
    client.force_login(coordinator)

    body = section(client.get(URL).content.decode())

    assert {
        key: value
        for key, value in figures(body).items()
        if key.startswith(("recruit", "new-", "depth", "repeat"))
    } == {
        "recruiters": "2",
        "recruited": "4",
        "recruited-actions": "6",
        "recruiters-recent": "2",
        "new-recruiters-recent": "1",
        "depth-0": "2",
        "depth-1": "2",
        "depth-2": "2",
        "depth-3": "1",
        "repeat-actors": "3",
    }
    assert re.findall(r"<li>([^<]+)</li>", body) == ["Rosa Alvarez: 2", "Sam Brooks: 2"]


def test_the_reading_says_it_in_plain_words(client, coordinator, ladder):
    client.force_login(coordinator)

    body = client.get(URL).content.decode()

    assert re.search(r'id="organizing-reading">([^<]+)<', body).group(1) == (
        "Organizing or mobilizing? 3 people acted more than once; "
        "2 recruited someone in the last 7 days."
    )


def test_a_viewer_sees_the_same_figures_and_no_name(client, viewer, coordinator, ladder):
    client.force_login(coordinator)
    coordinators = figures(client.get(URL).content.decode())
    client.force_login(viewer)

    body = client.get(URL).content.decode()

    assert figures(body) == coordinators
    for name in NAMES:
        assert name not in body
    assert "Names are shown to coordinators only." in section(body)


def _count(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    return len(captured)


@pytest.mark.parametrize("user", ["coordinator", "viewer"])
def test_more_recruiters_and_actions_cost_no_query(client, ladder, user, request):
    client.force_login(request.getfixturevalue(user))
    before = _count(client)
    campaign = ladder["campaign"]
    for n in range(8):
        recruiter = person(f"Extra{n}", f"Recruiter{n}")
        join(campaign, recruiter, days_ago=n)
        recruit = person(f"Recruit{n}", "Added")
        join(campaign, recruit, days_ago=n, recruited_by=recruiter)
        act(campaign, recruit, n % 4)

    assert _count(client) == before
