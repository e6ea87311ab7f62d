"""Password spraying from one address: failures for many usernames lock the
address (AXES_IP_FAILURE_LIMIT), not only each username+address pair."""

import pytest
from axes.models import AccessAttempt

from tests.staff.conftest import sign_in

pytestmark = pytest.mark.django_db

SPRAYER = "198.51.100.66"


def _spray(client, count: int, address: str = SPRAYER) -> list[int]:
    return [
        sign_in(client, f"guess{n}", password="Summer2026!", REMOTE_ADDR=address).status_code
        for n in range(count)
    ]


def test_failures_for_many_usernames_lock_the_address(client, coordinator, settings):
    statuses = _spray(client, settings.AXES_IP_FAILURE_LIMIT)
    assert statuses == [200] * (settings.AXES_IP_FAILURE_LIMIT - 1) + [429]
    # The right password of a real account, from that address: refused.
    response = sign_in(client, "coordinator", REMOTE_ADDR=SPRAYER)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_same_account_signs_in_from_another_address(client, coordinator, settings):
    _spray(client, settings.AXES_IP_FAILURE_LIMIT)
    response = sign_in(client, "coordinator", REMOTE_ADDR="203.0.113.5")
    assert response["Location"] == "/dashboard/"


def test_below_the_address_limit_other_accounts_still_sign_in(client, coordinator, settings):
    # A shared office address: several people's typos do not lock everyone.
    _spray(client, settings.AXES_IP_FAILURE_LIMIT - 1)
    response = sign_in(client, "coordinator", REMOTE_ADDR=SPRAYER)
    assert response["Location"] == "/dashboard/"


def test_a_success_clears_only_the_signers_own_failures(client, coordinator, settings):
    sign_in(client, "coordinator", password="typo", REMOTE_ADDR=SPRAYER)
    _spray(client, 3)
    sign_in(client, "coordinator", REMOTE_ADDR=SPRAYER)
    assert sorted(AccessAttempt.objects.values_list("username", flat=True)) == [
        "guess0",
        "guess1",
        "guess2",
    ]


def test_five_failures_still_lock_one_username_from_one_address(client, coordinator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "coordinator", password="wrong", REMOTE_ADDR=SPRAYER)
    assert sign_in(client, "coordinator", REMOTE_ADDR=SPRAYER).status_code == 429
