"""Hearings as iCalendar: the one-hearing file and a campaign's feed.

Both build each hearing's VEVENT here, so a hearing added from its own .ics
and then seen again in the feed is the same event (same UID) to the phone.

A subscribed calendar (webcal://) polls the feed and updates an event it has
when the feed's copy has the same UID and a higher SEQUENCE (RFC 5545
3.8.7.4). SEQUENCE is derived, with no column of its own: the seconds from the
hearing's creation to its last save (`updated_at - created_at`). Every save
(hearing_save when it moves, hearing_cancel when it is cancelled, an edit in
the admin) moves updated_at forward, so the number only grows; a save that
moved nothing raises it too, which calendars accept. Two saves within one
second would share a number; a hearing is not moved twice in a second.
Read-only: nothing here writes.
"""

import datetime as dt
import zoneinfo

import icalendar
from django.conf import settings
from django.utils import timezone

from campaign.models import Campaign, Hearing

# A hearing without an end time is shown as two hours long.
DEFAULT_LENGTH = dt.timedelta(hours=2)


def hearing_sequence(hearing: Hearing) -> int:
    """The hearing's SEQUENCE (see the module docstring)."""
    return max(0, int((hearing.updated_at - hearing.created_at).total_seconds()))


def hearing_uid(hearing: Hearing, *, host: str) -> str:
    return f"hearing-{hearing.pk}@{host.split(':')[0]}"


def hearing_event(hearing: Hearing, *, language: str, host: str, page_url: str) -> icalendar.Event:
    """One VEVENT in the coalition's time zone, so a phone's calendar shows
    the local time wherever the phone is set; a cancelled hearing is
    STATUS:CANCELLED (the calendar strikes it out or drops it)."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    campaign = hearing.campaign
    event = icalendar.Event()
    event.add("uid", hearing_uid(hearing, host=host))
    event.add("sequence", hearing_sequence(hearing))
    event.add("dtstamp", timezone.now())
    event.add("last-modified", hearing.updated_at)
    event.add("dtstart", hearing.starts_at.astimezone(zone))
    event.add("dtend", (hearing.ends_at or hearing.starts_at + DEFAULT_LENGTH).astimezone(zone))
    event.add("summary", hearing.localized_title(language))
    event.add("status", "CANCELLED" if hearing.cancelled_at else "CONFIRMED")
    location = ", ".join(part for part in (hearing.location_name, hearing.address) if part)
    if location:
        event.add("location", location.replace("\n", ", "))
    description = [campaign.localized("name", language), page_url]
    if hearing.online_url:
        description.append(hearing.online_url)
    event.add("description", "\n".join(description))
    event.add("url", page_url)
    return event


def calendar_build(events: list[icalendar.Event], *, name: str = "") -> bytes:
    """A VCALENDAR of `events`, with the VTIMEZONE they use."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Groundswell//Hearings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def campaign_hearings_feed(*, campaign: Campaign, language: str, host: str, page_url: str) -> bytes:
    """Every hearing of `campaign` that has not ended, cancelled ones
    included (as CANCELLED, so a subscribed calendar drops them instead of
    keeping the old time). Two queries: the hearings and none per hearing."""
    now = timezone.now()
    hearings = [
        hearing
        # No hearing lasts a day; the end time decides for the rest.
        for hearing in Hearing.objects.filter(
            campaign=campaign, starts_at__gte=now - dt.timedelta(days=1)
        ).order_by("starts_at", "pk")
        if (hearing.ends_at or hearing.starts_at + DEFAULT_LENGTH) >= now
    ]
    for hearing in hearings:
        hearing.campaign = campaign
    return calendar_build(
        [
            hearing_event(hearing, language=language, host=host, page_url=page_url)
            for hearing in hearings
        ],
        name=campaign.localized("name", language),
    )
