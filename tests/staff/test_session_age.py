"""Session lifetime: a staff sign-in ends STAFF_SESSION_HOURS after it was
made, however active; other sessions last SESSION_COOKIE_AGE."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings as django_settings

from tests.staff.conftest import sign_in

pytestmark = pytest.mark.django_db

SIGNED_IN_AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_the_default_session_age_is_14_days():
    assert django_settings.SESSION_COOKIE_AGE == 14 * 24 * 3600


def test_the_default_staff_session_is_12_hours():
    assert django_settings.STAFF_SESSION_HOURS == 12.0


def test_a_staff_session_ends_12_hours_after_sign_in(client, coordinator):
    with time_machine.travel(SIGNED_IN_AT, tick=False) as traveller:
        sign_in(client, "coordinator")
        traveller.move_to(SIGNED_IN_AT + dt.timedelta(hours=11, minutes=59))
        assert client.get("/dashboard/").status_code == 200
        traveller.move_to(SIGNED_IN_AT + dt.timedelta(hours=12, minutes=1))
        response = client.get("/dashboard/")
    assert response["Location"] == "/accounts/login/?next=/dashboard/"


def test_the_staff_session_hours_are_a_setting(client, coordinator, settings):
    settings.STAFF_SESSION_HOURS = 1
    with time_machine.travel(SIGNED_IN_AT, tick=False) as traveller:
        sign_in(client, "coordinator")
        traveller.move_to(SIGNED_IN_AT + dt.timedelta(minutes=61))
        response = client.get("/dashboard/")
    assert response.status_code == 302


def test_the_session_cookie_says_when_the_staff_session_ends(client, coordinator):
    with time_machine.travel(SIGNED_IN_AT, tick=False):
        response = sign_in(client, "coordinator")
    assert response.cookies["sessionid"]["max-age"] == 12 * 3600
