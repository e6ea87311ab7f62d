import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from campaign.models import (
    Action,
    Campaign,
    ConsentEvent,
    CouncilMember,
    District,
    Hearing,
    Position,
    Stance,
    Supporter,
)
from campaign.selectors_common import current_positions

pytestmark = pytest.mark.django_db


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Campaign,
            District,
            CouncilMember,
            Supporter,
            Action,
            Stance,
            Hearing,
            ConsentEvent,
        )
    } | {"users": get_user_model().objects.count()}


def test_running_seed_demo_twice_gives_the_same_counts():
    call_command("seed_demo", stdout=io.StringIO())
    first = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first
    assert first["Supporter"] == 200
    assert first["District"] == 7
    assert first["CouncilMember"] == 7
    assert first["users"] == 3
    assert 300 <= first["Action"] <= 400


def test_the_demo_board_has_two_yes_one_no_and_four_undecided():
    call_command("seed_demo", stdout=io.StringIO())
    campaign = Campaign.objects.get(slug="parks-alcohol-ordinance")
    positions = sorted(current_positions(campaign).values())
    assert positions == sorted([Position.YES] * 2 + [Position.NO] + [Position.UNDECIDED] * 4)
    assert campaign.is_open_to_public
    assert campaign.votes_to_win == 4


def test_the_demo_logins_use_the_demo_password():
    call_command("seed_demo", stdout=io.StringIO())
    coordinator = get_user_model().objects.get(username="coordinator")
    assert coordinator.check_password("demo-password-for-tests")
    user = get_user_model().objects.get(username="viewer")
    assert list(user.groups.values_list("name", flat=True)) == ["Viewer"]
    assert user.has_perm("campaign.view_supporter") is False
