"""Reads shared by the public page, the dashboard and the demo.

A member's *current stance* on a campaign is their latest Stance row (the
history is only ever added to), as of now or, for a dashboard date range, as
of just before `before`. `_stances_latest_first` is the one definition; every
page reads it through the helpers below.
"""

import datetime as dt

from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from campaign.models import Campaign, CouncilMember, Position, Stance


def _stances_latest_first(*, campaign, member, before: dt.datetime | None = None) -> QuerySet:
    """A member's stances on a campaign (recorded before `before`, when given),
    latest first: the first is the current stance. Of two recorded at the same
    moment, the one added last wins. `campaign` and `member` are ids or
    OuterRefs. The (campaign, member, -recorded_at) index serves it."""
    stances = Stance.objects.filter(campaign_id=campaign, member_id=member)
    if before is not None:
        stances = stances.filter(recorded_at__lt=before)
    return stances.order_by("-recorded_at", "-id")


def latest_stance_subquery(
    campaign_id, field: str = "position", *, before: dt.datetime | None = None
) -> Subquery:
    """For annotating CouncilMember rows with a field of their current stance
    on a campaign (None when none was recorded)."""
    latest = _stances_latest_first(campaign=campaign_id, member=OuterRef("pk"), before=before)
    return Subquery(latest.values(field)[:1])


def latest_stances(*, before: dt.datetime | None = None) -> QuerySet:
    """The Stance rows that are their member's current stance on their
    campaign: for counting positions across campaigns in one query."""
    latest = _stances_latest_first(
        campaign=OuterRef("campaign_id"), member=OuterRef("member_id"), before=before
    )
    return Stance.objects.filter(pk=Subquery(latest.values("pk")[:1]))


def members_with_stance(campaign: Campaign, *, before: dt.datetime | None = None) -> QuerySet:
    """The active members of the campaign's body, each with `position` (unknown
    when none was recorded) and `stance_at` (when it was recorded, or None)."""
    return (
        CouncilMember.objects.active()
        .filter(body_id=campaign.decision_body_id)
        .annotate(
            position=Coalesce(
                latest_stance_subquery(campaign.pk, before=before), Value(Position.UNKNOWN)
            ),
            stance_at=latest_stance_subquery(campaign.pk, "recorded_at", before=before),
        )
    )


def current_positions(campaign: Campaign, *, before: dt.datetime | None = None) -> dict[int, str]:
    """Member id -> current position (unknown when never recorded), active
    members only, in one query."""
    return dict(members_with_stance(campaign, before=before).values_list("pk", "position"))
