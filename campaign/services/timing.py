"""Clock rules of the outbox, in the coalition's time zone: the SMS quiet hours."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings


def coalition_tz() -> ZoneInfo:
    """The coalition's time zone (settings.TIME_ZONE): local dates and hours
    in reminders, the digest and the quiet hours are read in it."""
    return ZoneInfo(settings.TIME_ZONE)


def _parse_time(value: str) -> dt.time:
    hour, minute = (int(part) for part in value.split(":"))
    return dt.time(hour, minute)


def quiet_hours_end(when: dt.datetime) -> dt.datetime | None:
    """When `when` falls in the SMS quiet hours (coalition time zone), the
    moment they end; otherwise None. The end is built from the local date, so
    a DST change in between is accounted for."""
    tz = coalition_tz()
    local = when.astimezone(tz)
    start = _parse_time(settings.QUIET_HOURS_START)
    end = _parse_time(settings.QUIET_HOURS_END)
    now = local.time()
    if start == end:
        return None
    # Usually the quiet hours span midnight (start after end).
    quiet = (now >= start or now < end) if start > end else (start <= now < end)
    if not quiet:
        return None
    day = local.date()
    if start > end and now >= start:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=tz)
