"""Personal links for supporters: the action page (/a/), unsubscribe (/u/)
and the share link (/c/<slug>/?r=). No login: the link is the credential.

A token is 32 random bytes (`secrets.token_urlsafe`, 43 URL-safe characters)
and says nothing: no id, no campaign, no date. Minting a link inserts a
`SupporterLink` row holding the token's SHA-256 (never the token), what it
opens (the supporter; for /a/ the campaign and, from the sign-up form, the
pledges) and when it was made. Reading a token is one query on the unique
`token_hash`, joined to the supporter. A token that is malformed, unknown, of
the other purpose, revoked, or older than PUBLIC_TOKEN_MAX_AGE_DAYS resolves to
None, and the views answer 404.

Revocation rule: `supporter_links_revoke` revokes a supporter's action-page
links, because those open a page with their name, commissioner, pledges and a
letter signed with their name. It leaves their unsubscribe links working: an
unsubscribe link can only take the person off the list, and someone who asks
for their links to be revoked (a forwarded email, a lost phone) must still be
able to leave with the link in any email they already hold (CAN-SPAM: at least
30 days; RFC 8058 one-click from the mail client). At worst a leaked
unsubscribe link lets a stranger unsubscribe them, which stops messages, the
safe direction. Unsubscribe links end only by age (and with the supporter's
row).

A share link differs: it is meant to be passed around, opens no personal
data, and only credits its owner with the people who sign up through it
(`Membership.recruited_by`); one live link per supporter and campaign is
reused, its token derived rather than drawn (`share_token`).

Links signed by the previous scheme (`django.core.signing`, carrying the
supporter id) no longer open action pages. Their unsubscribe links keep
working until they reach PUBLIC_TOKEN_MAX_AGE_DAYS, for the same reason; that
fallback (`_legacy_unsubscribe_read`) can go once the last of them expired.
"""

import base64
import datetime as dt
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import NamedTuple

from django.conf import settings
from django.core import signing
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from campaign.models import Campaign, Supporter, SupporterLink, token_digest

Purpose = SupporterLink.Purpose

# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")

# Links minted inside `links_batch()` wait here for its single INSERT.
_batch: ContextVar[list[SupporterLink] | None] = ContextVar("supporter_links", default=None)


def _cutoff() -> dt.datetime:
    # CAN-SPAM: an unsubscribe link must work for at least 30 days after the
    # email; links are minted at send time, so a year is generous.
    return timezone.now() - dt.timedelta(days=settings.PUBLIC_TOKEN_MAX_AGE_DAYS)


@contextmanager
def links_batch() -> Iterator[None]:
    """Links minted inside this block are inserted with one query when it
    ends, so rendering a chunk of N messages costs one INSERT, not 2N. A
    token minted inside must not leave the process (be sent or shown) before
    the block has ended; nothing is inserted when the block raises. Nested
    blocks join the outermost one."""
    if _batch.get() is not None:
        yield
        return
    rows: list[SupporterLink] = []
    reset = _batch.set(rows)
    try:
        yield
    finally:
        _batch.reset(reset)
    if rows:
        SupporterLink.objects.bulk_create(rows)


def _mint(
    supporter: Supporter,
    purpose: str,
    campaign: Campaign | None = None,
    action_ids: list[int] | None = None,
) -> str:
    """A fresh token; only its digest is stored. Side effects: one INSERT
    (or a row added to the enclosing `links_batch`)."""
    token = secrets.token_urlsafe(32)
    row = SupporterLink(
        supporter=supporter,
        purpose=purpose,
        campaign=campaign,
        action_ids=action_ids,
        token_hash=token_digest(token),
    )
    batch = _batch.get()
    if batch is None:
        row.save(force_insert=True)
    else:
        batch.append(row)
    return token


def action_token(
    supporter: Supporter, campaign: Campaign | None = None, pledges: list[int] | None = None
) -> str:
    """`pledges` limits the page to those actions: the link the sign-up form
    redirects to shows only what was pledged in that submission, because
    anyone can type a known supporter's email into the form."""
    action_ids = sorted(pledges) if pledges is not None else None
    return _mint(supporter, Purpose.ACTION_PAGE, campaign, action_ids)


def unsubscribe_token(supporter: Supporter) -> str:
    return _mint(supporter, Purpose.UNSUBSCRIBE)


def _share_candidate(supporter: Supporter, campaign: Campaign, generation: int) -> str:
    # A share link is shown on every visit to the action page and in emails,
    # but only its digest is stored: so its token is derived (HMAC with
    # SECRET_KEY: unguessable, says nothing) from the supporter, campaign and
    # a generation, and the page recomputes it instead of minting a new row
    # per view. A share link opens nothing about its owner (it only credits
    # them with whoever signs up through it), which makes the key-derived
    # token an acceptable trade for this purpose only.
    digest = salted_hmac(
        "groundswell.share", f"{supporter.pk}:{campaign.pk}:{generation}", algorithm="sha256"
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def share_token(supporter: Supporter, campaign: Campaign) -> str:
    """The supporter's one live share link for the campaign, reused: one
    SELECT when it exists. A revoked or expired link (or a rotated
    SECRET_KEY) moves to the next generation, so a new token. Two requests
    minting at once derive the same token; the unique digest keeps one row.
    Side effects: at most one INSERT."""
    rows = list(
        SupporterLink.objects.filter(
            supporter=supporter, campaign=campaign, purpose=Purpose.SHARE
        ).values_list("token_hash", "revoked_at", "created_at")
    )
    live_since = _cutoff()
    live = {
        digest
        for digest, revoked_at, created_at in rows
        if revoked_at is None and created_at > live_since
    }
    for generation in range(len(rows)):
        token = _share_candidate(supporter, campaign, generation)
        if token_digest(token) in live:
            return token
    token = _share_candidate(supporter, campaign, len(rows))
    # A conflict is the same token, minted by a request running alongside.
    SupporterLink.objects.bulk_create(
        [
            SupporterLink(
                supporter=supporter,
                campaign=campaign,
                purpose=Purpose.SHARE,
                token_hash=token_digest(token),
            )
        ],
        ignore_conflicts=True,
    )
    return token


class ShareLink(NamedTuple):
    supporter: Supporter
    campaign_id: int


def share_link_read(token: str) -> ShareLink | None:
    """Who shared a live share link and for which campaign, else None."""
    link = _link_read(token, Purpose.SHARE)
    if link is None or link.campaign_id is None:
        return None
    return ShareLink(link.supporter, link.campaign_id)


def share_path(supporter: Supporter, campaign: Campaign) -> str:
    """The campaign page, crediting `supporter` with whoever signs up there."""
    path = reverse("public:campaign", args=[campaign.slug])
    return f"{path}?r={share_token(supporter, campaign)}"


def share_url(supporter: Supporter, campaign: Campaign) -> str:
    """Absolute share link (for emails)."""
    return settings.SITE_URL + share_path(supporter, campaign)


def token_shaped(token) -> bool:
    """Whether `token` could be one of ours (no query)."""
    return isinstance(token, str) and _TOKEN.fullmatch(token) is not None


def _link_read(token: str, purpose: str) -> SupporterLink | None:
    """The live link for `token`, with its supporter: one query, served by
    the unique index on token_hash. Malformed tokens cost no query."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    try:
        return SupporterLink.objects.select_related("supporter").get(
            token_hash=token_digest(token),
            purpose=purpose,
            revoked_at__isnull=True,
            created_at__gt=_cutoff(),
        )
    except SupporterLink.DoesNotExist:
        return None


class ActionLink(NamedTuple):
    supporter: Supporter
    campaign_id: int | None
    # None: every action of the supporter; else only these action ids.
    pledge_ids: frozenset[int] | None


def action_link_read(token: str) -> ActionLink | None:
    """What a live /a/ token opens, else None."""
    link = _link_read(token, Purpose.ACTION_PAGE)
    if link is None:
        return None
    action_ids = link.action_ids
    return ActionLink(
        link.supporter,
        link.campaign_id,
        frozenset(action_ids) if action_ids is not None else None,
    )


def action_token_read(token: str) -> tuple[Supporter, int | None] | None:
    """(supporter, campaign id or None) for a live /a/ token, else None."""
    link = action_link_read(token)
    return None if link is None else (link.supporter, link.campaign_id)


def _legacy_unsubscribe_read(token: str) -> Supporter | None:
    """An unsubscribe link signed by the previous scheme, in an email sent
    before the upgrade: still honoured until PUBLIC_TOKEN_MAX_AGE_DAYS old."""
    try:
        payload = signing.loads(
            token,
            salt="groundswell.public.unsubscribe",
            max_age=dt.timedelta(days=settings.PUBLIC_TOKEN_MAX_AGE_DAYS),
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), int):
        return None
    return Supporter.objects.filter(pk=payload["s"]).first()


def unsubscribe_token_read(token: str) -> Supporter | None:
    """The supporter a live /u/ token unsubscribes, else None."""
    if isinstance(token, str) and ":" in token:  # signing's separator, never in new tokens
        return _legacy_unsubscribe_read(token)
    link = _link_read(token, Purpose.UNSUBSCRIBE)
    return None if link is None else link.supporter


def action_page_path(
    supporter: Supporter, campaign: Campaign | None = None, pledges: list[int] | None = None
) -> str:
    return reverse("public:action_page", args=[action_token(supporter, campaign, pledges)])


def action_page_url(supporter: Supporter, campaign: Campaign | None = None) -> str:
    """Absolute link to the supporter's personal action page (for emails/SMS)."""
    return settings.SITE_URL + action_page_path(supporter, campaign)


def unsubscribe_url(supporter: Supporter) -> str:
    """Absolute link to the one-click unsubscribe page (List-Unsubscribe too)."""
    return settings.SITE_URL + reverse("public:unsubscribe", args=[unsubscribe_token(supporter)])


def supporter_action_links_active(*, supporter: Supporter) -> QuerySet[SupporterLink]:
    """The supporter's action-page links that still open the page (the index
    on (supporter, revoked_at) serves it)."""
    return SupporterLink.objects.filter(
        supporter=supporter,
        purpose=Purpose.ACTION_PAGE,
        revoked_at__isnull=True,
        created_at__gt=_cutoff(),
    )


def supporter_links_revoke(*, supporter: Supporter) -> int:
    """Revoke every action-page link of `supporter` that still opens the page;
    returns how many. Unsubscribe links keep working (see the module
    docstring). Side effects: one UPDATE (revoked_at = now)."""
    return supporter_action_links_active(supporter=supporter).update(revoked_at=timezone.now())
