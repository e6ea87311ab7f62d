"""selectors.organizing on the crafted base of conftest.py: exact figures."""

import datetime as dt

import pytest
from django.utils import timezone

from campaign import selectors
from campaign.selectors import DateRange, Organizing

pytestmark = pytest.mark.django_db


def test_it_counts_recruiting_and_depth_over_all_dates(ladder):
    figures = selectors.organizing(ladder["campaign"], with_names=True)

    assert figures == Organizing(
        recruiters=2,
        recruited=4,
        recruited_actions=6,
        base=7,
        acted_none=2,
        acted_once=2,
        acted_twice=2,
        acted_three_plus=1,
        repeat_actors=3,
        recruiters_recent=2,
        new_recruiters_recent=1,
        top_recruiters=[("Rosa Alvarez", 2), ("Sam Brooks", 2)],
    )


def test_it_reads_no_name_without_with_names(ladder, django_assert_num_queries):
    with django_assert_num_queries(2) as captured:
        figures = selectors.organizing(ladder["campaign"])

    assert figures.top_recruiters == []
    assert all("first_name" not in query["sql"] for query in captured.captured_queries)


def test_it_keeps_recruits_who_joined_inside_the_range(ladder):
    today = timezone.localdate()
    last_week = DateRange(start=today - dt.timedelta(days=5), end=today)

    figures = selectors.organizing(ladder["campaign"], last_week, with_names=True)

    # Ann, Bo and Fay joined inside it; Cy (20 days ago) did not. Every
    # action was completed today, so depth is unchanged.
    assert (figures.recruiters, figures.recruited, figures.recruited_actions) == (2, 3, 6)
    assert figures.top_recruiters == [("Rosa Alvarez", 2), ("Sam Brooks", 1)]
    assert (figures.acted_once, figures.acted_twice, figures.repeat_actors) == (2, 2, 3)


def test_a_range_before_the_actions_leaves_everyone_at_none(ladder):
    long_ago = DateRange(start=dt.date(2020, 1, 1), end=dt.date(2020, 12, 31))

    figures = selectors.organizing(ladder["campaign"], long_ago)

    assert (figures.acted_none, figures.repeat_actors, figures.recruited) == (7, 0, 0)
    # The last-7-days figures ignore the range.
    assert (figures.recruiters_recent, figures.new_recruiters_recent) == (2, 1)


def test_the_other_campaign_counts_only_its_own(ladder):
    figures = selectors.organizing(ladder["other"], with_names=True)

    assert (figures.base, figures.recruiters, figures.recruited) == (2, 1, 1)
    assert (figures.recruited_actions, figures.acted_three_plus) == (4, 1)
    assert figures.top_recruiters == [("Rosa Alvarez", 1)]
