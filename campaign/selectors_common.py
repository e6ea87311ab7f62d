"""Reads shared by the public page, the dashboard and the demo."""

from django.db.models import OuterRef, Subquery

from campaign.models import Campaign, CouncilMember, Position, Stance


def latest_stance_subquery(campaign_id, field: str = "position") -> Subquery:
    """For annotating CouncilMember rows with their latest stance on a campaign."""
    latest = Stance.objects.filter(campaign_id=campaign_id, member_id=OuterRef("pk")).order_by(
        "-recorded_at", "-id"
    )
    return Subquery(latest.values(field)[:1])


def current_positions(campaign: Campaign) -> dict[int, str]:
    """Member id -> current position (unknown when never recorded), in one query."""
    rows = (
        CouncilMember.objects.filter(body_id=campaign.decision_body_id, active=True)
        .annotate(position=latest_stance_subquery(campaign.pk))
        .values_list("pk", "position")
    )
    return {pk: position or Position.UNKNOWN for pk, position in rows}
