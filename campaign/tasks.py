"""Celery tasks: thin wrappers that take ids and call one service."""

from celery import shared_task

# ---------------------------------------------------------------------------
# Supporter imports (benchmarks/imports issue) -- owned by the imports helper.
# ---------------------------------------------------------------------------


# A job is claimed before it runs, so a redelivered task does nothing; a
# 100,000-row file takes seconds, the limit leaves room for far larger ones.
@shared_task(name="campaign.import_job_run", time_limit=840, soft_time_limit=780)
def import_job_run_task(job_id: int) -> None:
    from campaign.services.imports import import_job_run

    import_job_run(job_id=job_id)


# ---------------------------------------------------------------------------
# End of the supporter imports block.
# ---------------------------------------------------------------------------
