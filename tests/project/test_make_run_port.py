"""The first minute: `make run` on a busy port stops with one plain line, and
the links in emails follow the port it runs on."""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def busy_port():
    """A port something is already listening on (another `make run`, say)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_on_a_busy_port_prints_one_line_and_fails(busy_port):
    result = subprocess.run(
        ["make", "--no-print-directory", "run", f"PORT={busy_port}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = (result.stdout + result.stderr).splitlines()
    assert result.returncode != 0
    assert len(lines) == 1
    assert f"Port {busy_port} is in use: run `make run PORT={busy_port + 1}`" in lines[0]


def test_the_check_says_nothing_for_a_free_port():
    port = _free_port()
    result = subprocess.run(
        [sys.executable, "core/port_check.py", str(port)], cwd=ROOT, capture_output=True, text=True
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_the_check_suggests_the_next_free_port(busy_port):
    with socket.socket() as next_one:
        next_one.bind(("127.0.0.1", busy_port + 1))
        next_one.listen()
        result = subprocess.run(
            [sys.executable, "core/port_check.py", str(busy_port)],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    assert result.returncode == 1
    assert result.stdout == f"Port {busy_port} is in use: run `make run PORT={busy_port + 2}`\n"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_hands_the_port_to_web_worker_and_beat():
    port = _free_port()
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", f"PORT={port}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert f"BIND=127.0.0.1:{port} .venv/bin/honcho start" in result.stdout


def _site_url(**env) -> str:
    environ = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "BIND")}
    environ.update(env, DJANGO_SETTINGS_MODULE="core.settings")
    return subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SITE_URL)"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_site_url_follows_the_port_make_run_binds():
    assert _site_url(BIND="127.0.0.1:8001") == "http://127.0.0.1:8001"


def test_site_url_defaults_to_port_8000():
    assert _site_url() == "http://127.0.0.1:8000"


def test_a_set_site_url_wins_over_the_port():
    assert (
        _site_url(BIND="127.0.0.1:8001", SITE_URL="https://groundswell.example.org/")
        == "https://groundswell.example.org"
    )
