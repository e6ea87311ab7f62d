"""Real components for the delivery tests: a Redis broker, `celery worker`
subprocesses, the `dispatch_reminders` command as the dispatcher, an aiosmtpd
SMTP server in this process, and the PostgreSQL test database. The processes
reach it through PgBouncer in transaction mode, as production may: the one
`.ci/run` started (PGBOUNCER_URL), else one this session starts on a free port.
This process itself (test database creation, assertions) connects directly.

Without PostgreSQL or Redis these tests skip with the reason, unless
REQUIRE_INTEGRATION=1 (CI), where they fail instead.
"""

import asyncio
import collections
import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode, urlparse

import pytest
from aiosmtpd.controller import Controller

BASE_DIR = Path(__file__).resolve().parents[2]
VENV_BIN = BASE_DIR / ".venv" / "bin"
CELERY = str(VENV_BIN / "celery") if (VENV_BIN / "celery").exists() else "celery"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else "python"
GUNICORN = str(VENV_BIN / "gunicorn") if (VENV_BIN / "gunicorn").exists() else "gunicorn"
# A web process on plain HTTP at 127.0.0.1, static files unhashed, no rate limit.
WEB_ENV = {
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_HSTS_SECONDS": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    "RATELIMIT_ENABLE": "0",
}
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*<[^>]*\.gs(\d+)@", re.MULTILINE | re.IGNORECASE)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unavailable(reason: str):
    if os.environ.get("REQUIRE_INTEGRATION") == "1":
        pytest.fail(f"REQUIRE_INTEGRATION=1 but {reason}")
    pytest.skip(reason)


def redis_url() -> str:
    """The machine's Redis, on a database of its own (never 0)."""
    parsed = urlparse(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/11")
    db = (parsed.path or "/").strip("/") or "0"
    if db == "0":
        db = "11"
    return f"redis://{parsed.hostname or '127.0.0.1'}:{parsed.port or 6379}/{db}"


def redis_reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # it answered (/healthz says 503 while Redis is away)
    except OSError:
        return False


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class SMTPHandler:
    """Counts each outbox message received (by the row id in its Message-ID).
    Behaviours: refuse with 451 the next N recipients, refuse all with 550,
    and take `delay` seconds per message."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.received = collections.Counter()
            self.rcpt_attempts = 0
            self.tempfail_next = 0
            self.reject_all = False
            self.delay = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self.rcpt_attempts += 1
            if self.reject_all:
                return "550 5.1.1 No such user here"
            if self.tempfail_next > 0:
                self.tempfail_next -= 1
                return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        match = _MESSAGE_ID.search(envelope.content)
        with self.lock:
            self.received[int(match.group(1)) if match else -1] += 1
        return "250 Message accepted for delivery"

    @property
    def duplicates(self) -> int:
        with self.lock:
            return sum(count - 1 for count in self.received.values() if count > 1)


@pytest.fixture(scope="session")
def smtp_server():
    handler = SMTPHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    controller.port_number = port
    yield controller
    controller.stop()


@pytest.fixture
def smtp(smtp_server):
    smtp_server.handler.reset()
    return smtp_server.handler


def database_url(settings_dict) -> str:
    user = quote(settings_dict.get("USER") or "")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password)}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


PGBOUNCER_INI = """\
[databases]
{databases}
* = host={host} port={port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen_port}
unix_socket_dir =
auth_type = trust
auth_file = {directory}/userlist.txt
admin_users = {user}
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
server_idle_timeout = 30
ignore_startup_parameters = extra_float_digits,options
{run_as}
"""


class PgBouncer:
    """A PgBouncer in front of the machine's PostgreSQL, with its admin console
    (SHOW CLIENTS, SHOW STATS) for tests that prove who came through it."""

    def __init__(self, host: str, port: int, user: str, process=None, directory=None):
        self.host, self.port, self.user = host, port, user
        self.process = process
        self.directory = directory

    @classmethod
    def start(cls, settings_dict, *, databases: dict[str, str] | None = None) -> "PgBouncer":
        """Start one in the foreground on a free port (stopped by `stop()`).
        `databases`: extra [databases] entries, name -> connection string."""
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not os.path.exists(binary):
            unavailable("pgbouncer is not installed (apt-get install -y pgbouncer)")
        user = settings_dict.get("USER") or "postgres"
        directory = Path(tempfile.mkdtemp(prefix="gs-pgbouncer-"))
        # PgBouncer refuses to run as root: it switches to `user` after startup.
        run_as = ""
        if os.geteuid() == 0:
            unix_user = "postgres" if _unix_user_exists("postgres") else "nobody"
            run_as = f"user = {unix_user}"
            shutil.chown(directory, unix_user)
        password = (settings_dict.get("PASSWORD") or "").replace('"', '""')
        (directory / "userlist.txt").write_text(f'"{user}" "{password}"\n')
        listen_port = free_port()
        (directory / "pgbouncer.ini").write_text(
            PGBOUNCER_INI.format(
                databases="\n".join(f"{k} = {v}" for k, v in (databases or {}).items()),
                host=settings_dict.get("HOST") or "127.0.0.1",
                port=settings_dict.get("PORT") or 5432,
                listen_port=listen_port,
                directory=directory,
                user=user,
                run_as=run_as,
            )
        )
        log = open(directory / "pgbouncer.log", "ab")  # noqa: SIM115 - closed in stop()
        process = subprocess.Popen(
            [binary, str(directory / "pgbouncer.ini")],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log = log
        bouncer = cls("127.0.0.1", listen_port, user, process, directory)
        try:
            wait_for(bouncer.answers, timeout=10, what=f"pgbouncer\n{bouncer.log_text()}")
        except AssertionError:
            bouncer.stop()
            raise
        return bouncer

    @classmethod
    def from_url(cls, url: str) -> "PgBouncer":
        parsed = urlparse(url)
        host, port = parsed.hostname or "127.0.0.1", parsed.port or 6432
        return cls(host, port, parsed.username or "postgres")

    def url(self, database: str, **options) -> str:
        query = f"?{urlencode(options)}" if options else ""
        return f"postgres://{quote(self.user)}@{self.host}:{self.port}/{database}{query}"

    def answers(self) -> bool:
        import psycopg

        try:
            self.admin("SHOW VERSION")
            return True
        except psycopg.Error:
            return False

    def admin(self, command: str) -> list[dict]:
        """A command on the admin console, its rows as dicts."""
        import psycopg

        with psycopg.connect(self.url("pgbouncer"), autocommit=True, connect_timeout=3) as conn:
            cursor = conn.execute(command)
            if cursor.description is None:
                return []
            names = [column.name for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def clients(self, database: str) -> list[str]:
        """The application names of the clients connected to `database` now."""
        return sorted(
            row["application_name"]
            for row in self.admin("SHOW CLIENTS")
            if row["database"] == database
        )

    def transactions(self, database: str) -> int:
        """How many transactions PgBouncer has run for `database`."""
        for row in self.admin("SHOW STATS"):
            if row["database"] == database:
                return int(row["total_xact_count"])
        return 0

    def release(self, database: str) -> None:
        """Close its server connections to `database` (the test database can
        then be dropped), and let clients in again."""
        import psycopg

        for command in (f'KILL "{database}"', f'RESUME "{database}"'):
            with contextlib.suppress(psycopg.Error):
                self.admin(command)

    def log_text(self) -> str:
        if self.directory is None:
            return "(PgBouncer started outside the tests)"
        path = self.directory / "pgbouncer.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process.log.close()
        shutil.rmtree(self.directory, ignore_errors=True)
        self.process = None


def _unix_user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@pytest.fixture(scope="session")
def pgbouncer(django_db_setup, django_db_blocker):
    """The transaction-mode PgBouncer the subprocesses go through. Depends on
    the test database, so it lets go of it before the database is dropped."""
    from django.db import connection

    if connection.vendor != "postgresql":
        unavailable("the integration tests need PostgreSQL (set DATABASE_URL=postgres://...)")
    if os.environ.get("PGBOUNCER_URL"):
        bouncer = PgBouncer.from_url(os.environ["PGBOUNCER_URL"])
        if not bouncer.answers():
            unavailable(f"no PgBouncer answers at PGBOUNCER_URL={os.environ['PGBOUNCER_URL']}")
    else:
        bouncer = PgBouncer.start(connection.settings_dict)
    yield bouncer
    bouncer.release(connection.settings_dict["NAME"])
    bouncer.stop()


class Processes:
    """Starts the worker and dispatcher subprocesses and always stops them.
    With `pgbouncer`, each reaches `database` through it under its own
    application_name (gs-<name>), which SHOW CLIENTS lists."""

    def __init__(self, env: dict, log_dir: Path, pgbouncer=None, database: str = ""):
        self.env = env
        self.log_dir = log_dir
        self.pgbouncer = pgbouncer
        self.database = database
        self.running: list[subprocess.Popen] = []

    def env_for(self, name: str, extra_env: dict | None = None) -> dict:
        env = dict(self.env)
        if self.pgbouncer is not None:
            env["DATABASE_URL"] = self.pgbouncer.url(self.database, application_name=f"gs-{name}")
        return {**env, **(extra_env or {})}

    def _start(self, name: str, command: list[str], extra_env: dict | None = None):
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed in stop()
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=self.env_for(name, extra_env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a kill takes its children
        )
        process.log = log
        self.running.append(process)
        return process

    def worker(self, name: str = "w1", concurrency: int = 2, queues=None, **extra_env):
        """A worker on `queues` (default: every queue of this test)."""
        return self._start(
            name,
            [
                CELERY,
                "-A",
                "core",
                "worker",
                "-Q",
                ",".join(queues or queues_of(self.env["CELERY_QUEUE"])),
                "-c",
                str(concurrency),
                "-n",
                f"{name}-{uuid.uuid4().hex[:6]}@%h",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "WARNING",
            ],
            extra_env,
        )

    def dispatcher(self, name: str = "dispatcher", every: float = 0.3, **extra_env):
        return self._start(
            name,
            [PYTHON, "manage.py", "dispatch_reminders", "--every", str(every), "--for", "150"],
            extra_env,
        )

    def web(self, name: str = "web", **extra_env) -> str:
        """Gunicorn (one worker) on a free port, plain HTTP; its base URL once
        /healthz answers."""
        port = free_port()
        self._start(
            name,
            [GUNICORN, "core.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            {**WEB_ENV, **extra_env},
        )
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _answers(f"{url}/healthz"), timeout=30, what=f"{name}\n{self.logs()}")
        return url

    def dispatch_once(self, **extra_env) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", "dispatch_reminders"],
            cwd=BASE_DIR,
            env=self.env_for("dispatch-once", extra_env),
            capture_output=True,
            text=True,
            timeout=60,
        )
        return result.stdout + result.stderr

    def kill(self, process, sig=signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            # A warm shutdown can wait on a slow task; a test must never leave
            # a worker behind, so the whole process group goes.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        self.running.remove(process)
        process.log.close()

    def stop(self):
        for process in list(self.running):
            self.kill(process, signal.SIGTERM if process.poll() is None else signal.SIGKILL)

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.log_dir.glob("*.log"))
        )


@pytest.fixture
def integration(transactional_db, tmp_path, smtp_server, settings, pgbouncer):
    """The environment the subprocesses share: this test's database through
    PgBouncer in transaction mode, a fresh queue on the machine's Redis, the
    SMTP server above."""
    from django.db import connection

    broker = redis_url()
    if not redis_reachable(broker):
        unavailable(f"Redis is not reachable at {broker}")
    queue = f"gs-test-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DATABASE_URL": pgbouncer.url(connection.settings_dict["NAME"]),
        "DATABASE_TRANSACTION_POOLER": "1",
        "CELERY_BROKER_URL": broker,
        "CELERY_QUEUE": queue,
        # The email, sms, bulk and webhooks queues of this test alone.
        "CELERY_QUEUE_PREFIX": f"{queue}-",
        "CELERY_VISIBILITY_TIMEOUT": "30",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port_number}",
        "EMAIL_TIMEOUT": "10",
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "0",
        "SITE_URL": "https://groundswell.example.org",
        "CACHE_URL": "locmemcache://",
        "SMS_BACKEND": "file",
        "SMS_FILE_PATH": str(tmp_path / "sms"),
        "MESSAGE_RETRY_BASE_SECONDS": "0.3",
        "MESSAGE_SEND_CHUNK": "10",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "WARNING",
    }
    processes = Processes(env, tmp_path, pgbouncer, connection.settings_dict["NAME"])
    yield processes
    processes.stop()
    _purge(broker, queue)


def queues_of(queue: str) -> list[str]:
    """The default queue and the per-kind queues (settings.CELERY_TASK_ROUTES)
    under this test's prefix: a worker consuming them all, as the Procfile's."""
    return [queue, *(f"{queue}-{kind}" for kind in ("email", "sms", "bulk", "webhooks"))]


def _purge(broker: str, queue: str) -> None:
    import redis

    client = redis.Redis.from_url(broker)
    try:
        for name in queues_of(queue):
            client.delete(name, *(f"{name}\x06\x16{priority}" for priority in range(10)))
    finally:
        client.close()
