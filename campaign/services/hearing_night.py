"""Hearing night: the speakers' queue, its capacity, and what coordinators
mark on the night (who spoke, who sent written testimony, who attended).

- Speaking order: every in-person testimony for a hearing has a place in its
  queue, the next after the hearing's highest, given by the intake core
  whatever the path (`speaking_orders_assign`, called by `action_record` and
  `actions_record_many`). The hearing's row is locked while the number is
  chosen, so two sign-ups at the same moment never share a place.
- Capacity: `Hearing.speaker_slots` (None: no limit) counts pledged and
  completed in-person testimony. The public form refuses to speak in person
  at a full hearing (`speaker_slots_check`); a coordinator (STAFF) may still
  add a speaker beyond it.
- Marking: a completed action recorded through the intake core, which
  fulfils the person's open pledge for that hearing; a tap repeated (a
  double tap, a retry on a weak connection) records nothing more
  (`hearing_mark`).
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign.models import (
    HEARING_KINDS,
    Action,
    ActionKind,
    ActionSource,
    ActionStatus,
    Hearing,
    Supporter,
)

TESTIFY = ActionKind.TESTIMONY_IN_PERSON
# Counted in the queue and against the capacity.
QUEUED_STATUSES = (ActionStatus.PLEDGED, ActionStatus.COMPLETED)
# People arrive before the gavel: marking who attended (or spoke) opens this
# long before the hearing starts, and counts from its start.
MARKING_OPENS = dt.timedelta(hours=3)

FULL_MESSAGE = _(
    "Every speaking slot at this hearing is taken. You can still send written "
    "testimony: choose “Send written testimony” instead."
)


def _lock_hearings(hearing_ids) -> None:
    # In id order, so two transactions locking the same hearings cannot deadlock.
    list(
        Hearing.objects.select_for_update()
        .filter(pk__in=sorted(hearing_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def speaking_orders_assign(*, actions: list[Action]) -> None:
    """Give each unsaved in-person testimony for a hearing the next place in
    that hearing's queue (in memory; the caller saves). Must run inside the
    transaction that saves them: the hearings stay locked until it commits.

    Side effects: none without such an action; otherwise the hearings' rows
    locked (SELECT ... FOR UPDATE) and their highest place read."""
    wanted = [
        action
        for action in actions
        if action.kind == TESTIFY
        and action.hearing_id is not None
        and action.speaking_order is None
        and action.status in QUEUED_STATUSES
    ]
    if not wanted:
        return
    hearing_ids = {action.hearing_id for action in wanted}
    _lock_hearings(hearing_ids)
    highest = dict(
        Action.objects.filter(hearing_id__in=hearing_ids, kind=TESTIFY)
        .values("hearing_id")
        .annotate(top=Max("speaking_order"))
        .order_by()
        .values_list("hearing_id", "top")
    )
    for action in wanted:
        place = (highest.get(action.hearing_id) or 0) + 1
        highest[action.hearing_id] = place
        action.speaking_order = place


@dataclass(frozen=True)
class SpeakerSlots:
    total: int
    taken: int

    @property
    def left(self) -> int:
        return max(self.total - self.taken, 0)

    @property
    def full(self) -> bool:
        return self.taken >= self.total


def speaker_slots(*, hearings) -> dict[int, SpeakerSlots]:
    """The hearings with a capacity -> their slots taken and left. One query
    (none when no hearing has a capacity)."""
    limited = {h.pk: h.speaker_slots for h in hearings if h.speaker_slots is not None}
    if not limited:
        return {}
    taken = dict(
        Action.objects.filter(hearing_id__in=limited, kind=TESTIFY, status__in=QUEUED_STATUSES)
        .values("hearing_id")
        .annotate(n=Count("*"))
        .order_by()
        .values_list("hearing_id", "n")
    )
    return {pk: SpeakerSlots(total, taken.get(pk, 0)) for pk, total in limited.items()}


def speaker_slots_check(*, hearing: Hearing) -> None:
    """The public form's rule: nobody pledges to speak in person at a full
    hearing. Raises ValidationError on "asks" (the field offering it)."""
    slots = speaker_slots(hearings=[hearing]).get(hearing.pk)
    if slots is not None and slots.full:
        raise ValidationError({"asks": FULL_MESSAGE})


def speakers_queue(*, hearing: Hearing):
    """The hearing's speakers in speaking order (a row saved before orders
    existed comes last, by id)."""
    return (
        Action.objects.filter(hearing=hearing, kind=TESTIFY, status__in=QUEUED_STATUSES)
        .select_related("supporter")
        .order_by(F("speaking_order").asc(nulls_last=True), "id")
    )


@transaction.atomic
def speaker_move(*, hearing: Hearing, action_id: int, step: int) -> Action | None:
    """Move a speaker one place up (`step` -1) or down (+1) in the queue.
    Returns the speaker's action, None when there is no such speaker; at
    the end of the queue nothing moves.

    Side effects: the hearing locked; the queue renumbered 1..n where it
    changed (UPDATEs of the speakers whose place moved)."""
    _lock_hearings([hearing.pk])
    queue = list(speakers_queue(hearing=hearing))
    index = next((i for i, action in enumerate(queue) if action.pk == action_id), None)
    if index is None:
        return None
    moved = queue[index]
    if not 0 <= index + step < len(queue):
        return moved
    queue[index], queue[index + step] = queue[index + step], queue[index]
    changed, now = [], timezone.now()
    for place, action in enumerate(queue, start=1):
        if action.speaking_order != place:
            action.speaking_order, action.updated_at = place, now
            changed.append(action)
    Action.objects.bulk_update(changed, ["speaking_order", "updated_at"])
    return moved


def _mark_key(*, hearing: Hearing, supporter: Supporter, kind: str) -> str:
    return f"hearing-night:{hearing.pk}:{supporter.pk}:{kind}"


def marking_opens_at(hearing: Hearing) -> dt.datetime:
    """When speakers and attendance can first be marked (MARKING_OPENS)."""
    return hearing.starts_at - MARKING_OPENS


def marking_is_open(hearing: Hearing, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) >= marking_opens_at(hearing)


def hearing_mark(*, hearing: Hearing, supporter: Supporter, kind: str, by) -> tuple[Action, bool]:
    """Record that the supporter spoke, sent written testimony or attended
    (`kind`) at the hearing, as a completed action through the intake core:
    their open pledge for it is fulfilled rather than doubled. Returns
    (action, created); marking again returns the action already recorded.

    Raises ValidationError before marking opens (MARKING_OPENS before the
    start) for speaking and attending, or for a cancelled hearing.

    Side effects: the supporter's row locked (a double tap waits for the
    first); an INSERT, or the pledge's UPDATE and its follow-ups cancelled;
    the campaign membership."""
    from campaign.services.intake import action_record

    if kind not in HEARING_KINDS:
        raise ValueError(f"not a hearing kind: {kind!r}")
    now = timezone.now()
    if hearing.is_cancelled:
        raise ValidationError(_("This hearing was cancelled."))
    if kind != ActionKind.WRITTEN_TESTIMONY and not marking_is_open(hearing, now):
        raise ValidationError(
            _("Speakers and attendance can be marked from three hours before the hearing.")
        )
    with transaction.atomic():
        Supporter.objects.select_for_update().filter(pk=supporter.pk).values_list("pk").first()
        done = (
            Action.objects.filter(
                supporter=supporter, hearing=hearing, kind=kind, status=ActionStatus.COMPLETED
            )
            .order_by("id")
            .first()
        )
        if done is not None:
            return done, False
        return action_record(
            supporter=supporter,
            campaign=hearing.campaign,
            kind=kind,
            status=ActionStatus.COMPLETED,
            source=ActionSource.ADMIN,
            by=by,
            hearing=hearing,
            # Someone checked in before the gavel attended from its start.
            completed_at=max(now, hearing.starts_at),
            idempotency_key=_mark_key(hearing=hearing, supporter=supporter, kind=kind),
        )
