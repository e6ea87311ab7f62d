"""Reads for the hearing-night pages (queue, check-in, printable roster).
Coordinators only: these carry names."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from campaign.models import (
    HEARING_KINDS,
    Action,
    ActionKind,
    ActionStatus,
    Campaign,
    Hearing,
    Supporter,
)
from campaign.selectors import campaign_supporters, supporter_name_q
from campaign.services.hearing_night import QUEUED_STATUSES

CHECK_IN_RESULTS_LIMIT = 30
# A hearing stays on the dashboard's hearing-night list through its evening.
HEARING_NIGHT_AFTER_START = dt.timedelta(hours=12)
KIND_ORDER = {kind: index for index, kind in enumerate(HEARING_KINDS)}


@dataclass
class HearingLine:
    """One person at one hearing: what they pledged or did there, by kind."""

    supporter: Supporter
    actions: dict[str, Action] = field(default_factory=dict)
    # Their place in the speakers' queue (1 = first), None if not speaking.
    place: int | None = None

    @property
    def testify(self) -> Action | None:
        return self.actions.get(ActionKind.TESTIMONY_IN_PERSON)

    @property
    def written(self) -> Action | None:
        return self.actions.get(ActionKind.WRITTEN_TESTIMONY)

    @property
    def attend(self) -> Action | None:
        return self.actions.get(ActionKind.ATTEND_HEARING)

    @property
    def spoke(self) -> bool:
        return self._done(ActionKind.TESTIMONY_IN_PERSON)

    @property
    def sent_written(self) -> bool:
        return self._done(ActionKind.WRITTEN_TESTIMONY)

    @property
    def attended(self) -> bool:
        return self._done(ActionKind.ATTEND_HEARING)

    def _done(self, kind: str) -> bool:
        action = self.actions.get(kind)
        return action is not None and action.status == ActionStatus.COMPLETED

    @property
    def sorted_actions(self) -> list[Action]:
        return sorted(self.actions.values(), key=lambda a: KIND_ORDER[a.kind])


def hearing_lines(*, hearing: Hearing) -> list[HearingLine]:
    """Everyone who pledged or did something at the hearing, speakers first
    in speaking order, then the others by name. One query."""
    actions = (
        Action.objects.filter(hearing=hearing, kind__in=HEARING_KINDS, status__in=QUEUED_STATUSES)
        .select_related("supporter")
        .order_by(F("speaking_order").asc(nulls_last=True), "id")
    )
    lines: dict[int, HearingLine] = {}
    for action in actions:
        line = lines.setdefault(action.supporter_id, HearingLine(action.supporter))
        kept = line.actions.get(action.kind)
        # A completion wins over a pledge of the same kind (a walk-in marked
        # on the night beside an older pledge, kept apart by the core).
        if kept is None or (
            kept.status != ActionStatus.COMPLETED and action.status == ActionStatus.COMPLETED
        ):
            line.actions[action.kind] = action
    speakers = sorted(
        (line for line in lines.values() if line.testify is not None),
        key=lambda line: (
            line.testify.speaking_order is None,
            line.testify.speaking_order or 0,
            line.testify.pk,
        ),
    )
    for place, line in enumerate(speakers, start=1):
        line.place = place
    others = sorted(
        (line for line in lines.values() if line.testify is None),
        key=lambda line: (line.supporter.last_name, line.supporter.first_name, line.supporter.pk),
    )
    return speakers + others


def hearings_for_the_night(*, campaign: Campaign) -> QuerySet:
    """The campaign's hearings still to come or under way (started less than
    HEARING_NIGHT_AFTER_START ago), not cancelled, soonest first."""
    since = timezone.now() - HEARING_NIGHT_AFTER_START
    return campaign.hearings.scheduled().filter(starts_at__gte=since).order_by("starts_at")


@dataclass
class CheckInRow:
    supporter: Supporter
    pledged: bool
    attended: bool


def check_in_search(*, hearing: Hearing, query: str) -> list[CheckInRow]:
    """People in the campaign's base whose name matches (accents and case
    aside, `supporter_name_q`), the hearing's pledgers first, then by name.
    One query; none for fewer than two characters."""
    query = (query or "").strip()
    names = supporter_name_q(query) if len(query) >= 2 else None
    if names is None:
        return []
    at_hearing = Action.objects.filter(
        supporter_id=OuterRef("pk"), hearing=hearing, kind__in=HEARING_KINDS
    )
    supporters = (
        campaign_supporters(hearing.campaign)
        .filter(names)
        .annotate(
            pledged=Exists(at_hearing.filter(status__in=QUEUED_STATUSES)),
            attended=Exists(
                at_hearing.filter(
                    Q(kind=ActionKind.ATTEND_HEARING) & Q(status=ActionStatus.COMPLETED)
                )
            ),
        )
        .order_by("-pledged", "last_name", "first_name", "id")[:CHECK_IN_RESULTS_LIMIT]
    )
    return [CheckInRow(s, s.pledged, s.attended) for s in supporters]
