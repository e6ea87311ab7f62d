"""Generate a coalition network's data with PostgreSQL COPY.

Sizes are parameters (100,000 supporters and 1,000,000 actions for `make bench`).
The data respects every model rule: lower-case emails, E.164 phones, a
completion time exactly on completed actions, at most one open pledge per
supporter, campaign and kind (every (supporter, campaign, kind) is used once).
Campaign sizes are skewed: the largest holds 40% of the actions.
"""

import datetime as dt
import random
import time
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from campaign.models import (
    Action,
    ActionKind,
    ActionSource,
    ActionStatus,
    Campaign,
    CouncilMember,
    DecisionBody,
    District,
    DistrictZip,
    Hearing,
    Position,
    Sector,
    Stance,
    Supporter,
    fold_text,
)

# Share of all actions per campaign, largest first (20 campaigns).
CAMPAIGN_WEIGHTS = [0.40, 0.20, 0.10, 0.08, 0.05] + [0.17 / 15] * 15
KINDS = list(ActionKind.values)
CONTACT = {"call", "letter", "email", "testify", "written_testimony", "meeting"}
SECTORS = list(Sector.values)
POSITIONS = list(Position.values)
SOURCES = list(ActionSource.values)


@dataclass
class Generated:
    counts: dict
    seconds: float
    largest_slug: str
    campaign_ids: list
    supporter_emails: int

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def email_of(i: int) -> str:
    return f"s{i}@bench.example.org"


def _copy(cursor, table: str, columns: tuple, rows) -> int:
    n = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _reset_sequences(cursor, tables):
    for table in tables:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f" COALESCE((SELECT max(id) FROM {table}), 1))"
        )


def generate(
    *, supporters: int, actions: int, campaigns: int = 20, bodies: int = 5, seed: int = 7
) -> Generated:
    """Fill an empty, migrated database. Returns counts and rows/s."""
    rng = random.Random(seed)
    now = timezone.now()
    started = time.perf_counter()
    counts: dict[str, int] = {}
    raw = connection.cursor().cursor  # the psycopg cursor, for COPY
    t = {m: m._meta.db_table for m in (DecisionBody, District, DistrictZip, CouncilMember)}

    # Bodies, districts (with ZIPs; ZIP 1 of each body spans districts 1 and 2), members.
    body_rows, district_rows, zip_rows, member_rows = [], [], [], []
    members_by_body: dict[int, list[int]] = {}
    zips_by_body: dict[int, list[tuple[str, int | None]]] = {}
    district_id = member_id = zip_id = 0
    for b in range(1, bodies + 1):
        seats = 5 + 2 * (b % 3)
        body_rows.append(
            (b, f"Bench County {b} Board", f"Bench County {b}", seats, "", "", "{}", now, now)
        )
        zips_by_body[b] = []
        for d in range(1, seats + 1):
            district_id += 1
            district_rows.append((district_id, b, d, f"District {d}", "", now, now))
            for z in range(2):
                zip_code = f"{50000 + b * 100 + d * 2 + z:05d}"
                zip_id += 1
                zip_rows.append((zip_id, district_id, zip_code))
                zips_by_body[b].append((zip_code, district_id))
            if d == 2:
                shared = f"{50000 + b * 100:05d}"
                zip_id += 1
                zip_rows.append((zip_id, district_id - 1, shared))
                zip_id += 1
                zip_rows.append((zip_id, district_id, shared))
                zips_by_body[b].append((shared, None))
            member_id += 1
            members_by_body.setdefault(b, []).append(member_id)
            member_rows.append(
                (
                    member_id,
                    b,
                    district_id,
                    f"Member {b}-{d}",
                    "Commissioner",
                    "Comisionado/a",
                    f"member{b}-{d}@county{b}.example.gov",
                    f"+1612555{b:02d}{d:02d}",
                    "",
                    "",
                    None,
                    None,
                    True,
                    now,
                    now,
                )
            )
    counts["decision bodies"] = _copy(
        raw,
        t[DecisionBody],
        # COPY fills no Django default: every NOT NULL column is named.
        (
            "id",
            "name",
            "jurisdiction",
            "seats",
            "ocd_division_id",
            "legistar_client",
            "legistar_config",
            "created_at",
            "updated_at",
        ),
        body_rows,
    )
    counts["districts"] = _copy(
        raw,
        t[District],
        ("id", "body_id", "number", "name", "ocd_id", "created_at", "updated_at"),
        district_rows,
    )
    counts["district ZIPs"] = _copy(
        raw, t[DistrictZip], ("id", "district_id", "zip_code"), zip_rows
    )
    counts["council members"] = _copy(
        raw,
        t[CouncilMember],
        (
            "id",
            "body_id",
            "district_id",
            "name",
            "title",
            "title_es",
            "email",
            "phone",
            "office_address",
            "photo_url",
            "term_start",
            "term_end",
            "active",
            "created_at",
            "updated_at",
        ),
        member_rows,
    )

    # Campaigns (through the ORM: few rows, many columns with defaults).
    campaign_objs = []
    for c in range(campaigns):
        campaign_objs.append(
            Campaign(
                id=c + 1,
                name=f"Bench campaign {c + 1:02d}",
                slug=f"bench-campaign-{c + 1:02d}",
                decision_body_id=c % bodies + 1,
                goal="Pass the ordinance.",
                status="active",
                is_public=True,
                call_script="Hello {member_name}, I am {supporter_name}.",
                letter_template="Dear {member_name}, ... {supporter_name}",
                starts_on=(now - dt.timedelta(days=300)).date(),
            )
        )
    Campaign.objects.bulk_create(campaign_objs)
    counts["campaigns"] = len(campaign_objs)
    Hearing.objects.bulk_create(
        Hearing(
            campaign_id=c.id,
            title="Public hearing",
            starts_at=now + dt.timedelta(days=20 + c.id),
            location_name="Government Center",
        )
        for c in campaign_objs
    )
    counts["hearings"] = len(campaign_objs)

    # Stance histories: 2-6 entries per member and campaign, oldest first.
    stance_rows = []
    for c in campaign_objs:
        for m in members_by_body[c.decision_body_id]:
            when = now - dt.timedelta(days=200)
            for _ in range(rng.randint(2, 6)):
                when += dt.timedelta(days=rng.randint(1, 30), hours=rng.randint(0, 23))
                stance_rows.append((c.id, m, rng.choice(POSITIONS), "", None, when))
    counts["stances"] = _copy(
        raw,
        Stance._meta.db_table,
        ("campaign_id", "member_id", "position", "note", "recorded_by_id", "recorded_at"),
        stance_rows,
    )

    # Supporters: spread over the bodies' ZIPs; 60% give a phone.
    body_ids = list(zips_by_body)
    year = dt.timedelta(days=365).total_seconds()

    def supporter_rows():
        for i in range(supporters):
            zip_code, district = rng.choice(zips_by_body[body_ids[i % len(body_ids)]])
            created = now - dt.timedelta(seconds=rng.random() * year)
            has_phone = rng.random() < 0.6
            phone = f"+1612{2000000 + i:07d}" if has_phone else None
            email_ok = rng.random() < 0.8
            sms_ok = has_phone and rng.random() < 0.4
            r = rng.random()
            yield (
                i + 1,
                f"First{i}",
                f"Last{i % 5000}",
                email_of(i),
                phone,
                zip_code,
                "",
                district,
                "es" if r < 0.2 else "en",
                SECTORS[i % 12] if r < 0.7 else "",
                r < 0.1,
                created if email_ok else None,
                "bench" if email_ok else "",
                created if sms_ok else None,
                "bench" if sms_ok else "",
                now if r > 0.98 else None,
                None,
                "",
                fold_text(f"First{i} Last{i % 5000}"),
                created,
                created,
            )

    counts["supporters"] = _copy(
        raw,
        Supporter._meta.db_table,
        (
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "zip_code",
            "street_address",
            "district_id",
            "language",
            "sector",
            "is_youth",
            "email_consent_at",
            "email_consent_source",
            "sms_consent_at",
            "sms_consent_source",
            "unsubscribed_at",
            "email_bounced_at",
            "notes",
            "search_name",
            "created_at",
            "updated_at",
        ),
        supporter_rows(),
    )

    # Actions: each (supporter, campaign, kind) at most once.
    sizes = [round(actions * w) for w in CAMPAIGN_WEIGHTS[:campaigns]]
    sizes[0] += actions - sum(sizes)
    pool = supporters * len(KINDS)
    days300 = dt.timedelta(days=300).total_seconds()

    def action_rows():
        for c, n in zip(campaign_objs, sizes, strict=True):
            members = members_by_body[c.decision_body_id]
            for idx in rng.sample(range(pool), min(n, pool)):
                kind = KINDS[idx % len(KINDS)]
                created = now - dt.timedelta(seconds=rng.random() * days300)
                r = rng.random()
                if r < 0.55:
                    status = ActionStatus.COMPLETED
                    done = min(now, created + dt.timedelta(seconds=rng.random() * 1_209_600))
                elif r < 0.9:
                    status, done = ActionStatus.PLEDGED, None
                else:
                    status, done = ActionStatus.CANCELLED, None
                target = rng.choice(members) if kind in CONTACT and r < 0.8 else None
                due = (created + dt.timedelta(days=14)).date() if status == "pledged" else None
                yield (
                    idx // len(KINDS) + 1,
                    c.id,
                    kind,
                    status,
                    target,
                    None,
                    due,
                    done,
                    "",
                    SOURCES[idx % len(SOURCES)],
                    None,
                    None,
                    created,
                    done or created,
                )

    counts["actions"] = _copy(
        raw,
        Action._meta.db_table,
        (
            "supporter_id",
            "campaign_id",
            "kind",
            "status",
            "target_id",
            "hearing_id",
            "due_date",
            "completed_at",
            "outcome_note",
            "source",
            "logged_by_id",
            "idempotency_key",
            "created_at",
            "updated_at",
        ),
        action_rows(),
    )
    # Each supporter with an action is in that campaign's base (the intake
    # core writes both); joined when their first action was logged.
    raw.execute(
        "INSERT INTO campaign_membership (campaign_id, supporter_id, source, joined_at,"
        " completed_actions) SELECT campaign_id, supporter_id, min(source), min(created_at), 0"
        " FROM campaign_action GROUP BY campaign_id, supporter_id"
    )
    counts["memberships"] = raw.rowcount
    _reset_sequences(
        raw,
        [
            t[DecisionBody],
            t[District],
            t[DistrictZip],
            t[CouncilMember],
            Campaign._meta.db_table,
            Supporter._meta.db_table,
        ],
    )
    seconds = time.perf_counter() - started
    raw.execute("ANALYZE")
    return Generated(
        counts=counts,
        seconds=seconds,
        largest_slug=campaign_objs[0].slug,
        campaign_ids=[c.id for c in campaign_objs],
        supporter_emails=supporters,
    )
