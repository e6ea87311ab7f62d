"""The Celery app. Configuration lives in core.settings under CELERY_*."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")

app = Celery("groundswell")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
