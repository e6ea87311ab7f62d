"""A primary and a streaming read replica of its own, and the app in front.

The fixture `initdb`s a small primary on a free port (wal_level=replica,
replication allowed from 127.0.0.1), takes a `pg_basebackup -R -X stream` of
it into a second data directory and starts that as a hot standby on another
free port, then migrates and seeds the primary and waits for the replica to
replay it all. The app runs under gunicorn with
DATABASE_URL at the primary and DATABASE_REPLICA_URL at the replica; the
tests drive it over HTTP and read both servers with psycopg. The machine's
own PostgreSQL is not touched (its cluster is large, and its pg_hba has no
replication line).

Servers run as the `postgres` OS user when the tests run as root (initdb
refuses root). Without the PostgreSQL server binaries, or in the SQLite run
of the suite, these tests skip, unless REQUIRE_INTEGRATION=1 (CI), where
they fail.
"""

import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest
import requests

from tests.integration.conftest import free_port, unavailable, wait_for

BASE_DIR = Path(__file__).resolve().parents[2]
VENV_BIN = BASE_DIR / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else "python"
GUNICORN = str(VENV_BIN / "gunicorn") if (VENV_BIN / "gunicorn").exists() else "gunicorn"
DATABASE = "groundswell"
# A user's reads stay on the primary this long after their write (short, so
# a test can see the pin end), and each web process trusts its last look at
# the replica this long.
PIN_SECONDS = 3
CHECK_SECONDS = 1


def postgres_bin() -> Path | None:
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class Cluster:
    """The primary and its replica; every process it starts it stops."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.as_postgres = os.geteuid() == 0
        self.base = Path(tempfile.mkdtemp(prefix="gs-replica-"))
        if self.as_postgres:
            owner = pwd.getpwnam("postgres")
            os.chown(self.base, owner.pw_uid, owner.pw_gid)
        self.primary_port = free_port()
        self.replica_port = free_port()
        self.primary_dir = self.base / "primary"
        self.replica_dir = self.base / "replica"
        self.commands: list[str] = []  # what ran, for the README and failures

    def run(self, *args: str, timeout: float = 60) -> str:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        self.commands.append(" ".join(args))
        result = subprocess.run(
            command, cwd=self.base, capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def _start(self, data_dir: Path, port: int, *settings: str) -> None:
        options = " ".join(
            [
                f"-p {port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.base}",
                # A throwaway cluster: durability costs time and buys nothing.
                "-c fsync=off",
                *(f"-c {setting}" for setting in settings),
            ]
        )
        log = self.base / f"{data_dir.name}.log"
        self.run("pg_ctl", "-D", str(data_dir), "-l", str(log), "-w", "-o", options, "start")

    def start_primary(self) -> None:
        self.run("initdb", "-D", str(self.primary_dir), "-U", "postgres", "--auth=trust",
                 "-E", "UTF8", "--no-sync", "--no-instructions")  # fmt: skip
        with (self.primary_dir / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        self._start(self.primary_dir, self.primary_port, "wal_level=replica", "max_wal_senders=5")
        self.sql(self.primary_port, f"CREATE DATABASE {DATABASE}", database="postgres")

    def start_replica(self, *, backup: bool = True) -> None:
        if backup:
            self.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port),
                     "-U", "postgres", "-D", str(self.replica_dir), "-R", "-X", "stream",
                     "-c", "fast", "--no-sync")  # fmt: skip
        self._start(self.replica_dir, self.replica_port, "hot_standby=on")

    def stop_replica(self) -> None:
        self.run("pg_ctl", "-D", str(self.replica_dir), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        for data_dir in (self.replica_dir, self.primary_dir):
            if (data_dir / "postmaster.pid").exists():
                with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
                    self.run("pg_ctl", "-D", str(data_dir), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, port: int) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{DATABASE}"

    def sql(self, port: int, query: str, params=(), *, database: str = DATABASE):
        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname=database, autocommit=True
        ) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else None

    def primary(self, query: str, params=()):
        return self.sql(self.primary_port, query, params)

    def replica(self, query: str, params=()):
        return self.sql(self.replica_port, query, params)

    def wait_replayed(self, timeout: float = 20) -> None:
        """Until the replica has replayed everything the primary has written."""
        (lsn,) = self.primary("SELECT pg_current_wal_lsn()::text")[0]
        wait_for(
            lambda: self.replica(
                "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s::pg_lsn) >= 0", (lsn,)
            )[0][0],
            timeout=timeout,
            what=f"the replica to replay up to {lsn}",
        )

    def pause_replay(self) -> None:
        self.replica("SELECT pg_wal_replay_pause()")
        wait_for(
            lambda: self.replica("SELECT pg_get_wal_replay_pause_state()")[0][0] == "paused",
            timeout=10,
            what="replay to pause",
        )

    def resume_replay(self) -> None:
        self.replica("SELECT pg_wal_replay_resume()")


class App:
    """gunicorn serving the project against the cluster, and the Django
    steps of tests/replica/scenario.py run with the same environment."""

    def __init__(self, cluster: Cluster, env: dict):
        self.cluster = cluster
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = cluster.base / "gunicorn.log"
        self.process = None

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [PYTHON, *args], cwd=BASE_DIR, env=self.env, capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def step(self, *args: str) -> dict:
        output = self.manage("-m", "tests.replica.scenario", *args)
        return json.loads(output.strip().splitlines()[-1])

    def start(self) -> None:
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            [
                GUNICORN,
                "core.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--timeout",
                "60",
                # Django is loaded once, then forked.
                "--preload",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

        def answers():
            assert self.process.poll() is None, self.logs()
            with contextlib.suppress(requests.RequestException):
                return requests.get(f"{self.url}/healthz", timeout=5).status_code == 200
            return False

        wait_for(answers, timeout=30, what="gunicorn to answer /healthz")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            # Nothing is in flight, and the servers go next.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def logs(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def client(self, session_key: str | None) -> requests.Session:
        """A browser: signed in with `session_key`, with a CSRF cookie it
        also sends back in the header, as the dashboard's forms do."""
        client = requests.Session()
        csrf = "a" * 32
        client.cookies.set("csrftoken", csrf, domain="127.0.0.1", path="/")
        if session_key:
            client.cookies.set("sessionid", session_key, domain="127.0.0.1", path="/")
        client.headers["X-CSRFToken"] = csrf
        return client


@pytest.fixture(scope="module")
def cluster():
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        # Like the other integration tests: the SQLite run of the suite skips
        # them, the PostgreSQL run (REQUIRE_INTEGRATION=1 in CI) runs them.
        unavailable("the replica tests run with the PostgreSQL suite (DATABASE_URL=postgres://...)")
    bindir = postgres_bin()
    if bindir is None or not (bindir / "pg_basebackup").exists():
        unavailable("the replica tests need the PostgreSQL server binaries (initdb, pg_ctl...)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            unavailable("running as root, the replica tests need a `postgres` OS user")
    cluster = Cluster(bindir)
    try:
        cluster.start_primary()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def app(cluster):
    """Migrated and seeded primary, its replica, and the app running on both."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "PGBOUNCER", "REDIS_URL", "CELERY_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "core.settings",
            "DATABASE_URL": cluster.url(cluster.primary_port),
            "DATABASE_REPLICA_URL": cluster.url(cluster.replica_port),
            "DATABASE_REPLICA_PIN_SECONDS": str(PIN_SECONDS),
            "DATABASE_REPLICA_CHECK_SECONDS": str(CHECK_SECONDS),
            # The tests pause replay for seconds at a time and expect the
            # paused replica to be read; test_a_replica_too_far_behind_is_not_read
            # runs its step with a 1 s limit.
            "DATABASE_REPLICA_MAX_LAG_SECONDS": "600",
            "SECRET_KEY": "replica-test-secret-key-not-for-production-0123456789",
            "DEBUG": "0",
            "REQUIRE_2FA": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "CACHE_URL": "locmemcache://",
            "CELERY_BROKER_URL": "filesystem://",
            "CELERY_BROKER_DIR": str(cluster.base / "broker"),
            "EMAIL_URL": "dummymail://",
            "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    app = App(cluster, env)
    # The replica is copied from the empty primary and follows it from then
    # on: the schema and the people reach it by streaming replication.
    cluster.start_replica()
    app.manage("manage.py", "migrate", "--noinput", "-v", "0")
    app.seed = app.step("seed")
    cluster.wait_replayed()
    app.start()
    try:
        yield app
    finally:
        app.stop()
