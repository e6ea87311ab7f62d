"""Run the daily retention pass now (the beat runs it at 03:15)."""

from django.core.management.base import BaseCommand

from campaign.services.privacy import privacy_retention_run


class Command(BaseCommand):
    help = "Delete or clear personal data past its retention period; flag inactive supporters."

    def handle(self, *args, **options):
        for name, count in privacy_retention_run().as_dict().items():
            self.stdout.write(f"{name}: {count}")
