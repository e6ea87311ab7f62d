"""Dashboard rollups: per-campaign counts kept in the same transaction as
every write, and the recount that checks them.

The counts live in campaign.Rollup and are kept by database triggers, not by
Python code, because actions, memberships and supporters are written by many
statements (the intake core's single and bulk paths, imports, merges,
erasure, admin edits and deletes, queryset updates, cascades): a trigger sees
every one of them, in the writer's transaction, and costs no extra round
trip. PostgreSQL runs one statement-level trigger per statement over its
transition tables (one aggregate per bulk INSERT); SQLite runs row triggers.

One rule, one place: `_action_rows` and `_membership_rows` say what a row
contributes; the triggers apply them to the changed rows (old rows with
weight -1, new rows with +1) and `recount` applies them to every row.
Triggers are (re)installed after every `migrate` (post_migrate), so they
always match this code and the TIME_ZONE setting; `reconcile` repairs the
table after either changes.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import connections, router, transaction

from campaign.models import CONTACT_KINDS, HEARING_KINDS, ActionStatus, Language, Rollup

log = logging.getLogger(__name__)

TABLE = Rollup._meta.db_table
KEY = ("campaign_id", "metric", "dimension", "day", "kind", "status", "value")
_KEY_SQL = ", ".join(KEY)

ACTION_COLUMNS = (
    "id",
    "campaign_id",
    "supporter_id",
    "kind",
    "status",
    "target_id",
    "hearing_id",
    "due_date",
    "completed_at",
    "created_at",
    "source",
)
SUPPORTER_COLUMNS = ("id", "district_id", "sector", "language")
MEMBER_COLUMNS = ("id", "district_id")
MEMBERSHIP_COLUMNS = (
    "id",
    "campaign_id",
    "supporter_id",
    "recruited_by_id",
    "joined_at",
    "completed_actions",
)
DEPTH_CAP = 3


def _quoted(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


class _Dialect:
    def __init__(self, vendor: str):
        self.vendor = vendor
        self.tz = settings.TIME_ZONE
        if "'" in self.tz:
            raise ValueError(f"unexpected TIME_ZONE {self.tz!r}")

    def local_date(self, column: str) -> str:
        if self.vendor == "postgresql":
            return f"(({column}) AT TIME ZONE '{self.tz}')::date"
        # Django registers this function on every SQLite connection it opens.
        return f"django_datetime_cast_date({column}, '{self.tz}', 'UTC')"

    def text(self, column: str) -> str:
        if self.vendor == "postgresql":
            return f"CAST({column} AS text)"
        return f"CAST({column} AS TEXT)"

    def date_text(self, column: str) -> str:
        if self.vendor == "postgresql":
            return f"to_char({column}, 'YYYY-MM-DD')"
        return f"CAST({column} AS TEXT)"


def _action_rows(d: _Dialect, actions: str, supporters: str, members: str, weight: int) -> str:
    """One row per action with what the rollups read of it."""
    return f"""
        SELECT a.campaign_id AS campaign_id,
               {d.local_date("COALESCE(a.completed_at, a.created_at)")} AS day,
               a.kind AS kind, a.status AS status, a.target_id AS target_id,
               a.hearing_id AS hearing_id, a.due_date AS due_date, a.source AS source,
               s.district_id AS s_district, s.sector AS s_sector, s.language AS s_language,
               CASE WHEN m.district_id IS NOT NULL AND s.district_id = m.district_id
                    THEN 1 ELSE 0 END AS constituent,
               {weight} AS w
        FROM {actions} a
        JOIN {supporters} s ON s.id = a.supporter_id
        LEFT JOIN {members} m ON m.id = a.target_id"""


# The dimensions that read the supporter's (or the targeted member's) columns:
# a change to a supporter or a member moves only these.
SUPPORTER_ACTION_DIMENSIONS = ("constituent", "hearing_es", "district", "sector", "language")
MEMBER_ACTION_DIMENSIONS = ("constituent",)
SUPPORTER_MEMBERSHIP_DIMENSIONS = ("district", "sector", "language")
# Per supporter column, the dimensions it moves (of actions, of memberships).
SUPPORTER_COLUMN_DIMENSIONS = {
    "district_id": (("district", "constituent"), ("district",)),
    "language": (("language", "hearing_es"), ("language",)),
    "sector": (("sector",), ("sector",)),
}


def _branch(
    metric: str, dimension: str, kind: str, status: str, value: str, r: str, where: str = ""
) -> str:
    """One dimension's rows, every column named (a UNION takes its names from
    its first branch, and any branch may come first)."""
    weight = "w * done" if dimension == "recruited_actions" else "w"
    return (
        f"SELECT campaign_id, '{metric}' AS metric, '{dimension}' AS dimension, day,"
        f" {kind} AS kind, {status} AS status, {value} AS value, {weight} AS w FROM {r}"
        + (f" WHERE {where}" if where else "")
    )


def _action_branches(d: _Dialect, r: str, only=None) -> list[str]:
    """What one action contributes: one row per dimension it counts in."""
    completed = ActionStatus.COMPLETED.value
    pledged = ActionStatus.PLEDGED.value
    contact = f"target_id IS NOT NULL AND status = '{completed}' AND kind IN"
    contact += f" ({_quoted(CONTACT_KINDS)})"
    hearing = f"kind IN ({_quoted(HEARING_KINDS)})"
    target, hearing_id = d.text("target_id"), f"COALESCE({d.text('hearing_id')}, '')"
    branches = {
        "all": ("kind", "status", "''", ""),
        "due": (
            "kind",
            "status",
            d.date_text("due_date"),
            f"status = '{pledged}' AND due_date IS NOT NULL",
        ),
        "target": ("''", "status", target, "target_id IS NOT NULL"),
        "contact": ("''", "status", target, contact),
        "constituent": ("''", "status", target, f"{contact} AND constituent = 1"),
        "hearing": ("kind", "status", hearing_id, hearing),
        "hearing_es": (
            "kind",
            "status",
            hearing_id,
            f"{hearing} AND s_language = '{Language.SPANISH.value}'",
        ),
        "district": ("''", "status", f"COALESCE({d.text('s_district')}, '')", ""),
        "sector": ("''", "status", "s_sector", ""),
        "language": ("''", "status", "s_language", ""),
        "source": ("''", "status", "source", ""),
    }
    return [
        _branch("action", name, kind, status, value, r, where)
        for name, (kind, status, value, where) in branches.items()
        if only is None or name in only
    ]


def _membership_rows(d: _Dialect, memberships: str, supporters: str, weight: int) -> str:
    return f"""
        SELECT ms.campaign_id AS campaign_id, {d.local_date("ms.joined_at")} AS day,
               s.district_id AS s_district, s.sector AS s_sector, s.language AS s_language,
               CASE WHEN ms.recruited_by_id IS NULL THEN 0 ELSE 1 END AS recruited,
               ms.completed_actions AS done, {weight} AS w
        FROM {memberships} ms
        JOIN {supporters} s ON s.id = ms.supporter_id"""


def _membership_branches(d: _Dialect, r: str, only=None) -> list[str]:
    depth = f"CASE WHEN done >= {DEPTH_CAP} THEN '{DEPTH_CAP}' ELSE {d.text('done')} END"
    branches = {
        "all": ("''", ""),
        "district": (f"COALESCE({d.text('s_district')}, '')", ""),
        "sector": ("s_sector", ""),
        "language": ("s_language", ""),
        "recruited": ("''", "recruited = 1"),
        "depth": (depth, ""),
        # Weighted by the completed actions of recruited people (see _branch).
        "recruited_actions": ("''", "recruited = 1 AND done <> 0"),
    }
    return [
        _branch("member", name, "''", "''", value, r, where)
        for name, (value, where) in branches.items()
        if only is None or name in only
    ]


def _only(branches, dimensions):
    return lambda d, r: branches(d, r, only=dimensions)


def _sum_by_key(branches: list[str]) -> str:
    union = "\n UNION ALL ".join(branches)
    return (
        f"SELECT {_KEY_SQL}, SUM(w) AS n FROM ({union}) contributions"
        f" GROUP BY {_KEY_SQL} HAVING SUM(w) <> 0"
    )


def _upsert(select: str, order: bool) -> str:
    # Sorted keys: two transactions touching the same rows lock them in the
    # same order, so they wait for each other instead of deadlocking.
    ordered = f" ORDER BY {_KEY_SQL}" if order else ""
    return (
        f"INSERT INTO {TABLE} ({_KEY_SQL}, n) {select}{ordered}"
        f" ON CONFLICT ({_KEY_SQL}) DO UPDATE SET n = {TABLE}.n + excluded.n"
    )


# ---------------------------------------------------------------------------
# Triggers
# ---------------------------------------------------------------------------

ACTION, MEMBERSHIP, SUPPORTER, MEMBER = (
    "campaign_action",
    "campaign_membership",
    "campaign_supporter",
    "campaign_councilmember",
)
ROLLUP_FIELDS = ("district_id", "sector", "language")


# Transition tables carry no statistics, so the planner guesses them tiny and
# may join old_rows to new_rows by nested loop: for a 100,000-row UPDATE that
# is 10^10 comparisons. The triggers that join the two run with hash joins.
JOINS_TRANSITION_TABLES = ("gs_rollup_supporter_update", "gs_rollup_member_update")


def _pg_function(name: str, body: str) -> str:
    options = " SET enable_nestloop = off" if name in JOINS_TRANSITION_TABLES else ""
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql{options}"
        f" AS $fn$\nBEGIN\n{body}\nRETURN NULL;\nEND\n$fn$;"
    )


def _pg_trigger(name: str, table: str, event: str, referencing: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {name} ON {table};",
        f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {name}();",
    ]


def _counter_update(pairs: str) -> str:
    """Add each (campaign, supporter, delta) to the membership's counter."""
    return (
        f"UPDATE {MEMBERSHIP} SET completed_actions = completed_actions + d.delta"
        f" FROM (SELECT campaign_id, supporter_id, SUM(w) AS delta FROM ({pairs}) p"
        " GROUP BY campaign_id, supporter_id HAVING SUM(w) <> 0) d"
        f" WHERE {MEMBERSHIP}.campaign_id = d.campaign_id"
        f" AND {MEMBERSHIP}.supporter_id = d.supporter_id;"
    )


def _completed_pairs(rel: str, weight: int) -> str:
    return (
        f"SELECT campaign_id, supporter_id, {weight} AS w FROM {rel}"
        f" WHERE status = '{ActionStatus.COMPLETED.value}'"
    )


def _initial_counter_sql(memberships: str) -> str:
    """A membership created after some of its actions starts at their count."""
    return (
        f"UPDATE {MEMBERSHIP} SET completed_actions = c.n FROM ("
        f" SELECT a.campaign_id, a.supporter_id, COUNT(*) AS n FROM {ACTION} a"
        f" JOIN {memberships} nm ON nm.campaign_id = a.campaign_id"
        " AND nm.supporter_id = a.supporter_id"
        f" WHERE a.status = '{ActionStatus.COMPLETED.value}'"
        " GROUP BY a.campaign_id, a.supporter_id) c"
        f" WHERE {MEMBERSHIP}.campaign_id = c.campaign_id"
        f" AND {MEMBERSHIP}.supporter_id = c.supporter_id"
        f" AND {MEMBERSHIP}.completed_actions <> c.n;"
    )


def _pg_delta(d: _Dialect, rows: list[str], branches, ctes: str = "") -> str:
    cte = f"WITH {ctes}r AS (" + " UNION ALL ".join(rows) + ") "
    return cte + _upsert(_sum_by_key(branches(d, "r")), order=True) + ";"


def _postgresql_sql() -> list[str]:
    d = _Dialect("postgresql")
    moved = "o.district_id IS DISTINCT FROM n.district_id"

    def changed_rows(condition: str, columns) -> tuple[str, str]:
        """The changed rows, new and old, each read once (most updates change
        no counted column: those return at once)."""
        new_columns = ", ".join(f"n.{c}" for c in columns)
        old_columns = ", ".join(f"o.{c}" for c in columns)
        ctes = (
            f"changed_new AS MATERIALIZED (SELECT {new_columns}"
            f" FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {condition}),"
            f" changed_old AS MATERIALIZED (SELECT {old_columns}"
            " FROM old_rows o JOIN changed_new c ON c.id = o.id), "
        )
        guard = (
            "IF NOT EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id"
            f" WHERE {condition}) THEN RETURN NULL; END IF;\n"
        )
        return ctes, guard

    # = ANY(ARRAY(...)): an index scan driven by the few changed ids, where an
    # IN over a transition table (no statistics) was planned as a full scan.
    def actions_of(column):
        return f"(SELECT * FROM {ACTION} WHERE {column} = ANY(ARRAY(SELECT id FROM changed_new)))"

    memberships_of_changed = (
        f"(SELECT * FROM {MEMBERSHIP} WHERE supporter_id = ANY(ARRAY(SELECT id FROM changed_new)))"
    )
    # One block per supporter column: an import that changes 10,000 people's
    # language moves only the language dimensions, over their actions once.
    supporter_delta = ""
    for column, (action_dimensions, membership_dimensions) in SUPPORTER_COLUMN_DIMENSIONS.items():
        condition = f"o.{column} IS DISTINCT FROM n.{column}"
        ctes, _guard = changed_rows(condition, SUPPORTER_COLUMNS)
        supporter_delta += (
            "IF EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id"
            f" WHERE {condition}) THEN\n"
            + _pg_delta(
                d,
                [
                    _action_rows(d, actions_of("supporter_id"), "changed_old", MEMBER, -1),
                    _action_rows(d, actions_of("supporter_id"), "changed_new", MEMBER, 1),
                ],
                _only(_action_branches, action_dimensions),
                ctes,
            )
            + _pg_delta(
                d,
                [
                    _membership_rows(d, memberships_of_changed, "changed_old", -1),
                    _membership_rows(d, memberships_of_changed, "changed_new", 1),
                ],
                _only(_membership_branches, membership_dimensions),
                ctes,
            )
            + "\nEND IF;\n"
        )
    member_ctes, member_guard = changed_rows(moved, MEMBER_COLUMNS)

    bodies = {
        "gs_rollup_action_insert": (
            ACTION,
            "INSERT",
            "NEW TABLE AS new_rows",
            _counter_update(_completed_pairs("new_rows", 1))
            + _pg_delta(d, [_action_rows(d, "new_rows", SUPPORTER, MEMBER, 1)], _action_branches),
        ),
        "gs_rollup_action_update": (
            ACTION,
            "UPDATE",
            "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            _counter_update(
                _completed_pairs("old_rows", -1) + " UNION ALL " + _completed_pairs("new_rows", 1)
            )
            + _pg_delta(
                d,
                [
                    _action_rows(d, "old_rows", SUPPORTER, MEMBER, -1),
                    _action_rows(d, "new_rows", SUPPORTER, MEMBER, 1),
                ],
                _action_branches,
            ),
        ),
        "gs_rollup_action_delete": (
            ACTION,
            "DELETE",
            "OLD TABLE AS old_rows",
            _counter_update(_completed_pairs("old_rows", -1))
            + _pg_delta(d, [_action_rows(d, "old_rows", SUPPORTER, MEMBER, -1)], _action_branches),
        ),
        "gs_rollup_membership_insert": (
            MEMBERSHIP,
            "INSERT",
            "NEW TABLE AS new_rows",
            _pg_delta(d, [_membership_rows(d, "new_rows", SUPPORTER, 1)], _membership_branches)
            + _initial_counter_sql("new_rows"),
        ),
        "gs_rollup_membership_update": (
            MEMBERSHIP,
            "UPDATE",
            "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            _pg_delta(
                d,
                [
                    _membership_rows(d, "old_rows", SUPPORTER, -1),
                    _membership_rows(d, "new_rows", SUPPORTER, 1),
                ],
                _membership_branches,
            ),
        ),
        "gs_rollup_membership_delete": (
            MEMBERSHIP,
            "DELETE",
            "OLD TABLE AS old_rows",
            _pg_delta(d, [_membership_rows(d, "old_rows", SUPPORTER, -1)], _membership_branches),
        ),
        "gs_rollup_supporter_update": (
            SUPPORTER,
            "UPDATE",
            "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            supporter_delta,
        ),
        "gs_rollup_member_update": (
            MEMBER,
            "UPDATE",
            "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            member_guard
            + _pg_delta(
                d,
                [
                    _action_rows(d, actions_of("target_id"), SUPPORTER, "changed_old", -1),
                    _action_rows(d, actions_of("target_id"), SUPPORTER, "changed_new", 1),
                ],
                _only(_action_branches, MEMBER_ACTION_DIMENSIONS),
                member_ctes,
            ),
        ),
    }
    statements = []
    for name, (table, event, referencing, body) in bodies.items():
        statements.append(_pg_function(name, body))
        statements += _pg_trigger(name, table, event, referencing)
    return statements


def _sqlite_row(prefix: str, columns) -> str:
    return "(SELECT " + ", ".join(f"{prefix}.{c} AS {c}" for c in columns) + ")"


def _sqlite_delta(d: _Dialect, rows: list[str], branches) -> str:
    r = "(" + " UNION ALL ".join(rows) + ") r"
    # "WHERE true" lets SQLite's parser tell the upsert's ON CONFLICT from a join.
    select = _sum_by_key(branches(d, r)).replace(" GROUP BY", " WHERE true GROUP BY", 1)
    return _upsert(select, order=False) + ";"


def _sqlite_sql() -> list[str]:
    d = _Dialect("sqlite")
    new_action, old_action = _sqlite_row("NEW", ACTION_COLUMNS), _sqlite_row("OLD", ACTION_COLUMNS)
    new_ms = _sqlite_row("NEW", MEMBERSHIP_COLUMNS)
    old_ms = _sqlite_row("OLD", MEMBERSHIP_COLUMNS)
    new_sup, old_sup = (
        _sqlite_row("NEW", SUPPORTER_COLUMNS),
        _sqlite_row("OLD", SUPPORTER_COLUMNS),
    )
    new_mem, old_mem = _sqlite_row("NEW", MEMBER_COLUMNS), _sqlite_row("OLD", MEMBER_COLUMNS)
    completed = ActionStatus.COMPLETED.value

    def counter(sign_old: bool, sign_new: bool) -> str:
        parts = []
        if sign_old:
            parts.append(f"(CASE WHEN OLD.status = '{completed}' THEN -1 ELSE 0 END)")
        if sign_new:
            parts.append(f"(CASE WHEN NEW.status = '{completed}' THEN 1 ELSE 0 END)")
        statements = []
        if sign_old:
            statements.append(
                f"UPDATE {MEMBERSHIP} SET completed_actions = completed_actions"
                f" + {parts[0]} WHERE campaign_id = OLD.campaign_id"
                f" AND supporter_id = OLD.supporter_id AND OLD.status = '{completed}';"
            )
        if sign_new:
            statements.append(
                f"UPDATE {MEMBERSHIP} SET completed_actions = completed_actions"
                f" + {parts[-1]} WHERE campaign_id = NEW.campaign_id"
                f" AND supporter_id = NEW.supporter_id AND NEW.status = '{completed}';"
            )
        return "\n".join(statements)

    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in ROLLUP_FIELDS)
    triggers = {
        "gs_rollup_action_insert": (
            f"AFTER INSERT ON {ACTION}",
            counter(False, True)
            + _sqlite_delta(
                d, [_action_rows(d, new_action, SUPPORTER, MEMBER, 1)], _action_branches
            ),
        ),
        "gs_rollup_action_update": (
            f"AFTER UPDATE ON {ACTION}",
            counter(True, True)
            + _sqlite_delta(
                d,
                [
                    _action_rows(d, old_action, SUPPORTER, MEMBER, -1),
                    _action_rows(d, new_action, SUPPORTER, MEMBER, 1),
                ],
                _action_branches,
            ),
        ),
        "gs_rollup_action_delete": (
            f"AFTER DELETE ON {ACTION}",
            counter(True, False)
            + _sqlite_delta(
                d, [_action_rows(d, old_action, SUPPORTER, MEMBER, -1)], _action_branches
            ),
        ),
        "gs_rollup_membership_insert": (
            f"AFTER INSERT ON {MEMBERSHIP}",
            _sqlite_delta(d, [_membership_rows(d, new_ms, SUPPORTER, 1)], _membership_branches)
            + f"UPDATE {MEMBERSHIP} SET completed_actions = (SELECT COUNT(*) FROM {ACTION} a"
            " WHERE a.campaign_id = NEW.campaign_id AND a.supporter_id = NEW.supporter_id"
            f" AND a.status = '{completed}') WHERE id = NEW.id AND completed_actions <>"
            f" (SELECT COUNT(*) FROM {ACTION} a WHERE a.campaign_id = NEW.campaign_id"
            f" AND a.supporter_id = NEW.supporter_id AND a.status = '{completed}');",
        ),
        "gs_rollup_membership_update": (
            f"AFTER UPDATE ON {MEMBERSHIP}",
            _sqlite_delta(
                d,
                [
                    _membership_rows(d, old_ms, SUPPORTER, -1),
                    _membership_rows(d, new_ms, SUPPORTER, 1),
                ],
                _membership_branches,
            ),
        ),
        "gs_rollup_membership_delete": (
            f"AFTER DELETE ON {MEMBERSHIP}",
            _sqlite_delta(d, [_membership_rows(d, old_ms, SUPPORTER, -1)], _membership_branches),
        ),
        "gs_rollup_supporter_update": (
            f"AFTER UPDATE OF {', '.join(ROLLUP_FIELDS)} ON {SUPPORTER}",
            f"WHEN {changed}",
            _sqlite_delta(
                d,
                [
                    _action_rows(
                        d,
                        f"(SELECT * FROM {ACTION} WHERE supporter_id = NEW.id)",
                        old_sup,
                        MEMBER,
                        -1,
                    ),
                    _action_rows(
                        d,
                        f"(SELECT * FROM {ACTION} WHERE supporter_id = NEW.id)",
                        new_sup,
                        MEMBER,
                        1,
                    ),
                ],
                _only(_action_branches, SUPPORTER_ACTION_DIMENSIONS),
            )
            + _sqlite_delta(
                d,
                [
                    _membership_rows(
                        d, f"(SELECT * FROM {MEMBERSHIP} WHERE supporter_id = NEW.id)", old_sup, -1
                    ),
                    _membership_rows(
                        d, f"(SELECT * FROM {MEMBERSHIP} WHERE supporter_id = NEW.id)", new_sup, 1
                    ),
                ],
                _only(_membership_branches, SUPPORTER_MEMBERSHIP_DIMENSIONS),
            ),
        ),
        "gs_rollup_member_update": (
            f"AFTER UPDATE OF district_id ON {MEMBER}",
            "WHEN OLD.district_id IS NOT NEW.district_id",
            _sqlite_delta(
                d,
                [
                    _action_rows(
                        d,
                        f"(SELECT * FROM {ACTION} WHERE target_id = NEW.id)",
                        SUPPORTER,
                        old_mem,
                        -1,
                    ),
                    _action_rows(
                        d,
                        f"(SELECT * FROM {ACTION} WHERE target_id = NEW.id)",
                        SUPPORTER,
                        new_mem,
                        1,
                    ),
                ],
                _only(_action_branches, MEMBER_ACTION_DIMENSIONS),
            ),
        ),
    }
    statements = []
    for name, (event, *condition) in triggers.items():
        *condition, body = condition
        when = f" {condition[0]}" if condition else ""
        statements.append(f"DROP TRIGGER IF EXISTS {name};")
        statements.append(f"CREATE TRIGGER {name} {event} FOR EACH ROW{when} BEGIN\n{body}\nEND;")
    return statements


def install_triggers(using: str = "default") -> None:
    """Create or replace the triggers on one database (idempotent)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        statements = _postgresql_sql()
    elif connection.vendor == "sqlite":
        statements = _sqlite_sql()
    else:  # pragma: no cover - the project supports PostgreSQL and SQLite
        raise NotImplementedError(connection.vendor)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate receiver: keep the triggers in step with this code."""
    if router.allow_migrate_model(using, Rollup):
        install_triggers(using)


# ---------------------------------------------------------------------------
# Recount and reconcile
# ---------------------------------------------------------------------------


def _recount_sql(vendor: str, campaign_id: int | None) -> tuple[str, list]:
    d = _Dialect(vendor)
    # The rows are read once per dimension: a literal id, not a parameter.
    where_a = f" WHERE campaign_id = {int(campaign_id)}" if campaign_id else ""
    actions = f"(SELECT * FROM {ACTION}{where_a})"
    memberships = f"(SELECT * FROM {MEMBERSHIP}{where_a})"
    branches = _action_branches(
        d, "(" + _action_rows(d, actions, SUPPORTER, MEMBER, 1) + ") r"
    ) + _membership_branches(d, "(" + _membership_rows(d, memberships, SUPPORTER, 1) + ") r")
    return _sum_by_key(branches), []


def _counter_recount_sql(campaign_id: int | None) -> tuple[str, list]:
    where = " AND ms.campaign_id = %s" if campaign_id else ""
    sql = (
        "SELECT ms.id, ms.completed_actions, COALESCE(c.n, 0) FROM"
        f" {MEMBERSHIP} ms LEFT JOIN (SELECT campaign_id, supporter_id, COUNT(*) AS n"
        f" FROM {ACTION} WHERE status = '{ActionStatus.COMPLETED.value}'"
        " GROUP BY campaign_id, supporter_id) c ON c.campaign_id = ms.campaign_id"
        " AND c.supporter_id = ms.supporter_id"
        f" WHERE ms.completed_actions <> COALESCE(c.n, 0){where}"
    )
    return sql, [campaign_id] if campaign_id else []


def _key(row) -> tuple:
    campaign_id, metric, dimension, day, kind, status, value = row[:7]
    return (campaign_id, metric, dimension, str(day), kind, status, value)


@dataclass
class Reconciliation:
    rows_checked: int
    # key -> (stored, recounted)
    differences: dict
    counters_wrong: int
    repaired: bool

    @property
    def clean(self) -> bool:
        return not self.differences and not self.counters_wrong


def reconcile(
    *, campaign_id: int | None = None, repair: bool = False, using: str = "default"
) -> Reconciliation:
    """Recount every rollup (and each membership's completed-actions counter)
    from the raw rows and compare. With `repair`, replace what differs in the
    same transaction, holding writes to the counted tables off meanwhile so
    nothing moves between the recount and the repair."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if repair and connection.vendor == "postgresql":
            cursor.execute(
                f"LOCK TABLE {ACTION}, {MEMBERSHIP}, {SUPPORTER}, {MEMBER}, {TABLE} IN SHARE MODE"
            )
        sql, params = _counter_recount_sql(campaign_id)
        cursor.execute(sql, params)
        wrong_counters = cursor.fetchall()
        if repair and wrong_counters:
            # The membership trigger moves the rollups with the counters.
            for membership_id, _stored, right in wrong_counters:
                cursor.execute(
                    f"UPDATE {MEMBERSHIP} SET completed_actions = %s WHERE id = %s",
                    [right, membership_id],
                )
        sql, params = _recount_sql(connection.vendor, campaign_id)
        cursor.execute(sql, params)
        expected = {_key(row): row[7] for row in cursor.fetchall()}
        where = " WHERE n <> 0" + (" AND campaign_id = %s" if campaign_id else "")
        cursor.execute(
            f"SELECT {_KEY_SQL}, n FROM {TABLE}{where}", [campaign_id] if campaign_id else []
        )
        stored = {_key(row): row[7] for row in cursor.fetchall()}
        differences = {
            key: (stored.get(key, 0), expected.get(key, 0))
            for key in stored.keys() | expected.keys()
            if stored.get(key, 0) != expected.get(key, 0)
        }
        if repair and differences:
            cursor.executemany(
                f"INSERT INTO {TABLE} ({_KEY_SQL}, n) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                f" ON CONFLICT ({_KEY_SQL}) DO UPDATE SET n = excluded.n",
                [(*key, right) for key, (_stored, right) in sorted(differences.items())],
            )
        if repair:
            where = " WHERE n = 0" + (" AND campaign_id = %s" if campaign_id else "")
            cursor.execute(f"DELETE FROM {TABLE}{where}", [campaign_id] if campaign_id else [])
    if differences or wrong_counters:
        log.warning(
            "rollups: %d differences, %d membership counters wrong%s",
            len(differences),
            len(wrong_counters),
            " (repaired)" if repair else "",
        )
    return Reconciliation(
        rows_checked=len(expected),
        differences=differences,
        counters_wrong=len(wrong_counters),
        repaired=repair and bool(differences or wrong_counters),
    )
