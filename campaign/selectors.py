"""Dashboard reads. Every figure here is computed by the database: each
section is one aggregate query (conditional counts), whatever the data size.

Counting rules (shown on the pages too):
- An action's date is its completion time when completed, otherwise the time
  it was logged or pledged. The date-range filter keeps actions dated inside it.
- Supporters in a campaign's base (campaign.Membership, written by the intake
  core): everyone who signed up for it (with or without an ask), was imported
  into it, or has an action in it, each counted once. The date range keeps
  those who joined the base inside it; "new supporters per week" is by the
  week they joined. The dashboard, the call list, the supporters export, the
  digest and the public page all read this one definition.
- Stances: the whip count shows each member's latest stance recorded on or
  before the range's end.
- Completion rate: completed / (completed + still pledged); cancelled
  pledges count in neither.

Counts by kind, status, member, district, sector, language and week come
from campaign.Rollup (kept by the database in the same transaction as every
write, see campaign.services.rollups), summed over the days of the range: a
campaign of 400,000 actions costs a few thousand rollup rows, not a scan.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncWeek
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from campaign.models import (
    HEARING_KINDS,
    IN_DOUBT,
    LEANING_POSITIONS,
    SECURED_POSITIONS,
    Action,
    ActionKind,
    ActionStatus,
    Campaign,
    District,
    Hearing,
    Language,
    Membership,
    Message,
    MessageStatus,
    Position,
    Rollup,
    Sector,
    Stance,
    Supporter,
    Tag,
    fold_text,
    normalize_phone,
    normalize_zip,
)
from campaign.selectors_common import latest_stances, members_with_stance
from campaign.services.intake import supporter_match

# Supporters with these tags never appear on a call list (see services.call_list).
DO_NOT_CALL_TAG = "do-not-call"
WRONG_NUMBER_TAG = "wrong-number"
OVERDUE_LIST_LIMIT = 25
CALL_LIST_LIMIT = 200
SEARCH_LIMIT = 20
LIKELY_DUPLICATES_LIMIT = 10


def reached_tag_name(campaign: Campaign) -> str:
    """The tag marking a supporter reached by this campaign's call list."""
    return f"reached-c{campaign.pk}"


def count_where(condition: Q) -> Count:
    """COUNT(1) FILTER (WHERE ...): like COUNT(*) it reads no column, so
    PostgreSQL can answer from an index alone (Django refuses a filtered
    Count("*"); counting "id" would force a heap read per row)."""
    return Count(Value(1), filter=condition)


# ---------------------------------------------------------------------------
# Date range
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DateRange:
    start: dt.date | None = None
    end: dt.date | None = None

    @property
    def is_set(self) -> bool:
        return self.start is not None or self.end is not None

    @property
    def start_at(self) -> dt.datetime | None:
        if self.start is None:
            return None
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_before(self) -> dt.datetime | None:
        """The first instant after the range (the end date is inclusive)."""
        if self.end is None:
            return None
        return timezone.make_aware(
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min)
        )

    def q(self, field_name: str) -> Q:
        query = Q()
        if self.start_at:
            query &= Q(**{f"{field_name}__gte": self.start_at})
        if self.end_before:
            query &= Q(**{f"{field_name}__lt": self.end_before})
        return query

    def as_query_string(self) -> str:
        parts = []
        if self.start:
            parts.append(f"from={self.start.isoformat()}")
        if self.end:
            parts.append(f"to={self.end.isoformat()}")
        return "&".join(parts)


ALL_DATES = DateRange()


def action_in_range_q(date_range: DateRange, prefix: str = "") -> Q:
    """Actions dated inside the range (see the counting rules above)."""
    if not date_range.is_set:
        return Q()
    completed = Q(**{f"{prefix}status": ActionStatus.COMPLETED}) & date_range.q(
        f"{prefix}completed_at"
    )
    not_completed = ~Q(**{f"{prefix}status": ActionStatus.COMPLETED}) & date_range.q(
        f"{prefix}created_at"
    )
    return completed | not_completed


def campaign_actions(campaign: Campaign, date_range: DateRange = ALL_DATES) -> QuerySet:
    return Action.objects.filter(Q(campaign=campaign) & action_in_range_q(date_range))


def campaign_rollups(
    campaign: Campaign, metric: str, dimensions, date_range: DateRange = ALL_DATES
) -> QuerySet:
    """The campaign's rollup rows of these dimensions dated inside the range
    (a rollup's day is the local date the counting rules give the action or
    membership, so whole days select exactly the rows the range keeps)."""
    rows = Rollup.objects.filter(campaign=campaign, metric=metric, dimension__in=dimensions)
    if date_range.start:
        rows = rows.filter(day__gte=date_range.start)
    if date_range.end:
        rows = rows.filter(day__lte=date_range.end)
    return rows


def sum_where(condition: Q | None = None) -> Coalesce:
    return Coalesce(Sum("n", filter=condition), 0)


# ---------------------------------------------------------------------------
# Campaign list
# ---------------------------------------------------------------------------


def _count_subquery(queryset: QuerySet, group_field: str) -> Subquery:
    return Coalesce(
        Subquery(
            queryset.order_by().values(group_field).annotate(n=Count("*")).values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def campaigns_overview() -> list[Campaign]:
    """Every campaign with its headline numbers: supporters, open pledges,
    completed actions and votes secured. Two queries."""
    totals = Rollup.objects.filter(campaign=OuterRef("pk"), dimension="all")
    campaigns = list(
        Campaign.objects.select_related("decision_body")
        .annotate(
            completed_count=_sum_subquery(
                totals.filter(metric="action", status=ActionStatus.COMPLETED)
            ),
            pledged_count=_sum_subquery(
                totals.filter(metric="action", status=ActionStatus.PLEDGED)
            ),
            # One membership per supporter and campaign: a plain count is the base.
            supporter_count=_sum_subquery(totals.filter(metric="member")),
        )
        .order_by("status", "name")
    )
    secured = _secured_by_campaign([c.pk for c in campaigns])
    for campaign in campaigns:
        campaign.secured_count = secured.get(campaign.pk, 0)
    return campaigns


def _sum_subquery(rollups: QuerySet) -> Coalesce:
    return Coalesce(
        Subquery(
            rollups.order_by().values("campaign").annotate(total=Sum("n")).values("total")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def _secured_by_campaign(campaign_ids: list[int]) -> dict[int, int]:
    rows = (
        latest_stances()
        .filter(campaign_id__in=campaign_ids, member__active=True)
        .filter(position__in=SECURED_POSITIONS)
        .values("campaign_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    return {row["campaign_id"]: row["n"] for row in rows}


# ---------------------------------------------------------------------------
# Whip count
# ---------------------------------------------------------------------------


@dataclass
class WhipCount:
    members: list
    focus: list
    votes_needed: int
    secured: int
    secured_with_leaning: int
    seats: int
    history: dict = field(default_factory=dict)


def _members_with_stance(campaign: Campaign, date_range: DateRange) -> QuerySet:
    return members_with_stance(campaign, before=date_range.end_before)


def whip_count(campaign: Campaign, date_range: DateRange = ALL_DATES) -> WhipCount:
    """Every active member of the body with current stance, contacts and
    pledges; the votes secured; the focus list. Four queries."""
    members_qs = _members_with_stance(campaign, date_range)
    members = list(members_qs.select_related("district"))
    totals = members_qs.aggregate(
        secured=count_where(Q(position__in=SECURED_POSITIONS)),
        with_leaning=count_where(Q(position__in=(*SECURED_POSITIONS, Position.LEANING_YES))),
    )

    stats: dict[int, dict] = {}
    for row in (
        campaign_rollups(campaign, "action", ("target", "contact", "constituent"), date_range)
        .values("dimension", "value")
        .annotate(
            total=sum_where(),
            pledged=sum_where(Q(status=ActionStatus.PLEDGED)),
            completed=sum_where(Q(status=ActionStatus.COMPLETED)),
            last_day=Max("day", filter=Q(n__gt=0)),
        )
        .order_by()
    ):
        member = stats.setdefault(
            int(row["value"]),
            {"contacts": 0, "constituent": 0, "pledged": 0, "completed": 0, "last_contact": None},
        )
        if row["dimension"] == "target":
            member["pledged"], member["completed"] = row["pledged"], row["completed"]
        elif row["dimension"] == "contact":
            member["contacts"], member["last_contact"] = row["total"], row["last_day"]
        else:
            # A supporter with no known district is never a constituent.
            member["constituent"] = row["total"]
    empty = {"contacts": 0, "constituent": 0, "pledged": 0, "completed": 0}
    for member in members:
        row = stats.get(member.pk, empty)
        member.constituent_contacts = row["constituent"]
        member.other_contacts = row["contacts"] - row["constituent"]
        member.pledged_count = row["pledged"]
        member.completed_count = row["completed"]
        member.last_contact = row.get("last_contact")
        member.position_label = Position(member.position).label

    history_qs = Stance.objects.filter(campaign=campaign).select_related("recorded_by")
    if date_range.end_before:
        history_qs = history_qs.filter(recorded_at__lt=date_range.end_before)
    history: dict[int, list[Stance]] = {}
    for stance in history_qs.order_by("member_id", "-recorded_at", "-id"):
        history.setdefault(stance.member_id, []).append(stance)
    for member in members:
        member.history = history.get(member.pk, [])

    # The body has at most a few dozen seats: ordering them here costs nothing.
    focus = sorted(
        (m for m in members if m.position in LEANING_POSITIONS),
        key=lambda m: (m.constituent_contacts, m.name),
    )
    return WhipCount(
        members=members,
        focus=focus,
        votes_needed=campaign.votes_to_win,
        secured=totals["secured"],
        secured_with_leaning=totals["with_leaning"],
        seats=campaign.decision_body.seats,
        history=history,
    )


# ---------------------------------------------------------------------------
# Pressure (mobilizing)
# ---------------------------------------------------------------------------


def _rate(completed: int, pledged: int) -> int | None:
    """Whole percent, rounded down; None (shown as a dash) when nothing counts."""
    if completed + pledged == 0:
        return None
    return completed * 100 // (completed + pledged)


def pressure(campaign: Campaign, date_range: DateRange = ALL_DATES) -> dict:
    """Actions by kind (pledged, completed, rate, overdue), totals, and the
    weekly series of completed actions. One query over the rollups, grouped
    by kind and week (a few hundred rows at most); the per-kind rows, the
    totals and the weekly series are sums of those rows."""
    today = timezone.localdate()
    rows = (
        campaign_rollups(campaign, "action", ("all", "due"), date_range)
        .annotate(week=TruncWeek("day", output_field=DateField()))
        .values("kind", "week")
        .annotate(
            pledged=sum_where(Q(dimension="all", status=ActionStatus.PLEDGED)),
            completed=sum_where(Q(dimension="all", status=ActionStatus.COMPLETED)),
            # The "due" rows count open pledges by due date (ISO text).
            overdue=sum_where(Q(dimension="due", value__lt=today.isoformat())),
        )
        .order_by()
    )
    labels = dict(ActionKind.choices)
    kinds: dict[str, dict] = {}
    weeks: dict[dt.date, int] = {}
    for row in rows:
        kind = kinds.setdefault(row["kind"], {"pledged": 0, "completed": 0, "overdue": 0})
        for key in ("pledged", "completed", "overdue"):
            kind[key] += row[key]
        if row["week"] is not None and row["completed"]:
            weeks[row["week"]] = weeks.get(row["week"], 0) + row["completed"]
    by_kind = []
    for kind in sorted(kinds):
        counts = kinds[kind]
        if counts["pledged"] or counts["completed"]:
            by_kind.append(
                {
                    "kind": kind,
                    **counts,
                    "rate": _rate(counts["completed"], counts["pledged"]),
                    "label": labels.get(kind, kind),
                }
            )
    totals = {
        key: sum(counts[key] for counts in kinds.values())
        for key in ("pledged", "completed", "overdue")
    }
    totals["rate"] = _rate(totals["completed"], totals["pledged"])
    weekly = weekly_series(
        [{"week": week, "n": n} for week, n in weeks.items()],
        date_range,
    )
    return {"by_kind": by_kind, "totals": totals, "weekly": weekly}


def overdue_pledges(campaign: Campaign, date_range: DateRange = ALL_DATES) -> list[Action]:
    """Open pledges whose due date has passed, oldest first, with the
    supporter (and phone) for a follow-up call. One query."""
    return list(
        campaign_actions(campaign, date_range)
        .filter(status=ActionStatus.PLEDGED, due_date__lt=timezone.localdate())
        .select_related("supporter", "target")
        .order_by("due_date", "id")[:OVERDUE_LIST_LIMIT]
    )


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def weekly_series(rows, date_range: DateRange) -> list[dict]:
    """Fill the weeks the database returned no row for with zeros, so the
    chart and the table show every week between the first and the last."""
    counts = {row["week"]: row["n"] for row in rows}
    if not counts and not date_range.is_set:
        return []
    weeks = sorted(counts)
    first = week_start(date_range.start) if date_range.start else (weeks[0] if weeks else None)
    last = week_start(date_range.end) if date_range.end else (weeks[-1] if weeks else None)
    if first is None:
        first = last
    if last is None:
        last = max(first, week_start(timezone.localdate()))
    series = []
    week = first
    # Bound the series: a typo like 1900-01-01 must not draw 6,000 bars.
    while week <= last and len(series) < 260:
        series.append({"week": week, "n": counts.get(week, 0)})
        week += dt.timedelta(days=7)
    return series


# ---------------------------------------------------------------------------
# Base (organizing)
# ---------------------------------------------------------------------------


def campaign_memberships(campaign: Campaign, date_range: DateRange = ALL_DATES) -> QuerySet:
    """The campaign's base as memberships (one per supporter; see the counting
    rules), those who joined inside the range."""
    return Membership.objects.filter(Q(campaign=campaign) & date_range.q("joined_at"))


def campaign_supporters(campaign: Campaign, date_range: DateRange = ALL_DATES) -> QuerySet:
    """The campaign's base: supporters who joined it inside the range."""
    # IN over the campaign's memberships rather than a correlated EXISTS:
    # PostgreSQL reads them once from the (campaign, joined_at) index.
    return Supporter.objects.filter(
        pk__in=campaign_memberships(campaign, date_range).values("supporter_id")
    )


def base(campaign: Campaign, districts: list[District], date_range: DateRange = ALL_DATES) -> dict:
    """Supporters by district, sector (all twelve, gaps flagged) and language,
    plus new supporters per week. One query over the membership rollups,
    grouped by dimension and value (and by the week joined for the series)."""
    figures: dict[str, int] = {"total": 0, "district_unknown": 0, "sector_none": 0}
    weeks: dict[dt.date, int] = {}
    known_districts = {str(d.pk) for d in districts}
    for row in (
        campaign_rollups(campaign, "member", ("all", "district", "sector", "language"), date_range)
        # Weeks for the series only: the splits are summed over the range.
        .annotate(
            week=Case(
                # Cast: inside a CASE, TruncWeek's own conversion to a date
                # is not applied (PostgreSQL would hand back a timestamp).
                When(dimension="all", then=Cast(TruncWeek("day"), output_field=DateField())),
                default=None,
                output_field=DateField(),
            )
        )
        .values("dimension", "value", "week")
        .annotate(total=sum_where())
        .order_by()
    ):
        dimension, value, n = row["dimension"], row["value"], row["total"]
        if dimension == "all":
            figures["total"] += n
            if n:
                weeks[row["week"]] = weeks.get(row["week"], 0) + n
            continue
        key = f"{dimension}_{value}"
        if dimension == "district" and value not in known_districts:
            key = "district_unknown"
        elif dimension == "sector" and value == "":
            key = "sector_none"
        figures[key] = figures.get(key, 0) + n
    for district in districts:
        figures.setdefault(f"district_{district.pk}", 0)
    for value, _label in (*Sector.choices, *Language.choices):
        figures.setdefault(f"sector_{value}", 0)
        figures.setdefault(f"language_{value}", 0)

    by_district = [
        {"label": str(d), "n": figures[f"district_{d.pk}"], "district": d} for d in districts
    ]
    by_sector = [
        {"value": value, "label": label, "n": figures[f"sector_{value}"]}
        for value, label in Sector.choices
    ]
    by_language = [
        {"value": value, "label": label, "n": figures[f"language_{value}"]}
        for value, label in Language.choices
    ]
    weekly = weekly_series([{"week": week, "n": n} for week, n in weeks.items()], date_range)
    return {
        "total": figures["total"],
        "by_district": by_district,
        "district_unknown": figures["district_unknown"],
        "by_sector": by_sector,
        "sector_none": figures["sector_none"],
        "sector_gaps": sum(1 for row in by_sector if row["n"] == 0),
        "by_language": by_language,
        "weekly": weekly,
    }


# ---------------------------------------------------------------------------
# Hearing roster
# ---------------------------------------------------------------------------


def _roster_actions(campaign: Campaign, date_range: DateRange, hearing: Hearing | None):
    actions = campaign_actions(campaign, date_range).filter(
        kind__in=HEARING_KINDS, status__in=(ActionStatus.PLEDGED, ActionStatus.COMPLETED)
    )
    if hearing is not None:
        actions = actions.filter(hearing=hearing)
    return actions


def roster_summary(
    campaign: Campaign, date_range: DateRange = ALL_DATES, hearing: Hearing | None = None
) -> list[dict]:
    """Per hearing kind: pledged, confirmed, Spanish speakers. Two queries:
    the rollups, and the open pledges of people the call list reached (a
    handful: they count as confirmed)."""
    rows = campaign_rollups(campaign, "action", ("hearing", "hearing_es"), date_range).filter(
        status__in=(ActionStatus.PLEDGED, ActionStatus.COMPLETED)
    )
    if hearing is not None:
        rows = rows.filter(value=str(hearing.pk))
    counts = {
        (row["kind"], row["dimension"], row["status"]): row["total"]
        for row in rows.values("kind", "dimension", "status").annotate(total=sum_where()).order_by()
    }
    reached = Supporter.tags.through.objects.filter(tag__name=reached_tag_name(campaign)).values(
        "supporter_id"
    )
    reached_pledges = dict(
        _roster_actions(campaign, date_range, hearing)
        .filter(status=ActionStatus.PLEDGED, supporter_id__in=reached)
        .values("kind")
        .annotate(n=Count("*"))
        .values_list("kind", "n")
        .order_by()
    )
    labels = dict(ActionKind.choices)
    summary = []
    for kind in HEARING_KINDS:
        pledged = counts.get((kind, "hearing", ActionStatus.PLEDGED), 0)
        completed = counts.get((kind, "hearing", ActionStatus.COMPLETED), 0)
        summary.append(
            {
                "kind": kind,
                "label": labels[kind],
                "total": pledged + completed,
                "confirmed": completed + reached_pledges.get(kind, 0),
                "spanish": counts.get((kind, "hearing_es", ActionStatus.PLEDGED), 0)
                + counts.get((kind, "hearing_es", ActionStatus.COMPLETED), 0),
            }
        )
    return summary


@dataclass
class RosterLine:
    """One person at one hearing, with every kind they pledged or did for it."""

    supporter: Supporter
    hearing: Hearing | None
    actions: list[Action]
    reached: bool

    @property
    def kinds(self) -> list[ActionKind]:
        return [ActionKind(action.kind) for action in self.actions]

    @property
    def confirmed(self) -> bool:
        """Reached by the call list, or every kind on the line done."""
        return self.reached or all(a.status == ActionStatus.COMPLETED for a in self.actions)


def roster(
    campaign: Campaign, date_range: DateRange = ALL_DATES, hearing: Hearing | None = None
) -> list[RosterLine]:
    """Who pledged to testify or attend, with contact details: one line per
    person per hearing, their kinds together, by name. One query."""
    reached = Tag.objects.filter(
        name=reached_tag_name(campaign), supporters=OuterRef("supporter_id")
    )
    actions = (
        _roster_actions(campaign, date_range, hearing)
        .annotate(reached=Exists(reached))
        .select_related("supporter", "hearing")
        .order_by(
            "supporter__last_name",
            "supporter__first_name",
            "supporter_id",
            F("hearing__starts_at").asc(nulls_last=True),
            "hearing_id",
            "id",
        )
    )
    order = {kind: index for index, kind in enumerate(HEARING_KINDS)}
    lines: list[RosterLine] = []
    for action in actions:
        line = lines[-1] if lines else None
        if line is None or (line.supporter.pk, getattr(line.hearing, "pk", None)) != (
            action.supporter_id,
            action.hearing_id,
        ):
            line = RosterLine(action.supporter, action.hearing, [], action.reached)
            lines.append(line)
        line.actions.append(action)
    for line in lines:
        line.actions.sort(key=lambda a: (order[a.kind], a.pk))
    return lines


# ---------------------------------------------------------------------------
# Outbox
# ---------------------------------------------------------------------------


def outbox(campaign: Campaign, date_range: DateRange = ALL_DATES) -> dict:
    """Message counts by state (in doubt: IN_DOUBT, the admin outbox's
    definition), each with a link to the same rows in the admin. One query."""
    counts = Message.objects.filter(Q(campaign=campaign) & date_range.q("scheduled_for")).aggregate(
        pending=count_where(Q(status=MessageStatus.PENDING)),
        sent=count_where(Q(status=MessageStatus.SENT)),
        failed=count_where(Q(status=MessageStatus.FAILED)),
        in_doubt=count_where(IN_DOUBT),
    )
    try:
        base_url = reverse("admin:campaign_message_changelist")
    except NoReverseMatch:
        base_url = reverse("admin:index") + "campaign/message/"
    of_campaign = f"campaign__id__exact={campaign.pk}"
    counts["links"] = {
        "pending": f"{base_url}?status={MessageStatus.PENDING}&{of_campaign}",
        "sent": f"{base_url}?status={MessageStatus.SENT}&{of_campaign}",
        "failed": f"{base_url}?status={MessageStatus.FAILED}&{of_campaign}",
        "in_doubt": f"{base_url}?in_doubt=yes&{of_campaign}",
    }
    return counts


# ---------------------------------------------------------------------------
# Quick log, call list
# ---------------------------------------------------------------------------


def supporter_name_q(text: str) -> Q | None:
    """Names matching every word typed, whatever the accents and case: each
    folded word starts a word of Supporter.search_name ("ramirez" and
    "Ramírez" find "Lucía Ramírez"; "mirez" does not). None when nothing
    was typed. The same on SQLite and PostgreSQL: both sides are folded in
    Python, so the database compares plain lower-case text."""
    terms = fold_text(text).split()
    if not terms:
        return None
    folded, unfolded = Q(), Q()
    for term in terms:
        # The prefix arm can use search_name's index; the second finds later
        # words ("ramirez" in "lucia ramirez").
        folded &= Q(search_name__startswith=term) | Q(search_name__contains=f" {term}")
    for term in text.split():
        unfolded &= Q(first_name__istartswith=term) | Q(last_name__istartswith=term)
    # A row written by a bulk path that skipped fill_search_name (bulk log and
    # seed_demo's bulk_create, for now) has no search_name: it is still found
    # the way it was before, by a plain prefix of its first or last name.
    return folded | (Q(search_name="") & unfolded)


def supporters_search(query: str, limit: int = SEARCH_LIMIT) -> list[Supporter]:
    """Supporters matching a name (accents and case aside), an email or a
    phone number. One query."""
    query = (query or "").strip()
    if len(query) < 2:
        return []
    condition = Q(email__startswith=query.lower())
    digits = "".join(ch for ch in query if ch.isdigit())
    compact = "".join(ch for ch in query if not ch.isspace())
    # "612-555-0101" is a phone; "Zelda1" is a name with a digit in it.
    phoneish = len(digits) >= 4 and len(digits) * 2 >= len(compact)
    if phoneish:
        condition |= Q(phone__contains=digits)
        try:
            phone = normalize_phone(query)
        except ValidationError:
            phone = None
        if phone:
            condition |= Q(phone=phone)
    elif "@" not in query:
        names = supporter_name_q(query)
        if names is not None:
            condition |= names
    return list(
        # An erased person is only an anonymous row kept for the counts.
        Supporter.objects.filter(condition, erased_at__isnull=True)
        .select_related("district")
        .order_by("last_name", "first_name", "id")[:limit]
    )


def supporters_likely_duplicates(
    *,
    first_name: str = "",
    last_name: str = "",
    email: str | None = None,
    phone: str | None = None,
    zip_code: str = "",
    limit: int = LIKELY_DUPLICATES_LIMIT,
) -> list[Supporter]:
    """Supporters who may be the person about to be added: the same email or
    the same phone (the intake core's identity rule), the same full name once
    folded, or the same folded last name, first-name initial and ZIP.

    Each one carries `duplicate_reasons`, a list of "email", "phone", "name",
    "name_zip"; the email and phone matches come first. At most three
    queries (one per identity look-up, one for the names)."""
    reasons: dict[int, list[str]] = {}
    for reason, value in (("email", email), ("phone", phone)):
        if not value:
            continue
        try:
            match = supporter_match(**{reason: value})
        except ValidationError:  # a phone that cannot be normalised matches nobody
            match = None
        if match is not None:
            reasons.setdefault(match.pk, []).append(reason)
    identities = list(reasons)

    full_name = fold_text(f"{first_name} {last_name}")
    if not identities and not full_name:
        return []
    first, last, zip_code = fold_text(first_name), fold_text(last_name), normalize_zip(zip_code)
    near = bool(first and last and zip_code)
    condition = Q(pk__in=identities)
    if full_name:
        condition |= Q(search_name=full_name)
    if near:
        condition |= Q(
            search_name__startswith=first[0], search_name__endswith=f" {last}", zip_code=zip_code
        )
    found = list(
        Supporter.objects.filter(condition)
        .select_related("district")
        .annotate(identity=Case(When(pk__in=identities, then=Value(0)), default=Value(1)))
        .order_by("identity", "last_name", "first_name", "id")[:limit]
    )
    for supporter in found:
        supporter.duplicate_reasons = reasons.get(supporter.pk, [])
        if full_name and supporter.search_name == full_name:
            supporter.duplicate_reasons.append("name")
        elif (
            near
            and supporter.zip_code == zip_code
            and supporter.search_name.startswith(first[0])
            and supporter.search_name.endswith(f" {last}")
        ):
            supporter.duplicate_reasons.append("name_zip")
    return found


@dataclass
class CallListPage:
    """What one caller sees on the call list."""

    supporters: list  # the caller's claimed rows first (`claimed_by_me`), then the unclaimed
    total: int  # everyone the caller may call: their own batch plus the unclaimed
    mine: int  # rows in the caller's live batch
    held_by_others: int  # people other callers hold now: hidden from this caller


def call_list(
    campaign: Campaign, *, caller=None, now=None, limit: int = CALL_LIST_LIMIT
) -> CallListPage:
    """Supporters to call tonight: everyone in the campaign's base (see the
    counting rules) with a phone, with or without an open pledge: a pledger is
    called to confirm it, anyone else for the next ask. Left out: no phone,
    unsubscribed, tagged do-not-call or wrong-number, or already reached by
    this campaign's call list (the rule is stated on the page too).

    Split among callers: people in another caller's live claim are hidden
    (only counted); the caller's own batch comes first, then those with an
    open pledge, then everyone by name. An expired claim hides nobody.
    Four queries."""
    from django.db.models import Prefetch

    from campaign.models import CallClaim

    now = now or timezone.now()
    live = CallClaim.objects.filter(campaign=campaign, supporter=OuterRef("pk"), expires_at__gt=now)
    caller_id = caller.pk if caller is not None else None
    open_pledge = Action.objects.filter(
        campaign=campaign, supporter=OuterRef("pk"), status=ActionStatus.PLEDGED
    )
    candidates = call_list_candidates(campaign).annotate(
        claimed_by_me=Exists(live.filter(caller_id=caller_id)),
        claimed_by_other=Exists(live.exclude(caller_id=caller_id)),
    )
    counts = candidates.aggregate(
        total=Count("pk", filter=Q(claimed_by_other=False)),
        mine=Count("pk", filter=Q(claimed_by_me=True)),
        held_by_others=Count("pk", filter=Q(claimed_by_other=True)),
    )
    supporters = list(
        candidates.filter(claimed_by_other=False)
        .annotate(has_open_pledge=Exists(open_pledge))
        .select_related("district")
        .prefetch_related(
            Prefetch(
                "actions",
                queryset=Action.objects.filter(
                    campaign=campaign, status=ActionStatus.PLEDGED
                ).order_by("due_date", "id"),
                to_attr="open_pledges",
            )
        )
        .order_by("-claimed_by_me", "-has_open_pledge", "last_name", "first_name", "id")[:limit]
    )
    return CallListPage(supporters=supporters, **counts)


def call_list_candidates(campaign: Campaign) -> QuerySet:
    """Everyone the call list may show, before claims (the rule in
    `call_list`)."""
    return (
        campaign_supporters(campaign)
        .filter(phone__isnull=False, unsubscribed_at__isnull=True)
        .exclude(
            Exists(
                Tag.objects.filter(
                    supporters=OuterRef("pk"),
                    name__in=(DO_NOT_CALL_TAG, WRONG_NUMBER_TAG, reached_tag_name(campaign)),
                )
            )
        )
    )


# ---------------------------------------------------------------------------
# Organizing: recruiting and engagement depth
# ---------------------------------------------------------------------------

TOP_RECRUITERS_LIMIT = 5
# "This week" on the dashboard and in the digest: the last seven days.
RECENT_DAYS = 7


@dataclass(frozen=True)
class Organizing:
    recruiters: int
    recruited: int
    recruited_actions: int
    base: int
    # Engagement depth: supporters of the base by their completed actions.
    acted_none: int
    acted_once: int
    acted_twice: int
    acted_three_plus: int
    repeat_actors: int
    recruiters_recent: int
    new_recruiters_recent: int
    # [(full name, people recruited)]: only when names were asked for.
    top_recruiters: list[tuple[str, int]] = field(default_factory=list)


def _completed_per_supporter(campaign: Campaign, date_range: DateRange) -> Coalesce:
    return _count_subquery(
        Action.objects.filter(
            Q(campaign=campaign, status=ActionStatus.COMPLETED, supporter=OuterRef("supporter_id"))
            & date_range.q("completed_at")
        ),
        "supporter",
    )


def _organizing_from_rollups(campaign: Campaign) -> dict:
    """The figures below for the whole campaign from the membership rollups
    (each membership's completed actions are counted by the database as they
    change): one query instead of a count per supporter."""
    depth = Q(dimension="depth")
    dimensions = ("all", "depth", "recruited", "recruited_actions")
    return campaign_rollups(campaign, "member", dimensions).aggregate(
        base=sum_where(Q(dimension="all")),
        depth_0=sum_where(depth & Q(value="0")),
        depth_1=sum_where(depth & Q(value="1")),
        depth_2=sum_where(depth & Q(value="2")),
        depth_3=sum_where(depth & Q(value="3")),
        recruited=sum_where(Q(dimension="recruited")),
        recruited_actions=sum_where(Q(dimension="recruited_actions")),
    )


def organizing(
    campaign: Campaign,
    date_range: DateRange = ALL_DATES,
    *,
    with_names: bool = False,
    now: dt.datetime | None = None,
) -> Organizing:
    """Is the campaign organizing (people who come back and bring others) or
    only mobilizing? Two queries, whatever the data size.

    Definitions:
    - Recruited: a membership of the base that a share link brought
      (`Membership.recruited_by`, set once when the membership was created),
      counted when it joined inside the range. A recruiter: a supporter with
      at least one such recruit.
    - Actions by recruited people: completed actions of this campaign,
      completed inside the range, by supporters recruited into it.
    - Engagement depth: every supporter of the base (whenever they joined)
      by the number of their completed actions in this campaign completed
      inside the range: 0, 1, 2, 3 or more. Each action counts once (a
      pledge fulfilled by a logged call is one action; cancelled and still
      pledged ones count nowhere). Repeat actors: 2 or more.
    - Recently: in the RECENT_DAYS days before `now`, whatever the range.
      Recruiters: recruited someone then; new recruiters: their first recruit
      into this campaign joined then.
    - `with_names` (coordinators only): the TOP_RECRUITERS_LIMIT recruiters
      by people recruited inside the range, with their names. Without it no
      name is read at all."""
    now = now or timezone.now()
    recent = now - dt.timedelta(days=RECENT_DAYS)
    joined = date_range.q("joined_at")
    recruited = Q(recruited_by__isnull=False)
    figures = (
        _organizing_from_rollups(campaign)
        if not date_range.is_set
        else Membership.objects.filter(campaign=campaign)
        .annotate(done=_completed_per_supporter(campaign, date_range))
        .aggregate(
            base=Count("*"),
            depth_0=count_where(Q(done=0)),
            depth_1=count_where(Q(done=1)),
            depth_2=count_where(Q(done=2)),
            depth_3=count_where(Q(done__gte=3)),
            recruited=count_where(recruited & joined),
            recruited_actions=Coalesce(Sum("done", filter=recruited), 0),
        )
    )
    group = ["recruited_by_id"]
    if with_names:
        group += ["recruited_by__first_name", "recruited_by__last_name"]
    rows = list(
        Membership.objects.filter(campaign=campaign, recruited_by__isnull=False)
        .values(*group)
        .annotate(
            n=count_where(joined) if date_range.is_set else Count("*"),
            first=Min("joined_at"),
            last=Max("joined_at"),
        )
        .order_by()
    )
    top = []
    if with_names:
        ranked = sorted(
            (row for row in rows if row["n"]),
            key=lambda row: (-row["n"], row["recruited_by__last_name"], row["recruited_by_id"]),
        )
        top = [
            (
                " ".join(
                    part
                    for part in (row["recruited_by__first_name"], row["recruited_by__last_name"])
                    if part
                ),
                row["n"],
            )
            for row in ranked[:TOP_RECRUITERS_LIMIT]
        ]
    return Organizing(
        recruiters=sum(1 for row in rows if row["n"]),
        recruited=figures["recruited"],
        recruited_actions=figures["recruited_actions"],
        base=figures["base"],
        acted_none=figures["depth_0"],
        acted_once=figures["depth_1"],
        acted_twice=figures["depth_2"],
        acted_three_plus=figures["depth_3"],
        repeat_actors=figures["depth_2"] + figures["depth_3"],
        recruiters_recent=sum(1 for row in rows if row["last"] >= recent),
        new_recruiters_recent=sum(1 for row in rows if row["first"] >= recent),
        top_recruiters=top,
    )
