"""The coordinators' daily digest carries the organizing figures: recruits of
the last 24 hours, recruiters of the last 7 days, repeat actors."""

import pytest

from campaign.messaging import render_email
from campaign.models import Message, MessageKind
from campaign.services.digest import digest_figures, digest_queue
from tests import factories
from tests.ladder.conftest import join, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def gil(ladder):
    """Signed up through Sam's link just now: the day's one new recruit."""
    gil = person("Gil", "Jones")
    join(ladder["campaign"], gil, days_ago=0, recruited_by=ladder["people"]["Sam"])
    return gil


def test_the_figures_count_the_days_recruits_the_weeks_recruiters_and_repeat_actors(ladder, gil):
    campaigns = {c["name"]: c for c in digest_figures()["campaigns"]}

    pine = campaigns["Alcohol-free county parks"]
    assert (pine["new_recruits"], pine["recruiters_this_week"], pine["repeat_actors"]) == (1, 2, 3)
    other = campaigns[ladder["other"].name]
    assert (other["new_recruits"], other["recruiters_this_week"], other["repeat_actors"]) == (
        1,
        1,
        1,
    )


def test_the_email_states_them(ladder, gil):
    factories.CoordinatorFactory(username="casey")
    digest_queue()
    message = Message.objects.get(kind=MessageKind.COORDINATOR_DIGEST)

    email = render_email(message)

    pine = email.body[email.body.index("Alcohol-free county parks") :]
    assert "New recruits (signed up through a supporter's share link): 1\n" in pine
    assert "Recruiters this week (brought someone in the last 7 days): 2\n" in pine
    assert "Repeat actors (2 or more completed actions): 3\n" in pine
    assert "Repeat actors (2 or more completed actions): 3</li>" in email.alternatives[0][0]
