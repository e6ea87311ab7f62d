"""A streaming read replica in front of real traffic: where reads go, reading
one's own writes, and the dashboard outliving the replica (conftest.py starts
the servers). The tests run in order and each leaves the replica up and
replaying."""

import time
import uuid

import pytest
import requests

from tests.integration.conftest import wait_for
from tests.replica.conftest import CHECK_SECONDS, PIN_SECONDS

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("replica")]


def export(app, session: str, **cookies) -> str:
    client = app.client(session)
    for name, value in cookies.items():
        client.cookies.set(name, value, domain="127.0.0.1", path="/")
    response = client.get(f"{app.url}/dashboard/{app.seed['slug']}/export/actions.csv", timeout=30)
    assert response.status_code == 200, response.text[:500]
    return response.content.decode("utf-8-sig")


def log_call(client: requests.Session, app, note: str) -> requests.Response:
    """The quick-log form, as a coordinator submits it."""
    return client.post(
        f"{app.url}/dashboard/{app.seed['slug']}/log/",
        data={
            "supporter": app.seed["supporter"],
            "kind": "call",
            "status": "completed",
            "target": app.seed["member"],
            "hearing": "",
            "note": note,
            "token": uuid.uuid4().hex,
        },
        allow_redirects=False,
        timeout=30,
    )


def healthz(app) -> dict:
    response = requests.get(f"{app.url}/healthz", timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_router_reads_from_the_replica_only_where_asked(app, cluster):
    routing = app.step("routing")
    # Django's two aliases are the two servers: the primary, and a standby.
    assert routing["default"] == {"port": cluster.primary_port, "in_recovery": False}
    assert routing["replica"] == {"port": cluster.replica_port, "in_recovery": True}
    # Inside reading_from_replica() a read is served by the replica's port...
    assert routing["read_in_scope"] == "replica"
    assert routing["read_in_scope_port"] == cluster.replica_port
    assert routing["campaign_query_db"] == "replica"
    assert routing["campaigns_in_scope"] == 1
    # ...and nowhere else: outside the scope, every write, sessions, and a
    # read inside a transaction on the primary.
    assert routing["read_outside_scope"] == "default"
    assert routing["write"] == "default"
    assert routing["write_in_scope"] == "default"
    assert routing["session_read_in_scope"] == "default"
    assert routing["read_in_scope_in_transaction"] == "default"


def test_the_dashboard_and_its_export_read_the_replica(app, cluster):
    alice = app.seed["sessions"]["alice"]
    carol = app.seed["sessions"]["carol"]
    cluster.pause_replay()
    try:
        # Logged by another coordinator while the replica holds still.
        assert log_call(app.client(carol), app, "while-paused").status_code == 302
        assert cluster.primary("SELECT count(*) FROM campaign_action")[0][0] == 1
        assert cluster.replica("SELECT count(*) FROM campaign_action")[0][0] == 0
        # Alice has written nothing: her export is the replica's (no row yet).
        assert "while-paused" not in export(app, alice)
        page = app.client(alice).get(f"{app.url}/dashboard/{app.seed['slug']}/", timeout=30)
        assert page.status_code == 200
    finally:
        cluster.resume_replay()
    cluster.wait_replayed()
    assert "while-paused" in export(app, alice)


def test_a_coordinator_sees_their_own_logged_call_at_once(app, cluster):
    alice = app.client(app.seed["sessions"]["alice"])
    bob = app.seed["sessions"]["bob"]
    cluster.pause_replay()
    try:
        response = log_call(alice, app, "alice-called-member-1")
        assert response.status_code == 302, response.text[:500]
        # The successful write pins Alice's reads to the primary for a while.
        assert "gs_primary" in response.cookies
        csv = alice.get(
            f"{app.url}/dashboard/{app.seed['slug']}/export/actions.csv", timeout=30
        ).content.decode("utf-8-sig")
        assert "alice-called-member-1" in csv
        # Bob has not written: he reads the replica, which has not replayed it.
        assert "alice-called-member-1" not in export(app, bob)
        # The pin is signed and dated: a forged one, or Alice's once
        # PIN_SECONDS have passed, is ignored.
        assert "alice-called-member-1" not in export(app, bob, gs_primary="1")
        pin = response.cookies["gs_primary"]
        time.sleep(PIN_SECONDS + 0.5)
        assert "alice-called-member-1" not in export(
            app, app.seed["sessions"]["alice"], gs_primary=pin
        )
    finally:
        cluster.resume_replay()
    cluster.wait_replayed()
    assert "alice-called-member-1" in export(app, bob)


def test_healthz_reports_the_replica_and_its_lag(app, cluster):
    cluster.wait_replayed()
    # An idle primary still writes a little WAL now and then (running
    # transactions records); the replica replays it within moments.
    body = wait_for(
        lambda: (
            (body := healthz(app))["replica"].get("lag_bytes") == 0
            and body["replica"].get("lag_seconds") == 0
            and body
        ),
        timeout=10,
        what="healthz to show the replica caught up",
    )
    assert body["status"] == "ok"
    assert body["replica"] == {"state": "ok", "lag_seconds": 0.0, "lag_bytes": 0}
    assert "warnings" not in body


def test_a_replica_too_far_behind_is_not_read(app, cluster):
    # A commit the replica has replayed, so it knows when it last replayed one.
    carol = app.client(app.seed["sessions"]["carol"])
    assert log_call(carol, app, "before-lag").status_code == 302
    cluster.wait_replayed()
    cluster.pause_replay()
    try:
        env = {**app.env, "DATABASE_REPLICA_MAX_LAG_SECONDS": "1"}
        original, app.env = app.env, env
        try:
            result = app.step("lagging")
        finally:
            app.env = original
    finally:
        cluster.resume_replay()
    assert result["status"]["state"] == "lagging"
    assert result["status"]["lag_seconds"] > 1
    assert result["status"]["lag_bytes"] > 0
    assert result["read_in_scope"] == "default"
    cluster.wait_replayed()


def test_the_dashboard_answers_from_the_primary_while_the_replica_is_down(app, cluster):
    alice = app.seed["sessions"]["alice"]
    carol = app.client(app.seed["sessions"]["carol"])
    cluster.stop_replica()
    try:
        assert log_call(carol, app, "replica-down").status_code == 302
        client = app.client(alice)
        # Each web process may still trust its last check for CHECK_SECONDS:
        # the page and the export answer either way.
        for _ in range(4):
            page = client.get(f"{app.url}/dashboard/{app.seed['slug']}/", timeout=30)
            assert page.status_code == 200, page.text[:500]
            report = client.get(f"{app.url}/dashboard/{app.seed['slug']}/report/", timeout=30)
            assert report.status_code == 200, report.text[:500]
            assert "replica-down" in export(app, alice)
        body = healthz(app)
        assert body["status"] == "ok"
        assert body["database"] == "ok"
        assert body["replica"]["state"] == "down"
        assert body["warnings"] == ["read replica down: dashboard reads go to the primary"]
        assert "read replica down" in app.logs()
    finally:
        cluster.start_replica(backup=False)
    cluster.wait_replayed()
    # Back: within CHECK_SECONDS every process reads it again.
    wait_for(lambda: healthz(app)["replica"]["state"] == "ok", timeout=10, what="the replica back")
    time.sleep(CHECK_SECONDS + 0.2)
    cluster.pause_replay()
    try:
        assert log_call(carol, app, "after-restart").status_code == 302
        assert "after-restart" not in export(app, alice)
    finally:
        cluster.resume_replay()
