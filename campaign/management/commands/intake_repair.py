"""Bring stored rows under the intake core's rules (campaign.services.intake_repair):
memberships for the base, a hearing for hearing pledges that name none, and
reminders for open pledges without any. Safe to run again; --dry-run reports
what it would change and saves nothing."""

from django.core.management.base import BaseCommand
from django.db import transaction

from campaign.services.intake_repair import (
    hearing_pledges_repair,
    memberships_repair,
    pledge_reminders_repair,
)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class Command(BaseCommand):
    help = (
        "Repair what was stored before the intake core: campaign memberships, hearing "
        "pledges without a hearing, open pledges without reminders (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would change, and save nothing.",
        )

    def handle(self, *args, dry_run=False, **options):
        # One transaction: a dry run makes every change, counts it, and rolls
        # it all back, so its report is exactly what a real run would do.
        with transaction.atomic():
            joined = memberships_repair()
            hearings = hearing_pledges_repair()
            reminded, messages = pledge_reminders_repair()
            if dry_run:
                transaction.set_rollback(True)

        by_source = ", ".join(f"{source}: {n}" for source, n in sorted(joined.items()))
        self.stdout.write(
            f"Memberships added: {sum(joined.values())}" + (f" ({by_source})" if by_source else "")
        )
        self.stdout.write(
            f"Hearing pledges given the campaign's only upcoming hearing: {hearings.assigned}"
        )
        self.stdout.write(f"Hearing pledges left without a hearing: {hearings.left}")
        for slug, (upcoming, ids) in sorted(hearings.unclear.items()):
            self.stdout.write(
                f"  {slug} ({_plural(upcoming, 'upcoming hearing')}): "
                + ", ".join(str(pk) for pk in ids)
            )
        self.stdout.write(
            f"Open pledges given their reminders: {reminded} ({_plural(messages, 'message')})"
        )
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was saved."))
