"""`make bench-smoke`: the whole benchmark harness at tiny size still runs and
reports every section. (The benchmark itself is `make bench`, outside the suite.)"""

import json
import os
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = {
    "generate",
    "dashboard",
    "admin",
    "export",
    "import",
    "surge",
    "reminders",
    "latency",
}

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("bench")]


def _bench_database_url() -> str | None:
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        return None
    # A database of its own next to the suite's: the harness drops and recreates it.
    user = urllib.parse.quote(database.get("USER") or "postgres")
    password = f":{urllib.parse.quote(database['PASSWORD'])}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/gs_bench_smoke"


def _redis_url() -> str:
    base = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    return urllib.parse.urlparse(base)._replace(path="/9").geturl()


@pytest.fixture
def bench_database_url():
    url = _bench_database_url()
    if url is None:
        reason = "the benchmark harness needs PostgreSQL: set DATABASE_URL=postgres://..."
        if os.environ.get("REQUIRE_INTEGRATION") == "1":
            pytest.fail(f"REQUIRE_INTEGRATION=1 but {reason}")
        pytest.skip(reason)
    return url


def test_the_smoke_run_reports_every_section_without_errors(bench_database_url, tmp_path):
    env = {
        **os.environ,
        "BENCH_DATABASE_URL": bench_database_url,
        "BENCH_REDIS_URL": _redis_url(),
    }
    completed = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert set(results["sections"]) == SECTIONS
    states = {name: section["state"] for name, section in results["sections"].items()}
    errors = {n: results["sections"][n].get("reason") for n, s in states.items() if s == "error"}
    assert errors == {}
    # Only the load generator may be missing on a machine without wrk.
    expected_ok = SECTIONS - ({"surge"} if shutil.which("wrk") is None else set())
    assert {n for n, s in states.items() if s == "ok"} == expected_ok
    assert results["sections"]["generate"]["counts"]["supporters"] == 200
    assert results["sections"]["generate"]["counts"]["actions"] == 2000
    assert "| 1. Data generation (COPY) |" in (tmp_path / "RESULTS.md").read_text()
