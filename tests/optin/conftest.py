"""Double opt-in: the public campaign fixtures (tests/public), a day in the
coalition's time zone to walk through, and the emailed links."""

import datetime as dt
import re

import pytest
import time_machine

from campaign.messaging import render_email
from campaign.models import Message
from tests.public.conftest import campaign, form_data, hearing, signup_url  # noqa: F401

# 08:00 in Chicago (CDT), so ten sign-ups half an hour apart stay on one local day.
MORNING = dt.datetime(2030, 5, 7, 13, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


def emailed_confirm_path(message: Message) -> str | None:
    """The /c/<slug>/confirm/<token>/ link of an outbox row, rendered as the
    sender would (rendering mints the token)."""
    match = re.search(r"/c/[\w-]+/confirm/[\w-]+/", render_email(message).body)
    return match.group(0) if match else None
