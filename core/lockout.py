"""Login lockouts (django-axes) with two limits: one per username and address,
a higher one per address across usernames.

Axes counts failures for each entry of AXES_LOCKOUT_PARAMETERS and compares
the largest count with one AXES_FAILURE_LIMIT. With ["username", "ip_address"]
and "ip_address" under one limit, five typos from a shared office address
would lock everyone there; so this handler reports the address's own count
only once it reaches AXES_IP_FAILURE_LIMIT.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum


def _failures(attempts) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class LoginFailureHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        # One queryset per AXES_LOCKOUT_PARAMETERS entry, in order:
        # username+address, then address alone.
        by_user, by_address = self.get_user_attempts(request, credentials)
        failures = _failures(by_user)
        if _failures(by_address) >= settings.AXES_IP_FAILURE_LIMIT:
            return max(failures, get_failure_limit(request, credentials))
        return failures

    def reset_user_attempts(self, request, credentials=None) -> int:
        # A successful sign-in clears the signer's own failures only: axes
        # would also delete every other username's failures from the address,
        # letting a sprayer holding one account reset the address's count.
        by_user, _by_address = self.filter_user_attempts(request, credentials)
        count, _ = by_user.delete()
        return count
