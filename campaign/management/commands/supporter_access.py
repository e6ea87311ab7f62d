"""Answer an access request from the command line: everything held about
one supporter, as the admin's download (a zip)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from campaign.services.privacy import supporter_access_export, supporter_find


class Command(BaseCommand):
    help = "Write everything held about one supporter (by id or email) to a zip file."

    def add_arguments(self, parser):
        parser.add_argument("supporter", help="The supporter's id or email address.")
        parser.add_argument("--out", required=True, help="Where to write the zip file.")

    def handle(self, *args, supporter, out, **options):
        found = supporter_find(supporter)
        if found is None:
            raise CommandError(f"No supporter with id or email {supporter!r}.")
        path = Path(out)
        path.write_bytes(supporter_access_export(found))
        # Personal data: readable by the account that ran the command only.
        path.chmod(0o600)
        self.stdout.write(f"Wrote {path} for supporter #{found.pk}.")
