"""The coordinators' daily digest: last day's figures per active campaign,
queued in the outbox as one email per coordinator."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from campaign import selectors
from campaign.models import (
    Action,
    ActionStatus,
    Campaign,
    CampaignStatus,
    Channel,
    Membership,
    MessageKind,
    Stance,
    Supporter,
)
from campaign.roles import COORDINATOR
from campaign.services.scheduling import _message, _save_new
from campaign.services.timing import coalition_tz


def digest_figures(*, now: dt.datetime | None = None) -> dict:
    """What happened in the last 24 hours, per active campaign (JSON-ready)."""
    now = now or timezone.now()
    since = now - dt.timedelta(hours=24)
    today = timezone.localtime(now, coalition_tz()).date()
    overdue_cutoff = now - dt.timedelta(days=settings.PLEDGE_FOLLOWUP_DAYS)
    campaigns = []
    for campaign in Campaign.objects.filter(status=CampaignStatus.ACTIVE).order_by("name"):
        actions = Action.objects.filter(campaign=campaign)
        organizing = selectors.organizing(campaign, now=now)
        stances = (
            Stance.objects.filter(campaign=campaign, recorded_at__gte=since)
            .select_related("member")
            .order_by("recorded_at")
        )
        campaigns.append(
            {
                "name": campaign.name,
                # Those who joined the campaign's base (signed up, imported or
                # acted), each once: the dashboard's definition.
                "new_supporters": Membership.objects.filter(
                    campaign=campaign, joined_at__gte=since
                ).count(),
                "completed_actions": actions.filter(completed_at__gte=since).count(),
                # The dashboard's organizing figures (selectors.organizing).
                "new_recruits": Membership.objects.filter(
                    campaign=campaign, recruited_by__isnull=False, joined_at__gte=since
                ).count(),
                "recruiters_this_week": organizing.recruiters_recent,
                "repeat_actors": organizing.repeat_actors,
                "overdue_pledges": actions.filter(status=ActionStatus.PLEDGED)
                .filter(
                    Q(due_date__lt=today) | Q(due_date__isnull=True, created_at__lt=overdue_cutoff)
                )
                .count(),
                "stance_changes": [
                    {"member": str(stance.member), "position": stance.get_position_display()}
                    for stance in stances
                ],
            }
        )
    return {
        "date": today.isoformat(),
        "new_supporters": Supporter.objects.filter(created_at__gte=since).count(),
        "campaigns": campaigns,
    }


def digest_queue(*, now: dt.datetime | None = None) -> int:
    """Queue today's digest for every active coordinator with an email.

    Side effects: INSERTs one Message per coordinator per local day (running
    twice the same day adds nothing). Returns the number of rows offered."""
    now = now or timezone.now()
    figures = digest_figures(now=now)
    users = (
        get_user_model()
        .objects.filter(groups__name=COORDINATOR, is_active=True)
        .exclude(email="")
        .distinct()
    )
    return _save_new(
        _message(
            kind=MessageKind.COORDINATOR_DIGEST,
            channel=Channel.EMAIL,
            key=f"digest:{figures['date']}:{user.pk}",
            when=now,
            user=user,
            context=figures,
        )
        for user in users
    )
