"""Real components for the delivery tests: a Redis broker, `celery worker`
subprocesses, the `dispatch_reminders` command as the dispatcher, an aiosmtpd
SMTP server in this process, and the PostgreSQL test database (the worker
reaches it through DATABASE_URL built from this test's connection settings).

Without PostgreSQL or Redis these tests skip with the reason, unless
REQUIRE_INTEGRATION=1 (CI), where they fail instead.
"""

import asyncio
import collections
import contextlib
import os
import re
import signal
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from aiosmtpd.controller import Controller

BASE_DIR = Path(__file__).resolve().parents[2]
VENV_BIN = BASE_DIR / ".venv" / "bin"
CELERY = str(VENV_BIN / "celery") if (VENV_BIN / "celery").exists() else "celery"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else "python"
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


class Processes:
    """Starts the worker and dispatcher subprocesses and always stops them."""

    def __init__(self, env: dict, log_dir: Path):
        self.env = env
        self.log_dir = log_dir
        self.running: list[subprocess.Popen] = []

    def _start(self, name: str, command: list[str], extra_env: dict | None = None):
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed in stop()
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env={**self.env, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a kill takes its children
        )
        process.log = log
        self.running.append(process)
        return process

    def worker(self, name: str = "w1", concurrency: int = 2, **extra_env):
        return self._start(
            name,
            [
                CELERY,
                "-A",
                "core",
                "worker",
                "-Q",
                self.env["CELERY_QUEUE"],
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

    def dispatch_once(self, **extra_env) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", "dispatch_reminders"],
            cwd=BASE_DIR,
            env={**self.env, **extra_env},
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
def integration(transactional_db, tmp_path, smtp_server, settings):
    """The environment the subprocesses share: this test's database, a fresh
    queue on the machine's Redis, the SMTP server above."""
    from django.db import connection

    if connection.vendor != "postgresql":
        unavailable("the delivery tests need PostgreSQL (set DATABASE_URL=postgres://...)")
    broker = redis_url()
    if not redis_reachable(broker):
        unavailable(f"Redis is not reachable at {broker}")
    queue = f"gs-test-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "CELERY_BROKER_URL": broker,
        "CELERY_QUEUE": queue,
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
    processes = Processes(env, tmp_path)
    yield processes
    processes.stop()
    _purge(broker, queue)


def _purge(broker: str, queue: str) -> None:
    import redis

    client = redis.Redis.from_url(broker)
    try:
        client.delete(queue, *(f"{queue}\x06\x16{priority}" for priority in range(10)))
    finally:
        client.close()
