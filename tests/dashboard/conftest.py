"""Known data for the dashboard tests (on top of the `pine_county` fixture).

Members: M1 (district 1), M2 (district 2), M3 (district 3); 7 seats, 4 votes
needed. Supporters s1..s5 act in the campaign; s6 only in another campaign.

Expected figures (all dates):
- M1: 2 constituent contacts (s1 call, s2 letter), 2 other (s3 call, s5 email
  40 days ago), 0 pledged, 4 completed; current stance undecided (was yes).
- M2: no contacts, 1 pledged (s1 meeting); leaning yes.
- M3: 1 constituent contact (s4 call); yes.
- Votes: 1 of 4 secured, 2 with leaning yes. Focus: M2 (0) then M1 (2).
- Actions: 7 completed, 3 pledged (one overdue: s2 testify), 1 cancelled.
"""

import datetime as dt

import pytest
from django.utils import timezone

from campaign.models import (
    Action,
    ActionKind,
    ActionStatus,
    Language,
    Membership,
    Message,
    MessageKind,
    MessageStatus,
    Position,
    Sector,
    Supporter,
)
from tests import factories

COMPLETED = ActionStatus.COMPLETED
PLEDGED = ActionStatus.PLEDGED


@pytest.fixture
def other_user(db):
    """Signed in, but in no group: no dashboard access."""
    return factories.UserFactory(username="stranger", is_staff=False)


@pytest.fixture
def seeded(pine_county):
    campaign = pine_county["campaign"]
    d1, d2, d3 = pine_county["districts"]
    m1, m2, m3 = pine_county["members"]
    hearing = factories.HearingFactory(campaign=campaign)
    now = timezone.now()

    def supporter(n, district, **extra):
        return factories.SupporterFactory(
            first_name=f"Zelda{n}",
            last_name=f"Quixote{n}",
            email=f"seeded{n}@example.org",
            phone=f"+1612555{n:04d}",
            district=district,
            street_address=f"{n} Secret Lane",
            **extra,
        )

    s1 = supporter(1, d1, zip_code="55007", sector=Sector.YOUTH, language=Language.SPANISH)
    s2 = supporter(2, d1, zip_code="55007", sector=Sector.PARENTS)
    s3 = supporter(3, d2, zip_code="55030", language=Language.SPANISH)
    s4 = supporter(4, d3, zip_code="55072")
    s5 = supporter(5, None, zip_code="55063")
    s6 = supporter(6, d1, zip_code="55007")

    def act(s, kind, status, target=None, **extra):
        return factories.ActionFactory(
            campaign=campaign, supporter=s, kind=kind, status=status, target=target, **extra
        )

    act(s1, ActionKind.CALL, COMPLETED, m1)
    act(s2, ActionKind.LETTER, COMPLETED, m1)
    act(s3, ActionKind.CALL, COMPLETED, m1)
    old_email = act(s5, ActionKind.EMAIL, COMPLETED, m1)
    act(s4, ActionKind.CALL, COMPLETED, m3)
    act(s1, ActionKind.MEETING, PLEDGED, m2)
    overdue = act(
        s2,
        ActionKind.TESTIMONY_IN_PERSON,
        PLEDGED,
        hearing=hearing,
        due_date=timezone.localdate() - dt.timedelta(days=3),
    )
    act(s3, ActionKind.WRITTEN_TESTIMONY, COMPLETED, hearing=hearing)
    act(
        s4,
        ActionKind.ATTEND_HEARING,
        PLEDGED,
        hearing=hearing,
        due_date=timezone.localdate() + dt.timedelta(days=30),
    )
    act(s1, ActionKind.PETITION, COMPLETED)
    act(s2, ActionKind.CALL, ActionStatus.CANCELLED, m2)

    # Long ago: outside a "last week" filter.
    long_ago = now - dt.timedelta(days=40)
    Action.objects.filter(pk=old_email.pk).update(
        completed_at=long_ago, created_at=long_ago - dt.timedelta(days=1)
    )
    Supporter.objects.filter(pk=s5.pk).update(created_at=long_ago - dt.timedelta(days=1))
    # s5 joined the base with that first action.
    Membership.objects.filter(supporter=s5).update(joined_at=long_ago - dt.timedelta(days=1))

    other = factories.CampaignFactory(decision_body=pine_county["body"], slug="other-campaign")
    factories.ActionFactory(
        campaign=other, supporter=s6, kind=ActionKind.CALL, status=COMPLETED, target=m1
    )

    factories.StanceFactory(
        campaign=campaign, member=m1, position=Position.YES, recorded_at=now - dt.timedelta(days=10)
    )
    factories.StanceFactory(
        campaign=campaign,
        member=m1,
        position=Position.UNDECIDED,
        note="Worried about enforcement",
        recorded_at=now - dt.timedelta(days=1),
    )
    factories.StanceFactory(
        campaign=campaign, member=m2, position=Position.LEANING_YES, recorded_at=now
    )
    factories.StanceFactory(campaign=campaign, member=m3, position=Position.YES, recorded_at=now)
    factories.StanceFactory(campaign=other, member=m2, position=Position.YES, recorded_at=now)

    def message(n, status, claimed_minutes_ago=None):
        Message.objects.create(
            supporter=s1,
            campaign=campaign,
            channel="email",
            kind=MessageKind.PLEDGE_FOLLOWUP,
            scheduled_for=now,
            status=status,
            dedupe_key=f"test:{n}",
            claimed_at=(
                now - dt.timedelta(minutes=claimed_minutes_ago)
                if claimed_minutes_ago is not None
                else None
            ),
        )

    message(1, MessageStatus.PENDING)
    message(2, MessageStatus.PENDING)
    message(3, MessageStatus.SENT)
    message(4, MessageStatus.FAILED)
    message(5, MessageStatus.SENDING, claimed_minutes_ago=20)
    message(6, MessageStatus.SENDING, claimed_minutes_ago=2)

    return {
        **pine_county,
        "hearing": hearing,
        "supporters": [s1, s2, s3, s4, s5, s6],
        "overdue": overdue,
        "other": other,
        "long_ago": long_ago,
    }
