"""No Docker engine runs here, so the compose file is checked by parsing."""

import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _procfile():
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        entries[name.strip()] = command.strip()
    return entries


def test_it_names_the_production_services():
    services = _compose()["services"]
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)


def test_database_and_redis_have_health_checks_and_volumes():
    services = _compose()["services"]
    for name in ("db", "redis"):
        assert "healthcheck" in services[name], name
        assert services[name]["volumes"], name


def test_web_worker_and_beat_run_the_procfile_programs():
    services = _compose()["services"]
    procfile = _procfile()
    for name in ("web", "worker", "beat"):
        compose_program = services[name]["command"][:3]
        procfile_program = shlex.split(procfile[name])[:3]
        assert compose_program == procfile_program, name


def test_django_services_wait_for_healthy_database_and_redis():
    services = _compose()["services"]
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"


def test_the_commands_it_runs_exist_in_the_project():
    services = _compose()["services"]
    assert (ROOT / "core" / "wsgi.py").exists()  # gunicorn core.wsgi
    assert (ROOT / "core" / "celery.py").exists()  # celery -A core
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert (ROOT / "manage.py").exists()
    assert (ROOT / "Dockerfile").exists()


def test_every_variable_in_env_example_is_read_by_settings():
    settings_text = (ROOT / "core" / "settings.py").read_text()
    names = [
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    missing = [
        name for name in names if f'"{name}"' not in settings_text and name != "DEMO_PASSWORD"
    ]
    assert missing == []
