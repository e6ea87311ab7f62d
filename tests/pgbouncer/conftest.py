# The integration fixtures (PgBouncer, worker and dispatcher processes, SMTP).
from tests.integration.conftest import integration, pgbouncer, smtp, smtp_server  # noqa: F401
