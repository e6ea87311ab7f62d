"""Steps the replica tests run inside Django, in a subprocess whose
DATABASE_URL is the test's primary and DATABASE_REPLICA_URL its replica (the
pytest process itself keeps its own test database). Each step prints one JSON
object on its last line.

    python -m tests.replica.scenario seed
    python -m tests.replica.scenario routing
    python -m tests.replica.scenario lagging
"""

import json
import sys
import time

import django


def seed() -> dict:
    """Two coordinators signed in (their session cookies), a campaign, a
    supporter and the member they call."""
    from django.test import Client

    from tests import factories

    body = factories.DecisionBodyFactory(name="Pine County Board of Commissioners", seats=7)
    district = factories.DistrictFactory(body=body, number=1, zips=["55063"])
    member = factories.CouncilMemberFactory(body=body, district=district, name="Member 1")
    campaign = factories.CampaignFactory(
        decision_body=body, name="Alcohol-free county parks", slug="parks-alcohol-ordinance"
    )
    supporter = factories.SupporterFactory(first_name="Rosa", last_name="Diaz", zip_code="55063")
    sessions = {}
    for username in ("alice", "bob", "carol"):
        client = Client()
        client.force_login(factories.CoordinatorFactory(username=username))
        sessions[username] = client.cookies["sessionid"].value
    return {
        "slug": campaign.slug,
        "supporter": supporter.pk,
        "member": member.pk,
        "sessions": sessions,
    }


def _port(alias: str) -> int:
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT inet_server_port()")
        return cursor.fetchone()[0]


def _in_recovery(alias: str) -> bool:
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return cursor.fetchone()[0]


def routing() -> dict:
    """Where each kind of read or write goes, by the server's own answer."""
    from django.contrib.sessions.models import Session
    from django.db import router, transaction

    from campaign.models import Action, Campaign
    from core.db_router import reading_from_replica

    result = {
        "default": {"port": _port("default"), "in_recovery": _in_recovery("default")},
        "replica": {"port": _port("replica"), "in_recovery": _in_recovery("replica")},
        "read_outside_scope": router.db_for_read(Action),
        "write": router.db_for_write(Action),
    }
    with reading_from_replica():
        alias = router.db_for_read(Action)
        result["read_in_scope"] = alias
        result["read_in_scope_port"] = _port(alias)
        # A model query inside the scope, and what it was run on.
        queryset = Campaign.objects.all()
        result["campaigns_in_scope"] = queryset.count()
        result["campaign_query_db"] = queryset.db
        result["write_in_scope"] = router.db_for_write(Action)
        result["session_read_in_scope"] = router.db_for_read(Session)
        with transaction.atomic():
            result["read_in_scope_in_transaction"] = router.db_for_read(Action)
    return result


def lagging() -> dict:
    """With replay paused (by the test) and a commit on the primary, the
    replica falls behind DATABASE_REPLICA_MAX_LAG_SECONDS: the router stops
    using it."""
    from django.conf import settings
    from django.db import connection, router

    from campaign.models import Action
    from core.db_router import check_replica, forget_replica_status, reading_from_replica

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS replica_lag_probe (at timestamptz)")
        cursor.execute("INSERT INTO replica_lag_probe VALUES (now())")
    time.sleep(settings.DATABASE_REPLICA_MAX_LAG_SECONDS + 0.5)
    forget_replica_status()
    status = check_replica(with_bytes=True)
    with reading_from_replica():
        alias = router.db_for_read(Action)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE replica_lag_probe")
    return {"status": status.as_dict(), "read_in_scope": alias}


if __name__ == "__main__":
    django.setup()
    step, *args = sys.argv[1:]
    steps = {"seed": seed, "routing": routing, "lagging": lagging}
    print(json.dumps(steps[step](*args)))
