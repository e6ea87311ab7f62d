"""The decision body from the Legistar Web API (webapi.legistar.com/v1/<client>/).

Legistar is the agenda system many counties publish their board on. One import
brings into one DecisionBody:
- members: one CouncilMember per office record (a person's term on the body),
  so a member who leaves keeps their stances and votes and a successor is a new
  row on the same district; the seat's district comes from
  `legistar_config["seats"]` ({"<office record extra text or title>": "<district
  name>"}, "" for an at-large seat), else from a district named like the seat;
- meetings: an event whose agenda carries a matter linked to a campaign
  (`Campaign.legistar_matter_id`) is that campaign's Hearing, saved through
  `hearing_save` so reminders follow a moved meeting;
- roll calls: the votes on those agenda items as MemberVotes (values
  normalised; a value not recognised is reported, never guessed) and the
  campaign's vote date and result.
Incremental: office records and events changed since `legistar_synced_at`.
"""

import dataclasses
import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campaign.models import Campaign, CouncilMember, DecisionBody, Hearing, MemberVote, VoteResult
from campaign.services.hearings import hearing_save

API_URL = "https://webapi.legistar.com/v1"
# Legistar answers at most 1000 rows a request.
PAGE_SIZE = 1000
TIMEOUT_SECONDS = 30

VOTE_VALUES = {
    "yea": MemberVote.Choice.YES,
    "aye": MemberVote.Choice.YES,
    "affirmative": MemberVote.Choice.YES,
    "yes": MemberVote.Choice.YES,
    "nay": MemberVote.Choice.NO,
    "no": MemberVote.Choice.NO,
    "negative": MemberVote.Choice.NO,
    "abstain": MemberVote.Choice.ABSTAIN,
    "abstained": MemberVote.Choice.ABSTAIN,
    "present": MemberVote.Choice.ABSTAIN,
    "absent": MemberVote.Choice.ABSENT,
    "excused": MemberVote.Choice.ABSENT,
}
CANCELLED_STATUSES = {"cancelled", "canceled"}


class LegistarError(Exception):
    """Legistar could not be read (network, HTTP status, not JSON)."""


class LegistarClient:
    """A few GETs of the Legistar Web API, paged with $top/$skip."""

    def __init__(
        self,
        *,
        client: str,
        token: str | None = None,
        base_url: str | None = None,
        page_size: int | None = None,
        timeout: float | None = None,
    ):
        self.client = client
        self.token = token if token is not None else getattr(settings, "LEGISTAR_TOKEN", "")
        self.base_url = (base_url or getattr(settings, "LEGISTAR_API_URL", API_URL)).rstrip("/")
        self.page_size = page_size or getattr(settings, "LEGISTAR_PAGE_SIZE", PAGE_SIZE)
        self.timeout = timeout or getattr(settings, "LEGISTAR_TIMEOUT", TIMEOUT_SECONDS)

    def url(self, path: str, params: dict[str, Any] | None = None) -> str:
        params = dict(params or {})
        if self.token:
            params["token"] = self.token
        # OData wants its spaces and quotes as %20 and ', not + and %27.
        query = urllib.parse.urlencode(params, quote_via=urllib.parse.quote, safe="$'(),:")
        client = urllib.parse.quote(self.client, safe="")
        return f"{self.base_url}/{client}/{path}" + (f"?{query}" if query else "")

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        url = self.url(path, params)
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            raise LegistarError(f"{path}: HTTP {error.code}") from error
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            raise LegistarError(f"{path}: {error}") from error

    def get_one(self, path: str) -> dict | None:
        """One record, or None when Legistar has none (HTTP 404)."""
        try:
            return self.get(path)
        except LegistarError as error:
            if isinstance(error.__cause__, urllib.error.HTTPError) and error.__cause__.code == 404:
                return None
            raise

    def get_all(self, path: str, params: dict[str, Any] | None = None) -> list[dict]:
        rows: list[dict] = []
        while True:
            page = self.get(path, {**(params or {}), "$top": self.page_size, "$skip": len(rows)})
            rows.extend(page)
            if len(page) < self.page_size:
                return rows


@dataclasses.dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self):
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclasses.dataclass
class LegistarReport:
    since: dt.datetime | None = None
    members: Tally = dataclasses.field(default_factory=Tally)
    hearings: Tally = dataclasses.field(default_factory=Tally)
    votes: Tally = dataclasses.field(default_factory=Tally)
    campaigns: Tally = dataclasses.field(default_factory=Tally)
    # What was created or updated, one line each, for the command's output.
    changes: list[str] = dataclasses.field(default_factory=list)
    # What Legistar sent that was left out, and why.
    problems: list[str] = dataclasses.field(default_factory=list)

    def kinds(self) -> dict[str, Tally]:
        return {
            "members": self.members,
            "hearings": self.hearings,
            "votes": self.votes,
            "campaigns": self.campaigns,
        }


def vote_normalise(value: str | None) -> str | None:
    """Legistar's VoteValueName as a MemberVote choice; None when not recognised."""
    return VOTE_VALUES.get((value or "").strip().casefold())


def _odata_time(moment: dt.datetime) -> str:
    utc = moment.astimezone(dt.UTC) if timezone.is_aware(moment) else moment
    return f"datetime'{utc:%Y-%m-%dT%H:%M:%S}'"


def _date(value: str | None) -> dt.date | None:
    return dt.datetime.fromisoformat(value[:19]).date() if value else None


def _body_zone(body: DecisionBody) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(body.legistar_config.get("time_zone") or settings.TIME_ZONE)


def _changed(obj, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


@transaction.atomic
def legistar_import(
    *,
    body: DecisionBody,
    api: LegistarClient | None = None,
    since: dt.datetime | None = None,
    full: bool = False,
) -> LegistarReport:
    """Bring `body`'s members, meetings and roll calls in from Legistar.

    `since` defaults to the last import (`legistar_synced_at`); `full` reads
    everything. Raises LegistarError when Legistar cannot be read (nothing is
    saved then). Side effects: INSERT/UPDATE of CouncilMember, Hearing (through
    `hearing_save`: reminders follow), MemberVote, Campaign.vote_held_on and
    vote_result; sets `body.legistar_synced_at`."""
    if not body.legistar_client or not body.legistar_body_id:
        raise LegistarError(f"{body}: no Legistar client or body id set")
    api = api or LegistarClient(client=body.legistar_client)
    if api.get_one(f"bodies/{body.legistar_body_id}") is None:
        raise LegistarError(f"{api.client}: no body {body.legistar_body_id}")
    started = timezone.now()
    report = LegistarReport(since=None if full else (since or body.legistar_synced_at))
    _members_import(body=body, api=api, report=report)
    _events_import(body=body, api=api, report=report)
    body.legistar_synced_at = started
    body.save(update_fields=["legistar_synced_at", "updated_at"])
    return report


def _seat_district(record: dict, body: DecisionBody, districts: dict, report: LegistarReport):
    """The district of an office record's seat: configured, or named alike."""
    seats = body.legistar_config.get("seats") or {}
    labels = [
        (record.get(key) or "").strip() for key in ("OfficeRecordExtraText", "OfficeRecordTitle")
    ]
    labels = [label for label in labels if label]
    for label in labels:
        if label in seats:
            if not seats[label]:
                return None  # configured as at-large
            district = districts.get(seats[label].casefold())
            if district is None:
                report.problems.append(
                    f"seat {label!r}: configured district {seats[label]!r} does not exist"
                )
            return district
    for label in labels:
        if label.casefold() in districts:
            return districts[label.casefold()]
    report.problems.append(
        f"office record {record['OfficeRecordId']} ({record.get('OfficeRecordFullName')}): "
        f"no district for seat {' / '.join(labels) or '(none)'}; set legistar_config seats"
    )
    return None


def _members_import(*, body: DecisionBody, api: LegistarClient, report: LegistarReport) -> None:
    params = {}
    if report.since:
        params["$filter"] = f"OfficeRecordLastModifiedUtc gt {_odata_time(report.since)}"
    records = api.get_all(f"bodies/{body.legistar_body_id}/OfficeRecords", params)
    # Latest term first: a member typed in by hand is taken as their current term.
    records.sort(key=lambda r: r.get("OfficeRecordStartDate") or "", reverse=True)
    districts = {d.name.casefold(): d for d in body.districts.all()}
    linked = {
        m.legistar_office_record_id: m
        for m in body.members.filter(legistar_office_record_id__isnull=False)
    }
    by_hand = list(body.members.filter(legistar_office_record_id=None))
    today = timezone.localdate(timezone=_body_zone(body))
    persons: dict[int, dict] = {}
    seen = set()
    for record in records:
        person_id = record["OfficeRecordPersonId"]
        if person_id not in persons:
            persons[person_id] = api.get_one(f"persons/{person_id}") or {}
        person = persons[person_id]
        start = _date(record.get("OfficeRecordStartDate"))
        end = _date(record.get("OfficeRecordEndDate"))
        values = {
            "name": (person.get("PersonFullName") or record.get("OfficeRecordFullName") or "")[
                :200
            ],
            "email": person.get("PersonEmail") or record.get("OfficeRecordEmail") or "",
            "phone": (person.get("PersonPhone") or "")[:32],
            "district": _seat_district(record, body, districts, report),
            "term_start": start,
            "term_end": end,
            "active": (start is None or start <= today) and (end is None or end >= today),
            "legistar_person_id": person_id,
        }
        if record.get("OfficeRecordTitle"):
            values["title"] = record["OfficeRecordTitle"][:100]
        record_id = record["OfficeRecordId"]
        seen.add(record_id)
        member = linked.get(record_id)
        if member is None:
            member = next(
                (
                    m
                    for m in by_hand
                    if m.legistar_person_id == person_id
                    or m.name.casefold() == values["name"].casefold()
                ),
                None,
            )
            if member is not None:
                by_hand.remove(member)
        label = f"member {values['name']} ({start} to {end or 'open'})"
        if member is None:
            member = CouncilMember(body=body, legistar_office_record_id=record_id, **values)
            tally, verb = "created", "created"
        elif _changed(member, {"legistar_office_record_id": record_id, **values}):
            tally, verb = "updated", "updated"
        else:
            report.members.unchanged += 1
            continue
        try:
            member.full_clean()
        except ValidationError as error:
            report.problems.append(f"{label}: {'; '.join(error.messages)}")
            continue
        member.save()
        setattr(report.members, tally, getattr(report.members, tally) + 1)
        report.changes.append(f"{verb} {label}")
    # A term ends by the calendar, not by a change in Legistar: the records an
    # incremental run did not read still go inactive on their end date.
    for record_id, member in linked.items():
        if record_id in seen:
            continue
        active = (member.term_start is None or member.term_start <= today) and (
            member.term_end is None or member.term_end >= today
        )
        if member.active != active:
            member.active = active
            member.save(update_fields=["active", "updated_at"])
            report.members.updated += 1
            report.changes.append(f"updated member {member.name}: active {active}")


def _event_start(event: dict, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    day = _date(event.get("EventDate"))
    clock = (event.get("EventTime") or "").strip()
    if day is None or not clock:
        return None
    try:
        time = dt.datetime.strptime(clock.upper(), "%I:%M %p").time()
    except ValueError:
        return None
    return dt.datetime.combine(day, time, tzinfo=zone)


def _events_import(*, body: DecisionBody, api: LegistarClient, report: LegistarReport) -> None:
    campaigns = {
        c.legistar_matter_id: c for c in body.campaigns.filter(legistar_matter_id__isnull=False)
    }
    if not campaigns:
        return
    for matter_id, campaign in campaigns.items():
        if api.get_one(f"matters/{matter_id}") is None:
            report.problems.append(f"matter {matter_id} (campaign {campaign.slug}): not found")
    zone = _body_zone(body)
    query = f"EventBodyId eq {body.legistar_body_id}"
    if report.since:
        query += f" and EventLastModifiedUtc gt {_odata_time(report.since)}"
    events = []
    for event in api.get_all("events", {"$filter": query}):
        starts_at = _event_start(event, zone)
        if starts_at is None:
            report.problems.append(
                f"event {event['EventId']} on {event.get('EventDate')}: no time, left out"
            )
            continue
        events.append((starts_at, event))
    events.sort(key=lambda pair: pair[0])

    members_by_person: dict[int, list[CouncilMember]] = {}
    for member in body.members.filter(legistar_person_id__isnull=False):
        members_by_person.setdefault(member.legistar_person_id, []).append(member)
    # campaign id -> member id -> vote: a later roll call on the matter (the
    # board after its committee) overrides an earlier one.
    votes: dict[int, dict[int, str]] = {}
    outcomes: dict[int, tuple[dt.date, str]] = {}
    for starts_at, event in events:
        items = [
            item
            for item in api.get_all(f"events/{event['EventId']}/eventitems")
            if item.get("EventItemMatterId") in campaigns
        ]
        if not items:
            continue
        items.sort(key=lambda item: item.get("EventItemAgendaSequence") or 0)
        _hearing_import(
            event=event,
            campaign=campaigns[items[0]["EventItemMatterId"]],
            item=items[0],
            starts_at=starts_at,
            report=report,
        )
        for item in items:
            if item.get("EventItemPassedFlag") is None:
                continue  # on the agenda, not decided
            campaign = campaigns[item["EventItemMatterId"]]
            outcomes[campaign.pk] = (
                starts_at.date(),
                VoteResult.PASSED if item["EventItemPassedFlag"] else VoteResult.FAILED,
            )
            for vote in api.get_all(f"eventitems/{item['EventItemId']}/votes"):
                _vote_collect(vote, starts_at.date(), members_by_person, votes, campaign, report)
    _votes_save(votes=votes, report=report)
    for campaign in campaigns.values():
        if campaign.pk in outcomes:
            _outcome_save(campaign, *outcomes[campaign.pk], report=report)


def _hearing_import(
    *, event: dict, campaign: Campaign, item: dict, starts_at: dt.datetime, report: LegistarReport
) -> None:
    location = (event.get("EventLocation") or "").strip()[:200]
    cancelled = (event.get("EventAgendaStatusName") or "").casefold() in CANCELLED_STATUSES
    hearing = Hearing.objects.filter(legistar_event_id=event["EventId"]).first()
    if hearing is None:
        # A hearing typed in by hand for that day is this meeting.
        day = dt.datetime.combine(starts_at.date(), dt.time(), tzinfo=starts_at.tzinfo)
        hearing = campaign.hearings.filter(
            legistar_event_id=None, starts_at__gte=day, starts_at__lt=day + dt.timedelta(days=1)
        ).first()
    values = {
        "legistar_event_id": event["EventId"],
        "starts_at": starts_at,
        "location_name": location,
    }
    if cancelled and (hearing is None or hearing.cancelled_at is None):
        values["cancelled_at"] = timezone.now()
    label = f"hearing {event.get('EventBodyName')} {starts_at:%Y-%m-%d %H:%M %Z}"
    if hearing is None:
        matter = item.get("EventItemMatterFile") or item.get("EventItemTitle") or ""
        title = f"{event.get('EventBodyName') or ''}: {matter}".strip(": ")
        hearing = Hearing(campaign=campaign, title=title[:200], **values)
        tally = "created"
    elif _changed(hearing, values):
        tally = "updated"
    else:
        report.hearings.unchanged += 1
        return
    try:
        hearing_save(hearing=hearing)
    except ValidationError as error:
        report.problems.append(f"{label}: {'; '.join(error.messages)}")
        return
    setattr(report.hearings, tally, getattr(report.hearings, tally) + 1)
    report.changes.append(f"{tally} {label}" + (" (cancelled)" if cancelled else ""))


def _vote_collect(vote, day, members_by_person, votes, campaign, report) -> None:
    value = vote_normalise(vote.get("VoteValueName"))
    who = vote.get("VotePersonName") or vote.get("VotePersonId")
    if value is None:
        report.problems.append(
            f"vote {vote.get('VoteValueName')!r} by {who} on item "
            f"{vote.get('VoteEventItemId')}: not a known vote value, left out"
        )
        return
    terms = members_by_person.get(vote.get("VotePersonId")) or []
    # The term in force that day; else the person's latest.
    member = next(
        (
            m
            for m in terms
            if (m.term_start is None or m.term_start <= day)
            and (m.term_end is None or m.term_end >= day)
        ),
        max(terms, key=lambda m: m.term_start or dt.date.min, default=None),
    )
    if member is None:
        report.problems.append(f"vote by {who}: not a member of the body, left out")
        return
    votes.setdefault(campaign.pk, {})[member.pk] = value


def _votes_save(*, votes: dict[int, dict[int, str]], report: LegistarReport) -> None:
    for campaign_id, by_member in votes.items():
        existing = {
            v.member_id: v
            for v in MemberVote.objects.filter(campaign_id=campaign_id).select_related("member")
        }
        for member_id, value in by_member.items():
            row = existing.get(member_id)
            if row is None:
                row = MemberVote.objects.create(
                    campaign_id=campaign_id, member_id=member_id, vote=value
                )
                report.votes.created += 1
                report.changes.append(f"created vote {row.member.name}: {value}")
            elif row.vote != value:
                row.vote = value
                row.save(update_fields=["vote"])
                report.votes.updated += 1
                report.changes.append(f"updated vote {row.member.name}: {value}")
            else:
                report.votes.unchanged += 1


def _outcome_save(campaign: Campaign, day: dt.date, result: str, *, report: LegistarReport):
    if _changed(campaign, {"vote_held_on": day, "vote_result": result}):
        campaign.save(update_fields=["vote_held_on", "vote_result", "updated_at"])
        report.campaigns.updated += 1
        report.changes.append(f"updated campaign {campaign.slug}: vote {result} on {day}")
    else:
        report.campaigns.unchanged += 1
