"""Reads for the public pages. Only totals leave this module for /c/ pages:
no supporter's name, email or phone is ever part of a public figure."""

from dataclasses import dataclass, field

from django.db.models import Count
from django.http import Http404
from django.utils import timezone

from campaign import public_cache
from campaign.models import (
    SECURED_POSITIONS,
    TESTIMONY_KINDS,
    Action,
    ActionKind,
    ActionStatus,
    Campaign,
    CampaignStatus,
    CouncilMember,
    Hearing,
    Membership,
    Supporter,
)
from campaign.selectors_common import current_positions
from campaign.services.intake import place_map


@dataclass(frozen=True)
class PublicProgress:
    supporters: int
    testimonies_pledged: int
    votes_secured: int
    votes_needed: int
    # (label, count) for each kind with at least one completed action.
    completed_by_kind: list[tuple[str, int]] = field(default_factory=list)

    @property
    def completed_total(self) -> int:
        return sum(count for _, count in self.completed_by_kind)


def campaign_public_get(*, slug: str) -> Campaign:
    """The campaign behind a public page (with its decision body), or 404 for
    drafts, private or closed ones. No query once cached (public_cache): a
    hearing-night surge reads the same campaign on every sign-up."""
    if len(slug) > Campaign._meta.get_field("slug").max_length:
        raise Http404("No such public campaign.")
    campaign = public_cache.cached(
        f"public-cache:campaign:{slug}",
        lambda: Campaign.objects.public().select_related("decision_body").filter(slug=slug).first(),
    )
    if campaign is None:
        raise Http404("No such public campaign.")
    return campaign


def campaigns_public_list() -> list[Campaign]:
    """The campaigns the landing page (/) lists: active and public, newest
    first. One query."""
    return list(Campaign.objects.public().order_by("-created_at", "-id"))


def campaign_next_hearing(*, campaign: Campaign) -> Hearing | None:
    return Hearing.objects.upcoming().filter(campaign=campaign).first()


def campaign_current_positions(*, campaign: Campaign) -> dict[int, str]:
    """member id -> current position (unknown when never recorded), active
    members only: the dashboard's definition (selectors_common)."""
    return current_positions(campaign)


def campaign_public_progress(*, campaign: Campaign) -> PublicProgress | None:
    """Aggregate figures for the public page, or None while the base is smaller
    than the campaign's `public_counts_from`: a new campaign's page shows no
    numbers at all (a counter reading 3 discourages more than it invites).

    Supporters: the campaign's base (campaign.Membership: signed up, imported
    or acted), as on the dashboard. Testimonies pledged: in-person and written testimony pledges not
    cancelled (completed ones included). Votes secured: members whose current
    stance is champion or yes."""
    supporters = Membership.objects.filter(campaign=campaign).count()
    if supporters < campaign.public_counts_from:
        return None
    counts = dict(
        Action.objects.filter(campaign=campaign, status=ActionStatus.COMPLETED)
        .values_list("kind")
        .annotate(n=Count("*"))
        .values_list("kind", "n")
    )
    labels = dict(ActionKind.choices)
    completed_by_kind = [
        (labels[kind], counts[kind]) for kind in ActionKind.values if kind in counts
    ]
    testimonies = (
        Action.objects.filter(campaign=campaign, kind__in=TESTIMONY_KINDS)
        .exclude(status=ActionStatus.CANCELLED)
        .count()
    )
    positions = campaign_current_positions(campaign=campaign)
    secured = sum(1 for position in positions.values() if position in SECURED_POSITIONS)
    return PublicProgress(
        supporters=supporters,
        testimonies_pledged=testimonies,
        votes_secured=secured,
        votes_needed=campaign.votes_to_win,
        completed_by_kind=completed_by_kind,
    )


def supporter_action_campaigns(*, supporter: Supporter, campaign_id: int | None) -> list[Campaign]:
    """The campaigns a personal action page shows: the one named in the link,
    else every non-draft campaign the supporter pledged in, newest first."""
    campaigns = Campaign.objects.exclude(status=CampaignStatus.DRAFT).select_related(
        "decision_body"
    )
    if campaign_id is not None:
        return list(campaigns.filter(pk=campaign_id))
    return list(campaigns.filter(actions__supporter=supporter).distinct())


def supporter_campaign_actions(*, supporter: Supporter, campaign: Campaign) -> list[Action]:
    return list(
        Action.objects.filter(supporter=supporter, campaign=campaign)
        .exclude(status=ActionStatus.CANCELLED)
        .select_related("target", "hearing")
        .order_by("created_at", "id")
    )


def members_for_place(
    *, campaign: Campaign, zip_code: str, district_id: int | None = None
) -> tuple[list[CouncilMember], str]:
    """Whom someone living here should contact, and why (the intake core's
    place rule): ("district", [their member]); ("split", the members of every
    district of the body covering the ZIP); ("body", everyone) when the place
    is unknown or outside the body. Two queries."""
    members = list(
        CouncilMember.objects.active()
        .filter(body_id=campaign.decision_body_id)
        .select_related("district")
    )
    places = place_map(body_id=campaign.decision_body_id, zips=[zip_code] if zip_code else [])
    place = places.place(zip_code, district_id)
    own = places.seat_holder(place.district_id)
    if own is not None:
        return [m for m in members if m.pk == own], "district"
    covering = set(places.districts_covering(zip_code))
    split = [
        m
        for m in members
        if m.district_id in covering and m.pk == places.seat_holder(m.district_id)
    ]
    if split:
        return split, "split"
    return members, "body"


def members_for_supporter(
    *, supporter: Supporter, campaign: Campaign
) -> tuple[list[CouncilMember], str]:
    return members_for_place(
        campaign=campaign, zip_code=supporter.zip_code, district_id=supporter.district_id
    )


def campaign_upcoming_hearings(*, campaign: Campaign) -> list[Hearing]:
    """Scheduled hearings still to come, soonest first. One query, none once
    cached (those to come when read; the clock is checked on each call)."""
    hearings = public_cache.cached(
        f"public-cache:hearings:{campaign.pk}",
        lambda: list(Hearing.objects.upcoming().filter(campaign=campaign)),
    )
    now = timezone.now()
    return [hearing for hearing in hearings if hearing.starts_at >= now]
