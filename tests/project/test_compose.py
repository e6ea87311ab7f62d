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
        if not line.strip() or line.startswith("#"):
            continue
        name, _, command = line.partition(":")
        entries[name.strip()] = command.strip()
    return entries


WORKERS = {
    "worker-default": ["celery"],
    "worker-email": ["email"],
    "worker-sms": ["sms"],
    "worker-bulk": ["bulk"],
    "worker-webhooks": ["webhooks"],
}
DJANGO_SERVICES = ("web", *WORKERS, "beat")
PASSWORD = "${POSTGRES_PASSWORD:-groundswell}"


def _option(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


def test_it_names_the_production_services():
    services = _compose()["services"]
    assert set(services) == {
        "db",
        "db-replica",
        "pgbouncer",
        "redis",
        "migrate",
        "web",
        *WORKERS,
        "beat",
    }


def test_database_and_redis_have_health_checks_and_volumes():
    services = _compose()["services"]
    for name in ("db", "db-replica", "redis"):
        assert "healthcheck" in services[name], name
        assert services[name]["volumes"], name
    # The replica's data is its own, never the primary's folder.
    assert services["db"]["volumes"] == ["pgdata:/var/lib/postgresql/data"]
    assert services["db-replica"]["volumes"] == ["pgreplica:/var/lib/postgresql/data"]


def test_web_workers_and_beat_run_the_procfile_programs():
    services = _compose()["services"]
    procfile = _procfile()
    for name in ("web", "beat"):
        compose_program = services[name]["command"][:3]
        procfile_program = shlex.split(procfile[name])[:3]
        assert compose_program == procfile_program, name
    for name in WORKERS:
        assert services[name]["command"][:4] == shlex.split(procfile["worker"])[:4], name


def test_each_queue_has_a_worker_of_its_own():
    from django.conf import settings

    services = _compose()["services"]
    consumed = {name: _option(services[name]["command"], "-Q").split(",") for name in WORKERS}
    assert consumed == WORKERS
    # Every queue the settings route to is consumed, by exactly one worker.
    queues = [queue.name for queue in settings.CELERY_TASK_QUEUES]
    assert sorted(q for names in consumed.values() for q in names) == sorted(queues)
    # One import at a time on its own worker; beat's ticks never wait behind one.
    assert _option(services["worker-bulk"]["command"], "--concurrency") == "1"
    assert "healthcheck" in services["worker-email"]


def test_the_procfile_keeps_one_worker_for_every_queue():
    # `make run` starts one worker: without -Q it consumes CELERY_TASK_QUEUES,
    # so no task waits in a queue nobody reads.
    procfile = _procfile()
    assert set(procfile) == {"web", "worker", "beat"}
    assert "-Q" not in shlex.split(procfile["worker"])


def test_django_services_wait_for_healthy_database_pooler_and_redis():
    services = _compose()["services"]
    for name in DJANGO_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy", name
        assert depends["pgbouncer"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
    # The dashboard falls back to the primary, so a replica still copying
    # (or down) must not keep the site from starting.
    assert services["web"]["depends_on"]["db-replica"] == {"condition": "service_started"}


def test_web_and_workers_connect_through_pgbouncer_and_read_from_the_replica():
    services = _compose()["services"]
    for name in DJANGO_SERVICES:
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"] == (
            f"postgres://groundswell:{PASSWORD}@pgbouncer:5432/groundswell"
        ), name
        assert environment["DATABASE_TRANSACTION_POOLER"] == "1", name
        # Exports stream with a server-side cursor: a session straight to the primary.
        assert environment["DATABASE_SESSION_URL"] == (
            f"postgres://groundswell:{PASSWORD}@db:5432/groundswell"
        ), name
        assert environment["DATABASE_REPLICA_URL"] == (
            f"postgres://groundswell:{PASSWORD}@db-replica:5432/groundswell"
        ), name
        assert environment["CELERY_BROKER_URL"] == "redis://redis:6379/0", name


def test_migrations_go_straight_to_the_primary():
    migrate = _compose()["services"]["migrate"]
    assert migrate["environment"]["DATABASE_URL"] == (
        f"postgres://groundswell:{PASSWORD}@db:5432/groundswell"
    )
    assert migrate["environment"]["DATABASE_TRANSACTION_POOLER"] == "0"
    assert migrate["environment"]["DATABASE_REPLICA_URL"] == ""
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}


def test_pgbouncer_pools_transactions_in_front_of_the_primary():
    pgbouncer = _compose()["services"]["pgbouncer"]
    assert pgbouncer["image"].startswith("edoburu/pgbouncer:")
    environment = pgbouncer["environment"]
    assert environment["POOL_MODE"] == "transaction"
    assert environment["DATABASE_URL"] == f"postgres://groundswell:{PASSWORD}@db:5432/groundswell"
    # postgres:15 stores SCRAM verifiers: md5 (PgBouncer's default) cannot log in.
    assert environment["AUTH_TYPE"] == "scram-sha-256"
    assert pgbouncer["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "healthcheck" in pgbouncer


def test_the_primary_accepts_replication_and_keeps_wal_for_it():
    compose = _compose()
    db = compose["services"]["db"]
    command = db["command"]
    settings = dict(command[i + 1].split("=", 1) for i, arg in enumerate(command) if arg == "-c")
    assert command[0] == "postgres"
    assert settings["wal_level"] == "replica"
    assert int(settings["max_wal_senders"]) >= 1
    assert settings["hba_file"] == "/etc/postgresql/pg_hba.conf"
    assert db["configs"] == [{"source": "pg_hba", "target": settings["hba_file"]}]
    rules = [line.split() for line in compose["configs"]["pg_hba"]["content"].splitlines()]
    assert ["host", "replication", "all", "all", "scram-sha-256"] in rules
    assert ["host", "all", "all", "all", "scram-sha-256"] in rules


def test_the_replica_starts_from_a_base_backup_of_the_primary():
    replica = _compose()["services"]["db-replica"]
    assert replica["image"] == _compose()["services"]["db"]["image"]
    assert replica["depends_on"] == {"db": {"condition": "service_healthy"}}
    script = replica["command"][-1]
    # Only into an empty data folder; -R makes it a standby of db.
    assert 'if [ ! -s "$$PGDATA/PG_VERSION" ]' in script
    backup = next(line.split() for line in script.splitlines() if "pg_basebackup" in line)
    assert backup[backup.index("-h") + 1] == "db"
    assert "-R" in backup
    assert script.rstrip().splitlines()[-1].strip() == "exec postgres -c hot_standby=on"


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
