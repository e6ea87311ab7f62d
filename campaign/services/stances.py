"""Writes about the whip count."""

from django.utils import timezone

from campaign.models import Campaign, CouncilMember, Stance


def stance_record(
    *, campaign: Campaign, member: CouncilMember, position: str, note: str = "", by=None, at=None
) -> Stance:
    """Add an entry to the member's stance history; earlier entries are kept.

    Raises ValidationError when the member does not sit on the campaign's body.
    Side effects: one INSERT."""
    stance = Stance(
        campaign=campaign,
        member=member,
        position=position,
        note=note,
        recorded_by=by,
        recorded_at=at or timezone.now(),
    )
    stance.full_clean()
    stance.save()
    return stance
