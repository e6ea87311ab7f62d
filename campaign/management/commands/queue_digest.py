"""Queue today's coordinators' digest (what beat does each morning)."""

from django.core.management.base import BaseCommand

from campaign.services.digest import digest_queue


class Command(BaseCommand):
    help = "Queue today's digest email for every coordinator (once per day)."

    def handle(self, *args, **options):
        self.stdout.write(f"{digest_queue()} coordinator(s) offered a digest.")
