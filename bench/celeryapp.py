"""The project's Celery app plus the no-op task the reminders figure is compared to."""

import os

import redis

from core.celery import app

_counter = None


@app.task(name="bench.noop", ignore_result=True)
def noop() -> None:
    # One INCR so the harness can see the task ran; the rest is Celery's own cost.
    global _counter
    if _counter is None:
        _counter = redis.Redis.from_url(os.environ["BENCH_REDIS_URL"])
    _counter.incr("bench:noop")


__all__ = ["app", "noop"]
