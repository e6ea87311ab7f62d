"""Claim due outbox rows and publish their send tasks (what beat does every
minute). `--every S --for T` repeats it, e.g. when no beat is running."""

import time

from django.core.management.base import BaseCommand

from campaign.services.outbox import messages_dispatch


class Command(BaseCommand):
    help = "Claim due reminders and hand them to the Celery workers."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="Repeat every S seconds.")
        parser.add_argument("--for", dest="duration", type=float, default=0, help="Stop after T s.")

    def handle(self, *args, every: float, duration: float, **options):
        deadline = time.monotonic() + duration
        while True:
            result = messages_dispatch()
            if result.claimed or result.released or result.error:
                self.stdout.write(
                    f"claimed {result.claimed}, published {result.published}, "
                    f"released {result.released}"
                    + (f", error: {result.error}" if result.error else "")
                )
            if not every or time.monotonic() >= deadline:
                break
            time.sleep(every)
