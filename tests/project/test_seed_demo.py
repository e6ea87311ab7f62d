import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from campaign.models import (
    HEARING_KINDS,
    Action,
    ActionKind,
    ActionStatus,
    Campaign,
    ConsentEvent,
    CouncilMember,
    District,
    Hearing,
    Membership,
    Message,
    MessageKind,
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
            Membership,
            Message,
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


def test_every_seeded_person_is_in_the_campaigns_base():
    call_command("seed_demo", stdout=io.StringIO())
    campaign = Campaign.objects.get(slug="parks-alcohol-ordinance")
    members = set(
        Membership.objects.filter(campaign=campaign).values_list("supporter_id", flat=True)
    )
    acting = set(Action.objects.filter(campaign=campaign).values_list("supporter_id", flat=True))
    assert acting <= members
    assert len(members) == Supporter.objects.count() == 200


def test_the_demo_has_a_work_session_before_the_public_hearing():
    call_command("seed_demo", stdout=io.StringIO())
    session, hearing = Hearing.objects.filter(campaign__slug="parks-alcohol-ordinance")
    assert "work session" in session.title.lower()
    assert hearing.starts_at - session.starts_at >= dt.timedelta(days=6)
    assert Action.objects.filter(hearing=session).exists()
    assert Action.objects.filter(hearing=hearing).exists()


def test_nobody_has_testified_in_person_or_attended_a_hearing_that_has_not_happened():
    call_command("seed_demo", stdout=io.StringIO())
    assert not Action.objects.filter(
        kind__in=(ActionKind.TESTIMONY_IN_PERSON, ActionKind.ATTEND_HEARING),
        status=ActionStatus.COMPLETED,
        hearing__starts_at__gt=timezone.now(),
    ).exists()
    assert not Action.objects.filter(kind__in=HEARING_KINDS, hearing__isnull=True).exists()


def test_seeded_hearing_pledgers_get_their_reminders():
    call_command("seed_demo", stdout=io.StringIO())
    pledges = Action.objects.filter(
        kind__in=HEARING_KINDS,
        status=ActionStatus.PLEDGED,
        supporter__email_consent_at__isnull=False,
    ).values_list("supporter_id", "hearing_id")
    assert pledges
    reminded = set(
        Message.objects.filter(kind=MessageKind.HEARING_24H, channel="email").values_list(
            "supporter_id", "hearing_id"
        )
    )
    assert set(pledges) <= reminded
    followups = Message.objects.filter(kind=MessageKind.PLEDGE_FOLLOWUP)
    assert followups.exists()
