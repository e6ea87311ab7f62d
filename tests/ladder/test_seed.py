"""The demo shows the ladder: seed_demo signs eight people up through four
supporters' share links (through the intake core)."""

import io

import pytest
from django.core.management import call_command

from campaign import selectors
from campaign.models import Campaign, Membership

pytestmark = pytest.mark.django_db


def test_the_demo_has_recruiters_recent_ones_and_recruits_who_act():
    call_command("seed_demo", stdout=io.StringIO())
    campaign = Campaign.objects.get(slug="parks-alcohol-ordinance")

    figures = selectors.organizing(campaign, with_names=True)

    assert (figures.recruiters, figures.recruited) == (4, 8)
    assert (figures.recruiters_recent, figures.new_recruiters_recent) == (4, 1)
    assert figures.recruited_actions > 0
    assert figures.repeat_actors > 0
    assert [n for _name, n in figures.top_recruiters] == [3, 2, 2, 1]


def test_a_second_run_credits_nobody_new():
    call_command("seed_demo", stdout=io.StringIO())
    first = list(Membership.objects.values_list("supporter_id", "recruited_by_id").order_by("pk"))

    call_command("seed_demo", stdout=io.StringIO())

    assert (
        list(Membership.objects.values_list("supporter_id", "recruited_by_id").order_by("pk"))
        == first
    )
