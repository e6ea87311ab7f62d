"""Bring a decision body's members, meetings and roll calls in from Legistar
(campaign.services.legistar). Safe to run again: unchanged rows are left alone."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from campaign.models import DecisionBody
from campaign.services.legistar import LegistarClient, LegistarError, legistar_import


def _moment(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = (
        "Import a decision body from the Legistar Web API: members and terms, meetings "
        "on linked matters as hearings, roll-call votes. Incremental from the last import."
    )

    def add_arguments(self, parser):
        parser.add_argument("body", type=int, help="The DecisionBody id (here, not in Legistar).")
        parser.add_argument("--client", help="Legistar client name; saved on the body.")
        parser.add_argument("--body-id", type=int, help="Legistar BodyId; saved on the body.")
        parser.add_argument(
            "--since", type=_moment, help="Read changes since (ISO date/time, TIME_ZONE)."
        )
        parser.add_argument("--full", action="store_true", help="Read everything again.")

    def handle(self, *args, body, client=None, body_id=None, since=None, full=False, **options):
        try:
            decision_body = DecisionBody.objects.get(pk=body)
        except DecisionBody.DoesNotExist as error:
            raise CommandError(f"No decision body {body}.") from error
        if client or body_id:
            decision_body.legistar_client = client or decision_body.legistar_client
            decision_body.legistar_body_id = body_id or decision_body.legistar_body_id
            decision_body.save(update_fields=["legistar_client", "legistar_body_id"])
        try:
            report = legistar_import(
                body=decision_body,
                api=LegistarClient(client=decision_body.legistar_client),
                since=since,
                full=full,
            )
        except LegistarError as error:
            raise CommandError(f"Legistar: {error}") from error

        scope = (
            f"changes since {timezone.localtime(report.since):%Y-%m-%d %H:%M}"
            if report.since
            else "everything"
        )
        self.stdout.write(
            f"{decision_body} from Legistar {decision_body.legistar_client} body "
            f"{decision_body.legistar_body_id} ({scope})"
        )
        for kind, tally in report.kinds().items():
            self.stdout.write(f"{kind}: {tally}")
        for line in report.changes:
            self.stdout.write(f"  {line}")
        for line in report.problems:
            self.stdout.write(self.style.WARNING(f"Not imported: {line}"))
