"""Signed, unguessable links for supporters: the personal action page (/a/)
and the unsubscribe page (/u/). No login: the link is the credential.

A token is `django.core.signing` output (HMAC with SECRET_KEY and a salt per
purpose), carrying the supporter id and, for /a/, the campaign. A tampered,
expired or unknown token resolves to None and the views answer 404. Rotating
SECRET_KEY (or the salts below) revokes every link at once.
"""

from typing import NamedTuple

from django.conf import settings
from django.core import signing
from django.urls import reverse

from campaign.models import Campaign, Supporter

_ACTION_SALT = "groundswell.public.action-page"
_UNSUBSCRIBE_SALT = "groundswell.public.unsubscribe"


def _max_age() -> int:
    # CAN-SPAM: an unsubscribe link must work for at least 30 days after the
    # email; links are minted at send time, so a year is generous.
    return settings.PUBLIC_TOKEN_MAX_AGE_DAYS * 24 * 3600


def action_token(
    supporter: Supporter, campaign: Campaign | None = None, pledges: list[int] | None = None
) -> str:
    """`pledges` limits the page to those actions: the link the sign-up form
    redirects to shows only what was pledged in that submission, because
    anyone can type a known supporter's email into the form."""
    payload = {"s": supporter.pk}
    if campaign is not None:
        payload["c"] = campaign.pk
    if pledges is not None:
        payload["p"] = sorted(pledges)
    return signing.dumps(payload, salt=_ACTION_SALT, compress=False)


def unsubscribe_token(supporter: Supporter) -> str:
    return signing.dumps({"s": supporter.pk}, salt=_UNSUBSCRIBE_SALT, compress=False)


def _load(token: str, salt: str) -> dict | None:
    try:
        payload = signing.loads(token, salt=salt, max_age=_max_age())
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), int):
        return None
    return payload


class ActionLink(NamedTuple):
    supporter: Supporter
    campaign_id: int | None
    # None: every action of the supporter; else only these action ids.
    pledge_ids: frozenset[int] | None


def action_link_read(token: str) -> ActionLink | None:
    """What a valid /a/ token opens, else None."""
    payload = _load(token, _ACTION_SALT)
    if payload is None:
        return None
    supporter = Supporter.objects.filter(pk=payload["s"]).first()
    if supporter is None:
        return None
    campaign_id = payload.get("c")
    pledges = payload.get("p")
    if pledges is not None and not (
        isinstance(pledges, list) and all(isinstance(pk, int) for pk in pledges)
    ):
        return None
    return ActionLink(
        supporter,
        campaign_id if isinstance(campaign_id, int) else None,
        frozenset(pledges) if pledges is not None else None,
    )


def action_token_read(token: str) -> tuple[Supporter, int | None] | None:
    """(supporter, campaign id or None) for a valid /a/ token, else None."""
    link = action_link_read(token)
    return None if link is None else (link.supporter, link.campaign_id)


def unsubscribe_token_read(token: str) -> Supporter | None:
    payload = _load(token, _UNSUBSCRIBE_SALT)
    if payload is None:
        return None
    return Supporter.objects.filter(pk=payload["s"]).first()


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
