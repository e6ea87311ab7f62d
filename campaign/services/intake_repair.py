"""Bring what was stored before the intake core under its rules (the
`intake_repair` command). Each repair is idempotent: run twice, the second
run finds nothing to do.

- The base: a supporter with an action in a campaign, or a consent given on
  its page, is a member of its base. Migration 0005 wrote most memberships;
  paths that had not moved to the intake core yet (imports above all) may
  have left some out.
- Hearings: a pledge to testify or attend names one hearing. A pledge
  stored without one gets the campaign's only upcoming hearing; when the
  campaign has none or several, it is left for a coordinator and reported.
- Reminders: an open pledge gets its follow-up or hearing reminders when it
  is recorded; a pledge stored without any gets them now.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.utils import timezone

from campaign.models import (
    HEARING_KINDS,
    Action,
    ActionSource,
    ActionStatus,
    ConsentEvent,
    Hearing,
    Membership,
    Message,
)
from campaign.services.intake import chunks, hearing_due_date, memberships_record
from campaign.services.scheduling import reminders_on_pledge


def memberships_repair() -> Counter:
    """Memberships for everyone with an action in a campaign, or a consent
    given on its page, who has none. They joined with their first action or
    consent, through that action's source (a consent: the public form).

    Returns the memberships added, by source. Side effects: INSERTs."""
    missing = ~Exists(
        Membership.objects.filter(
            campaign_id=OuterRef("campaign_id"), supporter_id=OuterRef("supporter_id")
        )
    )
    first: dict[tuple[int, int], tuple[dt.datetime, str]] = {}
    for campaign_id, supporter_id, created_at, source in (
        Action.objects.filter(missing)
        .order_by("created_at", "id")
        .values_list("campaign_id", "supporter_id", "created_at", "source")
        .iterator(chunk_size=5000)
    ):
        first.setdefault((campaign_id, supporter_id), (created_at, source))
    for campaign_id, supporter_id, occurred_at in (
        ConsentEvent.objects.filter(campaign__isnull=False, kind=ConsentEvent.Kind.GRANTED)
        .filter(missing)
        .order_by("occurred_at", "id")
        .values_list("campaign_id", "supporter_id", "occurred_at")
        .iterator(chunk_size=5000)
    ):
        key = (campaign_id, supporter_id)
        if key not in first or occurred_at < first[key][0]:
            first[key] = (occurred_at, ActionSource.PUBLIC_FORM)
    # Grouped by when and how each joined, so every membership keeps its own
    # joining time (one INSERT per group, conflicts skipped).
    groups: dict[tuple[dt.datetime, str], list[tuple[int, int]]] = defaultdict(list)
    for pair, (at, source) in first.items():
        groups[(at, source)].append(pair)
    for (at, source), pairs in groups.items():
        memberships_record(pairs=pairs, source=source, at=at)
    return Counter(source for _at, source in first.values())


@dataclass
class HearingRepair:
    assigned: int = 0
    # campaign slug -> (its upcoming hearings, the pledges left without one)
    unclear: dict[str, tuple[int, list[int]]] = field(default_factory=dict)

    @property
    def left(self) -> int:
        return sum(len(ids) for _n, ids in self.unclear.values())


def hearing_pledges_repair() -> HearingRepair:
    """Open pledges to testify or attend that name no hearing get their
    campaign's only upcoming hearing (and, when they have no due date, its
    day); the rest are reported.

    Side effects: UPDATEs the pledges given a hearing."""
    pledges = (
        Action.objects.filter(
            status=ActionStatus.PLEDGED, kind__in=HEARING_KINDS, hearing__isnull=True
        )
        .select_related("campaign")
        .order_by("campaign_id", "id")
    )
    by_campaign: dict[int, list[Action]] = defaultdict(list)
    for pledge in pledges:
        by_campaign[pledge.campaign_id].append(pledge)
    upcoming: dict[int, list[Hearing]] = defaultdict(list)
    for hearing in Hearing.objects.upcoming().filter(campaign_id__in=list(by_campaign)):
        upcoming[hearing.campaign_id].append(hearing)
    result = HearingRepair()
    now = timezone.now()
    for campaign_id, actions in by_campaign.items():
        hearings = upcoming[campaign_id]
        if len(hearings) != 1:
            result.unclear[actions[0].campaign.slug] = (len(hearings), [a.pk for a in actions])
            continue
        [hearing] = hearings
        for action in actions:
            action.hearing = hearing
            if action.due_date is None:
                action.due_date = hearing_due_date(kind=action.kind, hearing=hearing)
            action.updated_at = now
        Action.objects.bulk_update(actions, ["hearing", "due_date", "updated_at"])
        result.assigned += len(actions)
    return result


def pledge_reminders_repair() -> tuple[int, int]:
    """Open pledges with no outbox row get their follow-up or hearing
    reminders, as if recorded now (`reminders_on_pledge`). A hearing pledge
    that names no hearing is left to `hearing_pledges_repair`'s report.

    Returns (pledges that got reminders, messages added). Side effects:
    INSERTs Message rows (a reminder that exists is never doubled)."""
    has_message = Exists(Message.objects.filter(action_id=OuterRef("pk")))
    candidates = (
        Action.objects.filter(status=ActionStatus.PLEDGED)
        .exclude(kind__in=HEARING_KINDS, hearing__isnull=True)
        .filter(~has_message)
        .select_related("supporter", "campaign", "hearing")
        .order_by("id")
    )
    before = Message.objects.count()
    ids = []
    for action in candidates.iterator(chunk_size=1000):
        reminders_on_pledge(action=action)
        ids.append(action.pk)
    # A pledge whose supporter cannot be reached (or whose hearing reminders
    # another of their pledges holds) gets nothing: it is not counted.
    reminded = sum(
        Action.objects.filter(pk__in=chunk).filter(has_message).count() for chunk in chunks(ids)
    )
    return reminded, Message.objects.count() - before
