import os
import subprocess
import sys
from pathlib import Path

from django.test import RequestFactory, override_settings

from core.middleware import TrustedClientIPMiddleware

ROOT = Path(__file__).resolve().parents[2]


def _client_ip(headers, **meta):
    request = RequestFactory().get("/", **meta, **headers)
    TrustedClientIPMiddleware(lambda r: r)(request)
    return request.META["REMOTE_ADDR"]


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_a_forged_forwarded_for_header_is_ignored_without_trusted_proxies():
    ip = _client_ip({"HTTP_X_FORWARDED_FOR": "6.6.6.6"}, REMOTE_ADDR="203.0.113.9")
    assert ip == "203.0.113.9"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_that_proxy_saw_is_used():
    # The client forged "6.6.6.6"; our proxy appended the real peer address.
    ip = _client_ip({"HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.7"}, REMOTE_ADDR="10.0.0.2")
    assert ip == "198.51.100.7"


def _settings_env(**overrides):
    # The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for this process;
    # a deployment never has it.
    dropped = ("SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(overrides)
    return env


def test_settings_refuse_the_default_secret_key_when_debug_is_off():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=_settings_env(DEBUG="0"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_settings_refuse_personal_links_that_expire_before_30_days():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=_settings_env(DEBUG="1", PUBLIC_TOKEN_MAX_AGE_DAYS="29"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "PUBLIC_TOKEN_MAX_AGE_DAYS must be at least 30 (CAN-SPAM)." in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_settings_env(
            DEBUG="0",
            SECRET_KEY="a-long-random-production-secret-key-0123456789-abcdefghijkl",
            ALLOWED_HOSTS="groundswell.example.org",
            SECURE_SSL_REDIRECT="1",
            SECURE_HSTS_SECONDS="31536000",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
