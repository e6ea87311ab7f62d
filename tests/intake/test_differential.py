"""Issue #10, "One way in": the same people and actions, entered through each
path, give the same rows as the intake core given them directly.

The data (`ENTRIES`, from a seeded random.Random): 200 entries of 165 people
(35 entries name someone entered before: the same email in another case or
with spaces, or the same phone written another way with another email or
none) and 400 actions. Names carry accents (Lucía Ramírez, José Peña); ZIPs
follow Pine County (tests/conftest.py): 55063 spans districts 1 and 2, 55007
is district 1, 55030 district 2, 55072 district 3, and 55101 (Saint Paul) is
outside the county; Pine City's council has a ward over 55063 and 55072, so
only the campaign's body places people there. People prefer English or
Spanish. One person in eight is on the list already (`KNOWN`: signed up
earlier, in no campaign, some with email consent, some whose phone replied
YES), so every path also meets people it must find rather than create.

Each path gets what it can carry of that data (`Plan`); the reference is the
intake core given the same plan at STAFF trust (`supporter_intake`,
`consents_record_attested`, `sms_consents_request`, `action_record`),
computed in a savepoint rolled back before the path runs. Rows are compared
on natural keys (a supporter by email, else phone), never on database ids.

The data is built so that the end state does not depend on the order in
which a path enters it (the bulk log groups lines by kind, imports enter
people before actions):
- an entry naming someone already entered repeats their name, ZIP, language
  and sector (with two different values the later one would win);
- an entry found by phone has no email of its own when the person has one
  (else whichever came first would keep its address);
- such an entry agrees to no channel the first one did not (an agreement
  recorded later does not reach reminders written before it);
- a person pledges each kind at most once (a repeat is the same pledge, which
  the one-open-pledge rule absorbs), completes each kind at most once per
  hearing (the bulk log logs a person once per kind, status, hearing and
  day: a sign-in sheet names them once), and never both pledges and completes
  one kind (a completion fulfils the open pledge, so which of the two a path
  enters first decides the rows; the last test enters them in order).
"""

import csv
import datetime as dt
import io
import random
import re
import uuid
from collections import Counter, defaultdict, namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from campaign import messaging
from campaign.models import (
    HEARING_KINDS,
    Action,
    ActionKind,
    ActionSource,
    ActionStatus,
    Channel,
    ConsentEvent,
    ImportJob,
    Membership,
    Message,
    MessageKind,
    PendingSignup,
    Sector,
    Supporter,
    fold_text,
    normalize_email,
    normalize_phone,
)
from campaign.services.bulk_log import INVALID, NOT_FOUND
from campaign.services.imports import import_job_run
from campaign.services.intake import (
    PersonInput,
    Trust,
    action_record,
    consent_record,
    consents_record_attested,
    sms_consents_request,
    supporter_intake,
)
from campaign.services.signup import RESUBMIT_WINDOW
from tests import factories
from tests.admin.helpers import add_inline_row, changeform_data, import_file

pytestmark = pytest.mark.django_db

SEED = 20261129
PEOPLE = 165
REPEATS = 35
ACTIONS = 400

# key -> (title, days from now). A completed testimony or attendance names a
# hearing that has started; a pledge an upcoming one.
HEARINGS = {
    "past": ("Listening session at the county fairgrounds", -14),
    "next": ("Public hearing on the parks ordinance", 42),
    "later": ("Second reading of the parks ordinance", 63),
}
UPCOMING = ("next", "later")

FIRST_NAMES = (
    "Lucía", "José", "María", "Ana", "Sofía", "Andrés", "Ramón", "Begoña", "Zoë", "Renée",
    "Iñaki", "Chloé", "Jürgen", "Mai", "Amina", "John", "Mary", "Linda", "Tom", "Kari",
)  # fmt: skip
LAST_NAMES = (
    "Ramírez", "Peña", "García", "Hernández", "Núñez", "Ibáñez", "Muñoz", "Gómez",
    "Castañeda", "López", "O'Brien", "Sørensen", "Müller", "Olson", "Johnson", "Anderson",
    "Nguyen", "Yang", "Hassan", "Lindqvist",
)  # fmt: skip
# 55063 twice as often: the ZIP two districts share is the interesting one.
ZIPS = ("55063", "55063", "55007", "55030", "55072", "55101")
AREA_CODES = ("612", "651", "763", "952", "320", "218")
DOMAINS = ("example.org", "example.com", "correo.example")
CONSENT_NOTE = "Sign-in sheet of the listening session, boxes ticked"


# ---------------------------------------------------------------------------
# The data
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Act:
    kind: str
    status: str
    hearing: str | None = None  # a key of HEARINGS


@dataclass(frozen=True)
class Entry:
    """One person as one path is told about them: email and phone as typed."""

    first_name: str
    last_name: str
    email: str
    phone: str
    zip_code: str
    language: str
    sector: str
    email_ok: bool
    sms_ok: bool
    acts: tuple[Act, ...] = ()


@dataclass
class _Person:
    first_name: str
    last_name: str
    email: str
    phone: str
    zip_code: str
    language: str
    sector: str
    email_ok: bool
    sms_ok: bool
    upcoming: str
    pledged: dict = field(default_factory=dict)
    completed: set = field(default_factory=set)


def _phone_forms(e164: str) -> list[str]:
    a, b, c = e164[2:5], e164[5:8], e164[8:]
    return [f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"+1 {a} {b} {c}", f"1{a}{b}{c}"]


def _retyped(rng: random.Random, email: str) -> str:
    """The same address as someone types it another time."""
    typed = "".join(ch.upper() if rng.random() < 0.4 else ch for ch in email)
    if typed == email:
        typed = email.upper()
    return rng.choice(("", " ", "  ")) + typed + rng.choice(("", " "))


def _new_act(rng: random.Random, person: _Person, entry_acts: list[Act]) -> Act | None:
    kind = rng.choice(ActionKind.values)
    if rng.random() < 0.55:
        if kind in {k for k, _h in person.completed}:
            return None
        if kind in person.pledged:
            act = Act(kind, ActionStatus.PLEDGED, person.pledged[kind])
            # The same pledge again, from another entry of the person.
            return None if act in entry_acts else act
        hearing = person.upcoming if kind in HEARING_KINDS else None
        person.pledged[kind] = hearing
        return Act(kind, ActionStatus.PLEDGED, hearing)
    if kind in person.pledged:
        return None
    if kind == ActionKind.WRITTEN_TESTIMONY:
        hearing = rng.choice(tuple(HEARINGS))
    elif kind in HEARING_KINDS:
        hearing = "past"
    else:
        hearing = None
    if (kind, hearing) in person.completed:
        return None
    person.completed.add((kind, hearing))
    return Act(kind, ActionStatus.COMPLETED, hearing)


def build_entries(seed: int = SEED) -> tuple[tuple[Entry, ...], tuple[Entry, ...]]:
    """(the entries, in the order every path enters them; the people already on
    the list before, as they were entered then)."""
    rng = random.Random(seed)
    numbers = [f"+1{area}55501{n:02d}" for area in AREA_CODES for n in range(100)]
    rng.shuffle(numbers)
    people: list[_Person] = []
    for index in range(PEOPLE):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        draw = rng.random()
        local = f"{re.sub('[^a-z]', '', fold_text(first))}.{re.sub('[^a-z]', '', fold_text(last))}"
        email = f"{local}{index}@{rng.choice(DOMAINS)}" if draw < 0.85 else ""
        phone = numbers.pop() if draw >= 0.4 else ""
        people.append(
            _Person(
                first_name=first,
                last_name=last,
                email=email,
                phone=phone,
                zip_code=rng.choice(ZIPS),
                language="es" if rng.random() < 0.35 else "en",
                sector=rng.choice((*Sector.values, *[""] * 8)),
                email_ok=bool(email) and rng.random() < 0.6,
                sms_ok=bool(phone) and rng.random() < 0.4,
                upcoming=rng.choice(UPCOMING),
            )
        )

    # (sort key, person, email as typed, phone as typed)
    slots = []
    for index, person in enumerate(people):
        typed = person.email.capitalize() if rng.random() < 0.3 else person.email
        phone = rng.choice(_phone_forms(person.phone)) if person.phone else ""
        slots.append(((index, 0), person, typed, phone, person.email_ok, person.sms_ok))
    for index in sorted(rng.sample(range(PEOPLE), REPEATS)):
        person = people[index]
        other_phone = rng.choice(_phone_forms(person.phone)) if person.phone else ""
        if person.email and (not person.phone or rng.random() < 0.5):
            # The same email, typed otherwise; the phone again, or none, or
            # (for someone without one) a new one.
            email = _retyped(rng, person.email)
            if person.phone:
                phone = rng.choice((other_phone, ""))
            else:
                phone = rng.choice(_phone_forms(numbers.pop())) if rng.random() < 0.3 else ""
        elif person.email:
            email, phone = "", other_phone  # the same phone, no email
        else:
            # Known by phone only; this time they give an email too.
            email, phone = f"{person.first_name[0]}{index}@home.example".lower(), other_phone
        # Only after the person's first entry: the order every path keeps.
        key = (rng.uniform(index + 0.5, PEOPLE), 1)
        agrees = (person.email_ok and bool(email), person.sms_ok and bool(phone))
        slots.append((key, person, email, phone, *agrees))
    slots.sort(key=lambda slot: slot[0])

    acts: list[list[Act]] = [[] for _slot in slots]
    made = 0
    while made < ACTIONS:
        at = rng.randrange(len(slots))
        act = _new_act(rng, slots[at][1], acts[at])
        if act is not None:
            acts[at].append(act)
            made += 1
    entries = tuple(
        Entry(
            first_name=person.first_name,
            last_name=person.last_name,
            email=email,
            phone=phone,
            zip_code=person.zip_code,
            language=person.language,
            sector=person.sector,
            email_ok=email_ok,
            sms_ok=sms_ok,
            acts=tuple(entry_acts),
        )
        for (_key, person, email, phone, email_ok, sms_ok), entry_acts in zip(
            slots, acts, strict=True
        )
    )
    # One person in eight is on the list already, as their first entry says.
    firsts = [entry for (key, *_rest), entry in zip(slots, entries, strict=True) if key[1] == 0]
    known = tuple(replace(entry, acts=()) for entry in firsts[3::8])
    return entries, known


ENTRIES, KNOWN = build_entries()


# ---------------------------------------------------------------------------
# What each path can carry
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    entries: tuple[Entry, ...]
    # Whether the path takes a person's agreement to email (ticked, attested)
    # and to texts (which only makes their phone be asked to reply YES).
    email_consent: bool = True
    sms_consent: bool = True
    # Outbox kinds only this path writes (compared nowhere).
    own_messages: frozenset = frozenset()
    # Whether agreements are taken on a campaign's page (a form, an import for
    # a campaign), so the phone's "reply YES" text names that campaign.
    consent_on_campaign: bool = True


def plan_everything(entries) -> Plan:
    return Plan(entries)


def plan_people(entries) -> Plan:
    return Plan(tuple(replace(e, acts=()) for e in entries))


def plan_logged(entries) -> Plan:
    # The quick log and the admin log actions: somebody with nothing to log
    # is not entered there (and the admin's supporter page is no campaign's
    # page, so such a person would join no base).
    return Plan(tuple(e for e in entries if e.acts))


def plan_admin(entries) -> Plan:
    # The supporter page is no campaign's page: the "reply YES" text its tick
    # sends names no campaign.
    return replace(plan_logged(entries), consent_on_campaign=False)


def plan_quick_log(entries) -> Plan:
    # The new-supporter form asks no consent.
    return replace(plan_logged(entries), email_consent=False, sms_consent=False)


def plan_bulk_log(entries) -> Plan:
    # A sign-in sheet has email, phone, name and ZIP columns, and is not an
    # opt-in (bulk_log records no consent).
    return Plan(
        tuple(replace(e, language="", sector="") for e in entries if e.acts),
        email_consent=False,
        sms_consent=False,
    )


def plan_public(entries, asks, known=()) -> Plan:
    """What the public form can say: it needs an email; it only pledges, and
    only the campaign's asks; at PUBLIC trust a person is their email alone,
    so an entry giving a phone someone else entered with another email is a
    different person there (by design: typing a phone must not reach its
    holder's record), and is left out."""
    kept = []
    holders = {normalize_phone(e.phone): normalize_email(e.email) for e in known if e.phone}
    for entry in entries:
        if not entry.email:
            continue
        email, phone = normalize_email(entry.email), normalize_phone(entry.phone)
        if phone and holders.setdefault(phone, email) != email:
            continue
        acts = tuple(a for a in entry.acts if a.status == ActionStatus.PLEDGED and a.kind in asks)
        kept.append(replace(entry, acts=acts))
    return Plan(
        tuple(kept),
        # The form's own replies: the sign-up's confirmation and the check sent
        # to an address already on the list. No other path answers someone
        # who did not write in.
        own_messages=frozenset(
            {MessageKind.SIGNUP_CONFIRMATION, MessageKind.SIGNUP_CONFIRM_REQUEST}
        ),
    )


# ---------------------------------------------------------------------------
# The rows compared
# ---------------------------------------------------------------------------
# Left out, because they differ by path by design: ids; created/updated/
# joined/completed/scheduled times; `source` (of actions, memberships and
# consents: it says which path); `logged_by`; idempotency keys; consent
# wording and campaign (the admin's tick is on no campaign's page); notes
# (no action here has one); the ledger's repeats (a second attestation of a
# consent already given may or may not add a row: the set of (channel, kind)
# per person is compared); the public path's own messages (`Plan`); what no
# entry here gives (street address, youth, notes).

SupporterRow = namedtuple(
    "SupporterRow",
    "key first_name last_name search_name email phone zip_code district language sector"
    " email_consent sms_consent unsubscribed tags",
)
MembershipRow = namedtuple("MembershipRow", "supporter campaign")
ActionRow = namedtuple("ActionRow", "supporter campaign kind status hearing target due_date")
# `pledge`: the kind of the pledge a follow-up is about (hearing reminders
# name the hearing instead: which of two pledges for it they hang on is the
# order of entry).
OutboxRow = namedtuple(
    "OutboxRow", "supporter kind channel campaign hearing pledge language status"
)
ConsentRow = namedtuple("ConsentRow", "supporter channel kind")


def snapshot(plan: Plan) -> dict[str, list]:
    supporters = list(Supporter.objects.select_related("district").prefetch_related("tags"))
    key = {s.pk: s.email or s.phone for s in supporters}
    rows = {
        "supporters": [
            SupporterRow(
                key[s.pk],
                s.first_name,
                s.last_name,
                s.search_name,
                s.email or "",
                s.phone or "",
                s.zip_code,
                s.district.name if s.district_id else "",
                s.language,
                s.sector,
                s.email_consent_at is not None,
                s.sms_consent_at is not None,
                s.unsubscribed_at is not None,
                tuple(sorted(tag.name for tag in s.tags.all())),
            )
            for s in supporters
        ],
        "memberships": [
            MembershipRow(key[supporter_id], slug)
            for supporter_id, slug in Membership.objects.values_list(
                "supporter_id", "campaign__slug"
            )
        ],
        "actions": [
            ActionRow(
                key[a.supporter_id],
                a.campaign.slug,
                a.kind,
                a.status,
                a.hearing.title if a.hearing_id else "",
                a.target.name if a.target_id else "",
                a.due_date.isoformat() if a.due_date else "",
            )
            for a in Action.objects.select_related("campaign", "hearing", "target")
        ],
        "outbox": [
            OutboxRow(
                key[m.supporter_id],
                m.kind,
                m.channel,
                m.campaign.slug if m.campaign_id else "",
                m.hearing.title if m.hearing_id else "",
                m.action.kind if m.kind == MessageKind.PLEDGE_FOLLOWUP and m.action_id else "",
                m.language,
                m.status,
            )
            for m in Message.objects.select_related("campaign", "hearing", "action")
            .filter(supporter__isnull=False)
            .exclude(kind__in=plan.own_messages)
        ],
        "consents": sorted(
            {
                ConsentRow(key[supporter_id], channel, kind)
                for supporter_id, channel, kind in ConsentEvent.objects.values_list(
                    "supporter_id", "channel", "kind"
                )
            }
        ),
    }
    return {table: sorted(table_rows) for table, table_rows in rows.items()}


def enter_core(plan: Plan, county) -> None:
    """The plan given to the intake core directly, at STAFF trust."""
    campaign, hearings = county["campaign"], county["hearings"]
    for entry in plan.entries:
        supporter = supporter_intake(
            person=PersonInput(
                first_name=entry.first_name,
                last_name=entry.last_name,
                email=entry.email or None,
                phone=entry.phone or None,
                zip_code=entry.zip_code,
                language=entry.language,
                sector=entry.sector,
            ),
            trust=Trust.STAFF,
            campaign=campaign,
            source="reference",
        ).supporter
        if plan.email_consent and entry.email_ok:
            consents_record_attested(
                supporter_ids=[supporter.pk],
                channel=Channel.EMAIL,
                source="reference",
                campaign=campaign,
            )
            supporter.refresh_from_db()
        if plan.sms_consent and entry.sms_ok:
            # Nobody's word but the phone's: it is asked to reply YES.
            sms_consents_request(
                supporters=[supporter],
                campaign=campaign if plan.consent_on_campaign else None,
                wording="",
            )
        for act in entry.acts:
            action_record(
                supporter=supporter,
                campaign=campaign,
                kind=act.kind,
                status=act.status,
                source=ActionSource.ADMIN,
                hearing=hearings.get(act.hearing),
            )


def reference(plan: Plan, county) -> dict[str, list]:
    """The rows the intake core gives for the plan, rolled back afterwards."""
    savepoint = transaction.savepoint()
    try:
        enter_core(plan, county)
        return snapshot(plan)
    finally:
        transaction.savepoint_rollback(savepoint)


def differences(expected: dict[str, list], got: dict[str, list], limit: int = 12) -> str:
    """Row by row, table by table: '-' a row the core gives that the path did
    not, '+' the reverse, '~' the same supporter's row with the fields that
    differ (expected -> got)."""
    out = []
    for table, want_rows in expected.items():
        want, have = Counter(want_rows), Counter(got[table])
        missing, extra = want - have, have - want
        if not missing and not extra:
            continue
        out.append(
            f"{table}: {sum(missing.values())} expected row(s) missing, "
            f"{sum(extra.values())} unexpected (of {len(want_rows)} expected)"
        )
        extras = defaultdict(list)
        for row in sorted(extra.elements()):
            extras[row[0]].append(row)
        shown = 0
        for row in sorted(missing.elements()):
            twins = extras.get(row[0])
            if twins:
                twin = max(twins, key=lambda t: sum(a == b for a, b in zip(row, t, strict=True)))
                twins.remove(twin)
                changed = ", ".join(
                    f"{name}: {a!r} -> {b!r}"
                    for name, a, b in zip(row._fields, row, twin, strict=True)
                    if a != b
                )
                line = f"  ~ {row[0]} {type(row).__name__}({changed}) in {row}"
            else:
                line = f"  - {row}"
            if shown < limit:
                out.append(line)
            shown += 1
        for row in (r for rows in extras.values() for r in rows):
            if shown < limit:
                out.append(f"  + {row}")
            shown += 1
        if shown > limit:
            out.append(f"  ... and {shown - limit} more")
    return "\n".join(out)


# ---------------------------------------------------------------------------
# The paths, each through its real entry point
# ---------------------------------------------------------------------------


def _errors(response) -> str:
    context = response.context or {}
    found = []
    for name in ("form", "new_form", "log_form", "adminform"):
        form = context.get(name)
        form = getattr(form, "form", form)
        if form is not None and getattr(form, "errors", None):
            found.append(f"{name}: {form.errors.as_text()}")
    for inline in context.get("inline_admin_formsets") or []:
        for errors in inline.formset.errors:
            if errors:
                found.append(f"inline: {errors.as_text()}")
    return "; ".join(found) or f"status {response.status_code}"


def enter_public(plan: Plan, county, client) -> None:
    """POST the campaign page; a known address is held and confirmed by
    following the link of the email it gets, and so is a new address's email
    consent (double opt-in). An address gets one email a day: a later held
    sign-up is confirmed by the link of the email already in the mailbox."""
    campaign, hearings = county["campaign"], county["hearings"]
    url = reverse("public:campaign", args=[campaign.slug])
    mailbox: dict[int, tuple[int, str]] = {}  # supporter -> (email id, its link)
    for entry in plan.entries:
        # The same person coming back days later, not a double click (which
        # the resubmit window swallows).
        Supporter.objects.filter(created_at__gt=timezone.now() - 2 * RESUBMIT_WINDOW).update(
            created_at=F("created_at") - dt.timedelta(days=1)
        )
        data = {
            "first_name": entry.first_name,
            "last_name": entry.last_name,
            "email": entry.email,
            "phone": entry.phone,
            "zip_code": entry.zip_code,
            "language": entry.language,
            "sector": entry.sector,
            "asks": [act.kind for act in entry.acts],
        }
        chosen = {act.hearing for act in entry.acts if act.hearing}
        assert len(chosen) <= 1, "the form names one hearing"
        if chosen:
            data["hearing"] = hearings[chosen.pop()].pk
        if entry.email_ok:
            data["email_updates"] = "on"
        if entry.sms_ok:
            data["sms_reminders"] = "on"
        response = client.post(url, data)
        assert response.status_code == 302, _errors(response)
        held = PendingSignup.objects.filter(campaign=campaign, confirmed_at__isnull=True).first()
        if held is not None:
            email = Message.objects.filter(
                kind__in=[MessageKind.SIGNUP_CONFIRM_REQUEST, MessageKind.SIGNUP_CONFIRMATION],
                channel=Channel.EMAIL,
                supporter_id=held.supporter_id,
            ).latest("pk")
            if mailbox.get(held.supporter_id, (None,))[0] != email.pk:
                # A new email (rendering it, as sending does, mints its link).
                body = messaging.render_email(email).body
                path = re.search(rf"/c/{campaign.slug}/confirm/[\w-]+/", body).group(0)
                mailbox[held.supporter_id] = (email.pk, path)
            response = client.post(mailbox[held.supporter_id][1])
            assert response.status_code == 302, _errors(response)
            assert not PendingSignup.objects.filter(confirmed_at__isnull=True).exists()


def enter_quick_log(plan: Plan, county, client) -> None:
    """The new-supporter form, then the log form once per action with what the
    page shows (the supporter's own commissioner as target)."""
    campaign, hearings = county["campaign"], county["hearings"]
    url = reverse("dashboard:log", args=[campaign.slug])
    for entry in plan.entries:
        data = {
            "form": "new",
            "new-first_name": entry.first_name,
            "new-last_name": entry.last_name,
            "new-email": entry.email,
            "new-phone": entry.phone,
            "new-zip_code": entry.zip_code,
            "new-language": entry.language,
            "new-sector": entry.sector,
        }
        response = client.post(url, data)
        shown_again = response.status_code == 200 and response.context.get("new_form")
        if shown_again and not shown_again.errors and shown_again.data.get("new-confirm"):
            # Likely duplicates listed (this person, or another of the same
            # name): the coordinator submits the same details again, and the
            # intake rules decide who they are.
            data["new-confirm"] = shown_again.data["new-confirm"]
            response = client.post(url, data)
        assert response.status_code == 302, _errors(response)
        supporter_id = parse_qs(urlparse(response["Location"]).query)["supporter"][0]
        page = client.get(url, {"supporter": supporter_id})
        shown = page.context["log_form"].initial.get("target")
        for act in entry.acts:
            response = client.post(
                url,
                {
                    "supporter": supporter_id,
                    "kind": act.kind,
                    "status": act.status,
                    "target": shown or "",
                    "hearing": hearings[act.hearing].pk if act.hearing else "",
                    "note": "",
                    "token": uuid.uuid4().hex,
                },
            )
            assert response.status_code == 302, _errors(response)


def enter_bulk_log(plan: Plan, county, client) -> None:
    """One pasted sign-in sheet (CSV with a header) per kind, status and hearing."""
    campaign, hearings = county["campaign"], county["hearings"]
    url = reverse("dashboard:bulk_log", args=[campaign.slug])
    groups: dict[Act, list[Entry]] = {}
    for entry in plan.entries:
        for act in entry.acts:
            groups.setdefault(act, []).append(entry)
    for act, entries in groups.items():
        sheet = io.StringIO()
        writer = csv.writer(sheet)
        writer.writerow(["first_name", "last_name", "email", "phone", "zip"])
        for e in entries:
            writer.writerow([e.first_name, e.last_name, e.email, e.phone, e.zip_code])
        response = client.post(
            url,
            {
                "kind": act.kind,
                "status": act.status,
                "hearing": hearings[act.hearing].pk if act.hearing else "",
                "lines": sheet.getvalue(),
            },
        )
        assert response.status_code == 200
        result = response.context["result"]
        assert result is not None, _errors(response)
        refused = [line for line in result.lines if line.outcome in (NOT_FOUND, INVALID)]
        assert not refused, refused


def _consent_files(plan: Plan) -> dict[tuple[str, ...], bytes]:
    """People CSVs, one per set of consents the file attests (an import
    attests consents for its whole file)."""
    files: dict[tuple[str, ...], list[Entry]] = {}
    for entry in plan.entries:
        channels = ((Channel.EMAIL,) if entry.email_ok else ()) + (
            (Channel.SMS,) if entry.sms_ok else ()
        )
        files.setdefault(channels, []).append(entry)
    out = {}
    for channels, entries in files.items():
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(
            ["first_name", "last_name", "email", "phone", "zip_code", "language", "sector"]
        )
        for e in entries:
            writer.writerow(
                [e.first_name, e.last_name, e.email, e.phone, e.zip_code, e.language, e.sector]
            )
        out[channels] = text.getvalue().encode()
    return out


def _actions_file(plan: Plan, county) -> bytes:
    hearings = county["hearings"]
    completed_at = timezone.localtime() - dt.timedelta(days=1)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(
        ["supporter_email", "supporter_phone", "campaign", "kind", "status", "hearing"]
        + ["completed_at", "outcome_note"]
    )
    for entry in plan.entries:
        for act in entry.acts:
            writer.writerow(
                [
                    entry.email,
                    entry.phone,
                    county["campaign"].slug,
                    act.kind,
                    act.status,
                    # Its local start, as the actions export writes it.
                    timezone.localtime(hearings[act.hearing].starts_at).strftime("%Y-%m-%d %H:%M")
                    if act.hearing
                    else "",
                    completed_at.strftime("%Y-%m-%d %H:%M:%S")
                    if act.status == ActionStatus.COMPLETED
                    else "",
                    "",
                ]
            )
    return text.getvalue().encode()


def _import_actions(plan: Plan, county, client) -> None:
    response = import_file(client, "action", _actions_file(plan, county), "actions.csv")
    assert response.status_code == 302, _errors(response)


def enter_imports(plan: Plan, county, client) -> None:
    """The imports page (a job run as the worker would run it), then the
    admin's action import."""
    campaign = county["campaign"]
    for number, (channels, content) in enumerate(_consent_files(plan).items()):
        response = client.post(
            reverse("imports:upload"),
            {
                "file": SimpleUploadedFile(f"people-{number}.csv", content),
                "campaign": campaign.pk,
                "consents": list(channels),
                "consent_note": CONSENT_NOTE,
            },
        )
        assert response.status_code == 302, _errors(response)
        # The preview shows the mapping and first rows; Start import queues it.
        response = client.post(response["Location"])
        assert response.status_code == 302, _errors(response)
        job_id = int(response["Location"].rstrip("/").rsplit("/", 1)[-1])
        job = import_job_run(job_id=job_id)
        assert (job.status, job.errors) == (ImportJob.Status.DONE, [])
    _import_actions(plan, county, client)


def enter_admin_import(plan: Plan, county, client) -> None:
    """The admin's supporter import: the same form and job as the imports page."""
    campaign = county["campaign"]
    for number, (channels, content) in enumerate(_consent_files(plan).items()):
        before = set(ImportJob.objects.values_list("pk", flat=True))
        response = client.post(
            reverse("admin:campaign_supporter_import"),
            {
                "file": SimpleUploadedFile(f"people-{number}.csv", content),
                "campaign": campaign.pk,
                "consents": list(channels),
                "consent_note": CONSENT_NOTE,
            },
        )
        assert response.status_code == 302, _errors(response)
        [job] = ImportJob.objects.exclude(pk__in=before)
        job = import_job_run(job_id=job.pk)
        assert (job.status, job.errors) == (ImportJob.Status.DONE, [])


def _admin_find(client, entry: Entry) -> Supporter | None:
    """What a coordinator does when the add page says the person exists:
    search the supporter list by the email, else the phone, and open them."""
    url = reverse("admin:campaign_supporter_changelist")
    for term, field_name, normal in (
        (entry.email.strip(), "email", normalize_email(entry.email)),
        (entry.phone, "phone", normalize_phone(entry.phone)),
    ):
        if term:
            results = client.get(url, {"q": term}).context["cl"].result_list
            exact = [s for s in results if getattr(s, field_name) == normal]
            if len(exact) == 1:
                return exact[0]
    return None


def enter_admin(plan: Plan, county, client) -> None:
    """Add supporter with action rows inline; for someone already on the list
    (the add page refuses them), their change page, found by searching the
    list and filled in as the intake rules say a coordinator's entry counts (a
    given value replaces the stored one, a blank erases nothing, an email or
    phone is only added)."""
    campaign, hearings = county["campaign"], county["hearings"]
    add_url = reverse("admin:campaign_supporter_add")
    blank = changeform_data(client.get(add_url))
    blank.pop("tags", None)  # none: an empty autocomplete sends nothing

    def add_rows(data: dict, entry: Entry) -> None:
        for act in entry.acts:
            add_inline_row(
                data,
                "actions",
                {
                    "campaign": campaign.pk,
                    "kind": act.kind,
                    "status": act.status,
                    "target": "",
                    "hearing": hearings[act.hearing].pk if act.hearing else "",
                    "due_date": "",
                    "completed_at_0": "",
                    "completed_at_1": "",
                    "source": ActionSource.ADMIN,
                    "outcome_note": "",
                },
            )

    entered: set[str] = set()  # the emails and phones of the stack so far
    for entry in plan.entries:
        identities = {normalize_email(entry.email), normalize_phone(entry.phone)} - {None}
        response = None
        if not identities & entered:
            data = dict(blank)
            for name in ("first_name", "last_name", "email", "phone", "zip_code", "language"):
                data[name] = getattr(entry, name)
            data["sector"] = entry.sector
            if entry.email_ok:
                data["email_consent"] = "on"
            if entry.sms_ok:
                data["sms_consent"] = "on"
            add_rows(data, entry)
            response = client.post(add_url, data)
        if response is None or response.status_code == 200:
            # Entered earlier from this stack, or the add page says they are on
            # the list: the coordinator finds them and fills in their page.
            found = _admin_find(client, entry)
            assert found is not None, response and _errors(response)
            change_url = reverse("admin:campaign_supporter_change", args=[found.pk])
            data = changeform_data(client.get(change_url))
            for name in ("first_name", "last_name", "zip_code", "language", "sector"):
                if getattr(entry, name):
                    data[name] = getattr(entry, name)
            for name in ("email", "phone"):
                if getattr(entry, name).strip() and not data.get(name):
                    data[name] = getattr(entry, name)
            if entry.email_ok:
                data["email_consent"] = "on"
            if entry.sms_ok:
                data["sms_consent"] = "on"
            add_rows(data, entry)
            response = client.post(change_url, data)
        assert response.status_code == 302, _errors(response)
        entered |= identities


# ---------------------------------------------------------------------------
# The test
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Path:
    plan: Callable
    enter: Callable


PATHS = {
    "public_form": Path(
        lambda county: plan_public(ENTRIES, county["campaign"].asks, KNOWN), enter_public
    ),
    "quick_log": Path(lambda county: plan_quick_log(ENTRIES), enter_quick_log),
    "bulk_log": Path(lambda county: plan_bulk_log(ENTRIES), enter_bulk_log),
    "imports_page": Path(lambda county: plan_everything(ENTRIES), enter_imports),
    # The admin's import is of people; their actions come by the same action
    # file as the imports page's (run once, there: it is the slow part).
    "admin_import": Path(lambda county: plan_people(ENTRIES), enter_admin_import),
    "admin": Path(lambda county: plan_admin(ENTRIES), enter_admin),
}


@pytest.fixture
def county(pine_county, settings, tmp_path):
    settings.RATELIMIT_ENABLE = False  # hundreds of sign-ups from one address
    settings.MEDIA_ROOT = tmp_path / "media"
    campaign = pine_county["campaign"]
    now = timezone.now()
    hearings = {
        key: factories.HearingFactory(
            campaign=campaign,
            title=title,
            starts_at=now + dt.timedelta(days=days),
            testimony_deadline=now + dt.timedelta(days=days - 1),
        )
        for key, (title, days) in HEARINGS.items()
    }
    # A former member first by name in district 2's seat: targets skip them.
    factories.CouncilMemberFactory(
        body=pine_county["body"],
        district=pine_county["districts"][1],
        name="Aaberg (former)",
        active=False,
    )
    # Pine City's council sits inside the county: its ward covers 55072 too,
    # so only a campaign's body places those people in district 3.
    city = factories.DecisionBodyFactory(name="Pine City Council", seats=5)
    ward = factories.DistrictFactory(body=city, number=1, name="Ward 1", zips=["55072", "55063"])
    factories.CouncilMemberFactory(body=city, district=ward, name="Council Member Ward 1")
    enter_known()
    return {**pine_county, "hearings": hearings}


def enter_known() -> None:
    """The list before any path runs: people who signed up earlier, in no
    campaign yet, with their agreements (texts: their phone replied YES)."""
    for entry in KNOWN:
        supporter = supporter_intake(
            person=PersonInput(
                first_name=entry.first_name,
                last_name=entry.last_name,
                email=entry.email or None,
                phone=entry.phone or None,
                zip_code=entry.zip_code,
                language=entry.language,
                sector=entry.sector,
            ),
            trust=Trust.STAFF,
        ).supporter
        for agreed, channel, source in (
            (entry.email_ok, Channel.EMAIL, "earlier sign-up"),
            (entry.sms_ok, Channel.SMS, "sms: YES"),
        ):
            if agreed:
                consent_record(supporter=supporter, channel=channel, source=source)


def test_the_data_has_what_the_issue_asks_for():
    people = {normalize_email(e.email) or normalize_phone(e.phone) for e in ENTRIES}
    assert (len(ENTRIES), sum(len(e.acts) for e in ENTRIES)) == (200, 400)
    assert len(KNOWN) > 15 and any(e.sms_ok for e in KNOWN) and any(e.email_ok for e in KNOWN)
    assert len(people) < len(ENTRIES)
    assert {e.language for e in ENTRIES} == {"en", "es"}
    assert {e.zip_code for e in ENTRIES} == set(ZIPS)
    assert any("í" in e.first_name + e.last_name for e in ENTRIES)
    emails = Counter(normalize_email(e.email) for e in ENTRIES if e.email)
    phones = Counter(normalize_phone(e.phone) for e in ENTRIES if e.phone)
    assert any(n > 1 for n in emails.values()) and any(n > 1 for n in phones.values())


@pytest.mark.parametrize("name", list(PATHS))
def test_each_path_gives_the_rows_the_intake_core_gives(name, county, client, coordinator):
    path = PATHS[name]
    plan = path.plan(county)
    expected = reference(plan, county)
    client.force_login(coordinator)

    path.enter(plan, county, client)

    got = snapshot(plan)
    if got != expected:
        # Not `assert got == expected`: pytest's own diff of these lists is slow and unreadable.
        pytest.fail(f"{name} differs from the intake core:\n{differences(expected, got)}")


LUCIA = Entry(
    first_name="Lucía",
    last_name="Ramírez",
    email="lucia.ramirez@example.org",
    phone="(612) 555-0200",  # no one else's: the data's numbers end 01xx
    zip_code="55007",
    language="es",
    sector="parents",
    email_ok=False,
    sms_ok=False,
)


def enter_admin_action_add(plan: Plan, county, client) -> None:
    """The admin's action add page, for a supporter found on the list."""
    url = reverse("admin:campaign_action_add")
    hearings = county["hearings"]
    for entry in plan.entries:
        supporter = _admin_find(client, entry)
        for act in entry.acts:
            data = changeform_data(client.get(url))
            data.update(
                {
                    "supporter": str(supporter.pk),
                    "campaign": str(county["campaign"].pk),
                    "kind": act.kind,
                    "status": act.status,
                    "hearing": str(hearings[act.hearing].pk) if act.hearing else "",
                }
            )
            response = client.post(url, data)
            assert response.status_code == 302, _errors(response)


LOGGING_PATHS = {
    "quick_log": enter_quick_log,
    "bulk_log": enter_bulk_log,
    "action_import": _import_actions,
    "admin": enter_admin,
    "admin_action_add": enter_admin_action_add,
}


@pytest.mark.parametrize("name", list(LOGGING_PATHS))
def test_a_call_logged_after_a_pledge_to_call_gives_the_same_rows(
    name, county, client, coordinator
):
    # Lucía pledged to call and agreed to email (so the pledge has a follow-up).
    enter_core(
        Plan((replace(LUCIA, email_ok=True, acts=(Act(ActionKind.CALL, ActionStatus.PLEDGED),)),)),
        county,
    )
    plan = Plan(
        (replace(LUCIA, acts=(Act(ActionKind.CALL, ActionStatus.COMPLETED),)),),
        email_consent=False,
        sms_consent=False,
    )
    expected = reference(plan, county)
    client.force_login(coordinator)

    LOGGING_PATHS[name](plan, county, client)

    got = snapshot(plan)
    if got != expected:
        pytest.fail(f"{name} differs from the intake core:\n{differences(expected, got)}")
