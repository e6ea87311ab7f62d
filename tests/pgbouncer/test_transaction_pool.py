"""PgBouncer in transaction mode in front of PostgreSQL: the worker, the
dispatcher and the web process reach the database through it (its admin
console lists them), and nothing they do needs a session of their own."""

import csv
import io
import json
import re
import subprocess
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
from django.db import connection

from campaign.models import ActionKind, Message, MessageStatus, Supporter
from tests import factories
from tests.integration.conftest import BASE_DIR, PYTHON, PgBouncer, wait_for
from tests.integration.test_delivery import due_emails

pytestmark = [
    pytest.mark.integration,
    pytest.mark.xdist_group("celery"),
    pytest.mark.django_db(transaction=True),
]


def run_in_django(integration, name: str, code: str, **extra_env) -> str:
    """`code` in a Django shell started like the worker (through PgBouncer)."""
    result = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env=integration.env_for(name, extra_env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_worker_and_the_dispatcher_deliver_through_pgbouncer(integration, smtp):
    database = connection.settings_dict["NAME"]
    bouncer = integration.pgbouncer
    before = bouncer.transactions(database)
    smtp.delay = 0.05  # a chunk of 10 takes half a second: long enough to be seen
    ids = due_emails(60)
    integration.worker()
    integration.dispatcher()
    seen = set()

    def all_sent():
        # Who is connected to the test database through PgBouncer, sampled
        # while they work (the worker lets go of its connection after a task).
        seen.update(bouncer.clients(database))
        return Message.objects.filter(pk__in=ids, status=MessageStatus.SENT).count() == 60

    wait_for(all_sent, timeout=90, what=f"60 sent through PgBouncer\n{integration.logs()}")
    assert {"gs-w1", "gs-dispatcher"} <= seen, seen
    # Six chunks of 10, each claimed then recorded in a transaction of its own.
    assert bouncer.transactions(database) - before >= 12
    assert sorted(smtp.received) == sorted(ids)
    assert smtp.duplicates == 0


def test_a_process_behind_the_pooler_has_no_session_state(integration):
    factories.SupporterFactory.create_batch(250)
    code = """
import json
from django.db import connection
from campaign.models import Supporter
# Outside a transaction: with server-side cursors this would DECLARE a WITH
# HOLD cursor, which the next transaction may not find on its server.
emails = [s.email for s in Supporter.objects.order_by("pk").iterator(chunk_size=100)]
with connection.cursor() as cursor:
    cursor.execute("SELECT inet_server_port(), count(*) FROM pg_prepared_statements")
    server_port, prepared = cursor.fetchone()
print(json.dumps({
    "port": connection.settings_dict["PORT"],
    "server_port": server_port,
    "prepared": prepared,
    "server_side_cursors": not connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"],
    "prepare_threshold": connection.connection.prepare_threshold,
    "emails": len(emails),
}))
"""
    seen = json.loads(run_in_django(integration, "shell", code).splitlines()[-1])
    assert seen == {
        "port": integration.pgbouncer.port,
        # PostgreSQL's own port: the pooler passed the query on.
        "server_port": int(connection.settings_dict["PORT"] or 5432),
        "prepared": 0,
        "server_side_cursors": False,
        "prepare_threshold": None,
        "emails": 250,
    }


def _export(integration, name: str, **extra_env) -> dict:
    code = """
import json
from campaign.exports import actions_csv_response, supporters_csv_response
from campaign.models import Campaign
from campaign.selectors import DateRange
campaign = Campaign.objects.get(slug="pooled-exports")
out = {}
for what, response in (
    ("actions", actions_csv_response(campaign, DateRange(), personal=True)),
    ("supporters", supporters_csv_response(campaign, DateRange())),
):
    out[what] = b"".join(response.streaming_content).decode("utf-8-sig")
print(json.dumps(out))
"""
    return json.loads(run_in_django(integration, name, code, **extra_env).splitlines()[-1])


def test_exports_stream_the_same_bytes_through_the_transaction_pool(integration):
    campaign = factories.CampaignFactory(slug="pooled-exports")
    for kind in (ActionKind.CALL, ActionKind.EMAIL, ActionKind.LETTER):
        factories.ActionFactory.create_batch(40, campaign=campaign, kind=kind)
    from campaign.exports import actions_csv_response, supporters_csv_response
    from campaign.selectors import DateRange

    direct = {
        "actions": actions_csv_response(campaign, DateRange(), personal=True),
        "supporters": supporters_csv_response(campaign, DateRange()),
    }
    direct = {
        what: b"".join(response.streaming_content).decode("utf-8-sig")
        for what, response in direct.items()
    }
    pooled = _export(integration, "export")
    assert pooled == direct
    assert len(list(csv.DictReader(io.StringIO(pooled["actions"])))) == 120
    assert len(list(csv.DictReader(io.StringIO(pooled["supporters"])))) == 120


def test_the_session_alias_reaches_a_session_pool_with_server_side_cursors(integration):
    """DATABASE_SESSION_URL: the same database through a session-mode entry of
    PgBouncer, where a server-side cursor may outlive its transaction."""
    factories.SupporterFactory.create_batch(30)
    database = connection.settings_dict["NAME"]
    settings_dict = connection.settings_dict
    session_entry = f"{database}_session"
    upstream = (
        f"host={settings_dict.get('HOST') or '127.0.0.1'} "
        f"port={settings_dict.get('PORT') or 5432} dbname={database} pool_mode=session"
    )
    bouncer = PgBouncer.start(settings_dict, databases={session_entry: upstream})
    try:
        code = """
import json
from django.db import connections
from campaign.models import Supporter
session = connections["session"]
names = [s.email for s in Supporter.objects.using("session").order_by("pk").iterator(chunk_size=7)]
print(json.dumps({
    "port": session.settings_dict["PORT"],
    "server_side_cursors": not session.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS", False),
    "rows": len(names),
}))
"""
        seen = json.loads(
            run_in_django(
                integration,
                "session",
                code,
                DATABASE_SESSION_URL=bouncer.url(session_entry, application_name="gs-session"),
            ).splitlines()[-1]
        )
        pools = {row["database"]: row.get("pool_mode") for row in bouncer.admin("SHOW POOLS")}
        stats = {r["database"]: int(r["total_query_count"]) for r in bouncer.admin("SHOW STATS")}
    finally:
        bouncer.release(database)
        bouncer.stop()
    assert seen == {"port": bouncer.port, "server_side_cursors": True, "rows": 30}
    assert pools[session_entry] == "session"
    # DECLARE, then a FETCH per 7 rows and the last empty one, then CLOSE.
    assert stats[session_entry] >= 6


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_a_signup_through_the_web_process_behind_pgbouncer_is_stored_and_emailed(
    integration, smtp, pine_county
):
    database = connection.settings_dict["NAME"]
    url = integration.web()
    integration.worker()
    integration.dispatcher()
    page = f"{url}/c/{pine_county['campaign'].slug}/"
    with urllib.request.urlopen(page, timeout=10) as response:
        cookie = re.search(r"csrftoken=([^;]+)", response.headers["Set-Cookie"]).group(1)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.read())
    fields = {
        "csrfmiddlewaretoken": token.group(1).decode(),
        "first_name": "Ana",
        "last_name": "Gómez",
        "email": "ana.pooled@example.org",
        "zip_code": "55072",
        "language": "en",
        "asks": "call",
        "email_updates": "on",
    }
    request = urllib.request.Request(
        page, data=urlencode(fields).encode(), headers={"Cookie": f"csrftoken={cookie}"}
    )
    try:
        response = urllib.request.build_opener(_NoRedirect).open(request, timeout=10)
    except urllib.error.HTTPError as error:
        response = error
    assert response.status == 302, (response.read()[-2000:], integration.logs())
    assert response.headers["Location"].startswith(f"/c/{pine_county['campaign'].slug}/thanks/")
    # The sign-up may be applied once the redirect has been sent.
    supporters = Supporter.objects.filter(email="ana.pooled@example.org")
    wait_for(supporters.exists, timeout=30, what=f"the supporter stored\n{integration.logs()}")
    # The web worker keeps its connection to PgBouncer (CONN_MAX_AGE).
    assert "gs-web" in integration.pgbouncer.clients(database)
    supporter = supporters.get()
    assert supporter.actions.get().kind == ActionKind.CALL
    messages = Message.objects.filter(supporter=supporter)
    wait_for(
        lambda: (
            messages.exists()
            and not messages.exclude(status=MessageStatus.SENT).exists()
            and sum(smtp.received[pk] for pk in messages.values_list("pk", flat=True))
            == messages.count()
        ),
        timeout=60,
        what=f"the sign-up's email sent\n{integration.logs()}",
    )
    assert smtp.duplicates == 0
