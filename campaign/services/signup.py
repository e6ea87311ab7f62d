"""The public sign-up, through the intake core at PUBLIC trust.

An unauthenticated form can name anyone's email, so:
- a new email creates the supporter, their pledges, the consents they ticked
  and their confirmation, in one transaction;
- an email already on the list changes nothing stored: the submission is held
  (PendingSignup) and a confirmation link goes to that address; following it
  applies the submission at OWNER trust (`signup_confirm`);
- text consent is never taken from the form: the phone is asked to reply YES;
- with EMAIL_DOUBLE_OPT_IN (the default), email consent is not taken from it
  either: a new address's sign-up is applied without it and held too, and the
  confirmation email's link records it (`signup_confirm`);
- an address gets at most one email a day from the form (scheduling);
- the view answers both cases with the same redirect, so the response tells
  nobody whether an address was on the list.
"""

import datetime as dt
import logging
import secrets
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign.models import (
    HEARING_KINDS,
    Action,
    ActionKind,
    ActionSource,
    ActionStatus,
    Campaign,
    Channel,
    Hearing,
    PendingSignup,
    SignupSubmission,
    Supporter,
    normalize_phone,
    token_digest,
)
from campaign.services.hearing_night import speaker_slots_check, speaking_orders_assign
from campaign.services.intake import (
    PersonInput,
    Trust,
    action_build,
    action_record,
    actions_record_many,
    consent_record,
    open_pledges_by_kind,
    supporter_intake,
)
from campaign.services.scheduling import (
    reminders_on_signup,
    reminders_signup_confirm_request,
    reminders_sms_consent_request,
)
from campaign.services.webhooks import webhook_deliveries_record_actions
from campaign.tokens import share_link_read

# A brand-new supporter's own double click or reload within this window is
# not a "known email": nothing is held and no confirmation is asked for.
RESUBMIT_WINDOW = dt.timedelta(minutes=2)
# The sweep applies sign-ups received this long ago and still not applied
# (the web process normally applies them a few milliseconds after answering).
SWEEP_AFTER = dt.timedelta(seconds=30)
SWEEP_MAX_ATTEMPTS = 5

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignupRequest:
    """A cleaned public form."""

    campaign: Campaign
    person: PersonInput
    asks: tuple[str, ...] = ()
    hearing: Hearing | None = None
    email_updates: bool = False
    sms_reminders: bool = False
    email_wording: str = ""
    sms_wording: str = ""
    # The share link's token the form came through (?r=), as typed: read when
    # the sign-up is applied, so the answer is the same whatever it is.
    ref: str = ""

    def payload(self) -> dict:
        """JSON for a held sign-up: what was typed, nothing derived."""
        person = self.person
        return {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "email": person.email,
            "phone": person.phone,
            "zip_code": person.zip_code,
            "language": person.language,
            "sector": person.sector,
            "asks": list(self.asks),
            "hearing_id": self.hearing.pk if self.hearing else None,
            "email_updates": self.email_updates,
            "sms_reminders": self.sms_reminders,
            "email_wording": self.email_wording,
            "sms_wording": self.sms_wording,
            "ref": self.ref,
        }

    @classmethod
    def from_payload(cls, campaign: Campaign, payload: dict) -> "SignupRequest":
        hearing = None
        if payload.get("hearing_id"):
            hearing = Hearing.objects.filter(pk=payload["hearing_id"], campaign=campaign).first()
            if hearing is not None:
                hearing.campaign = campaign  # its reminders read it
        return cls(
            campaign=campaign,
            person=PersonInput(
                first_name=payload.get("first_name", ""),
                last_name=payload.get("last_name", ""),
                email=payload.get("email"),
                phone=payload.get("phone"),
                zip_code=payload.get("zip_code", ""),
                language=payload.get("language", ""),
                sector=payload.get("sector", ""),
            ),
            asks=tuple(payload.get("asks", ())),
            hearing=hearing,
            email_updates=bool(payload.get("email_updates")),
            sms_reminders=bool(payload.get("sms_reminders")),
            email_wording=payload.get("email_wording", ""),
            sms_wording=payload.get("sms_wording", ""),
            ref=payload.get("ref") or "",
        )

    def recruiter(self) -> Supporter | None:
        """Whose share link for this campaign brought the form, if it is
        live; anything else is ignored without a word."""
        link = share_link_read(self.ref) if self.ref else None
        if link is None or link.campaign_id != self.campaign.pk:
            return None
        return link.supporter


@dataclass(frozen=True)
class SignupResult:
    # None when the submission was held for confirmation.
    supporter: Supporter | None
    created: bool
    held: bool = False
    # Pledges this submission created or found open: all a page reached from
    # it may show.
    pledges: list[Action] = field(default_factory=list)


def signup_source(campaign: Campaign) -> str:
    return f"public_form:{campaign.slug}"


def signup_check(*, campaign: Campaign, asks, hearing: Hearing | None) -> None:
    """The asks must be offered by the campaign, testimony or attendance
    needs one of its upcoming hearings, and speaking in person a slot left
    there. Raises ValidationError by field."""
    offered = set(campaign.asks or [])
    refused = [kind for kind in asks if kind not in offered]
    if refused:
        raise ValidationError({"asks": _("This campaign does not offer: %s") % ", ".join(refused)})
    if any(kind in HEARING_KINDS for kind in asks):
        upcoming = hearing is not None and (
            hearing.campaign_id == campaign.pk
            and not hearing.is_cancelled
            and hearing.starts_at > timezone.now()
        )
        if not upcoming:
            raise ValidationError({"hearing": _("Choose the hearing you will come to.")})
        if ActionKind.TESTIMONY_IN_PERSON in asks:
            speaker_slots_check(hearing=hearing)


def _pledge(*, supporter: Supporter, request: SignupRequest, seats, new: bool) -> list[Action]:
    """One pledge per ask, in one INSERT (`action_build`, `actions_record_many`);
    an open pledge of a kind is kept, not repeated (a `new` supporter, created
    in this transaction, has none and nobody else can see them yet)."""
    campaign = request.campaign
    kept = (
        {}
        if new
        else open_pledges_by_kind(supporter=supporter, campaign=campaign, kinds=request.asks)
    )
    built = [
        action_build(
            supporter=supporter,
            campaign=campaign,
            kind=kind,
            status=ActionStatus.PLEDGED,
            source=ActionSource.PUBLIC_FORM,
            hearing=request.hearing if kind in HEARING_KINDS else None,
            seats=seats,
        )
        for kind in request.asks
        if kind not in kept
    ]
    if new:
        return _pledges_insert_new(built)
    try:
        with transaction.atomic():
            created = actions_record_many(actions=built, schedule=False)
    except IntegrityError:
        # A pledge of one of these kinds was recorded meanwhile elsewhere.
        created = []
        for action in built:
            recorded, _new = action_record(
                supporter=supporter,
                campaign=campaign,
                kind=action.kind,
                status=ActionStatus.PLEDGED,
                source=ActionSource.PUBLIC_FORM,
                hearing=action.hearing,
            )
            created.append(recorded)
    return [*kept.values(), *created]


def _pledges_insert_new(actions: list[Action]) -> list[Action]:
    """`actions_record_many` for a supporter created in this transaction: one
    INSERT for every pledge, and no membership INSERT (`supporter_intake`
    has just made them a member of the campaign's base, by the form too).
    Their reminders are the caller's (`reminders_on_signup`)."""
    # No savepoint: a speaking order's hearing stays locked until the commit.
    speaking_orders_assign(actions=actions)
    saved = Action.objects.bulk_create(actions)
    webhook_deliveries_record_actions(actions=saved)
    return saved


def _apply(
    *,
    supporter: Supporter,
    request: SignupRequest,
    trust: Trust,
    seats=None,
    new: bool = False,
    source: str = "",
    confirmation: bool = True,
) -> list[Action]:
    """Consents and pledges of a sign-up for a supporter it may change
    (`source`: the consent's, the form's by default; `confirmation`: see
    `reminders_on_signup`)."""
    campaign, person = request.campaign, request.person
    source = source or signup_source(campaign)
    if request.email_updates and supporter.email:
        consent_record(
            supporter=supporter,
            channel=Channel.EMAIL,
            source=source,
            campaign=campaign,
            wording=request.email_wording,
            lift_unsubscribe=trust == Trust.OWNER,
        )
    pledges = _pledge(supporter=supporter, request=request, seats=seats, new=new)
    if (
        request.sms_reminders
        and person.phone
        and supporter.phone == normalize_phone(person.phone)
        and supporter.unsubscribed_at is None
        and supporter.sms_consent_at is None
    ):
        reminders_sms_consent_request(
            supporter=supporter, campaign=campaign, wording=request.sms_wording
        )
    # The pledges' follow-ups and hearing reminders and the confirmation, in
    # one write; the hearing this sign-up chose is the only one to look at.
    reminders_on_signup(
        supporter=supporter,
        campaign=campaign,
        pledges=pledges,
        hearings=[request.hearing] if request.hearing else [],
        confirmation=confirmation,
    )
    return pledges


# In a held sign-up's payload: it is a new address's own, waiting for the
# owner to confirm the address (double opt-in), not a known address's.
CONFIRMS_ADDRESS = "confirms_address"


def double_opt_in_source(campaign: Campaign) -> str:
    return f"double opt-in confirmed ({signup_source(campaign)})"


def _pending_create(
    *, supporter: Supporter, campaign: Campaign, payload: dict, new: bool = False
) -> None:
    """Hold a sign-up. It takes over the token of the supporter's latest held
    sign-up for the campaign (replacing it if it still waits, keeping it if
    it was confirmed): with one email a day per address, the link already
    sent must open the latest submission. (A `new` supporter, created in this
    transaction, has none.)"""
    cutoff = timezone.now() - dt.timedelta(days=settings.SIGNUP_CONFIRM_MAX_AGE_DAYS)
    older = (
        None
        if new
        else PendingSignup.objects.select_for_update()
        .filter(supporter=supporter, campaign=campaign, created_at__gte=cutoff)
        .order_by("-created_at", "-id")
        .first()
    )
    if older is not None and older.confirmed_at is None:
        # Replaced in place (one UPDATE): the same row and token, the latest
        # submission, its age counted from now.
        PendingSignup.objects.filter(pk=older.pk).update(payload=payload, created_at=timezone.now())
        return
    # A placeholder nobody knows the token of, until the email is sent.
    token_hash = token_digest(secrets.token_urlsafe(32))
    if older is not None:
        token_hash = older.token_hash
        PendingSignup.objects.filter(pk=older.pk).update(
            token_hash=token_digest(secrets.token_urlsafe(32))
        )
    PendingSignup.objects.create(
        campaign=campaign, supporter=supporter, payload=payload, token_hash=token_hash
    )


def _hold(*, supporter: Supporter, request: SignupRequest) -> None:
    """Keep the submission until the address's owner confirms it, and ask them.
    The link is minted when the email is rendered (`signup_confirm_link`)."""
    if supporter.created_at and timezone.now() - supporter.created_at < RESUBMIT_WINDOW:
        return
    _pending_create(supporter=supporter, campaign=request.campaign, payload=request.payload())
    reminders_signup_confirm_request(
        supporter=supporter, campaign=request.campaign, language=request.person.language
    )


def _apply_public(request: SignupRequest) -> SignupResult:
    """The sign-up at PUBLIC trust, in the caller's transaction: a new email
    creates, a known one is held (rules in the module docstring).

    Two identical submissions at once (a double click) both try the INSERT;
    the unique email index makes the second find the first's row, which it
    holds nothing for (see _hold)."""
    intake = supporter_intake(
        person=request.person,
        trust=Trust.PUBLIC,
        campaign=request.campaign,
        source=ActionSource.PUBLIC_FORM,
        recruited_by=request.recruiter(),
    )
    if intake.held:
        _hold(supporter=intake.supporter, request=request)
        return SignupResult(supporter=None, created=False, held=True)
    # Double opt-in: the email consent waits, held, for the link in the
    # confirmation (which therefore goes without it).
    double_opt_in = bool(
        settings.EMAIL_DOUBLE_OPT_IN and request.email_updates and intake.supporter.email
    )
    pledges = _apply(
        supporter=intake.supporter,
        request=replace(request, email_updates=False) if double_opt_in else request,
        trust=Trust.PUBLIC,
        seats=intake.places.seats,
        new=True,
    )
    if double_opt_in:
        _pending_create(
            supporter=intake.supporter,
            campaign=request.campaign,
            payload={**request.payload(), CONFIRMS_ADDRESS: True},
            new=True,
        )
    return SignupResult(supporter=intake.supporter, created=True, pledges=pledges)


def signup_receive(*, request: SignupRequest) -> SignupSubmission:
    """Check a sign-up and store it as received: one INSERT, the same work
    for a known and a new email. The view answers, then `signup_process`
    applies it. Raises ValidationError on invalid input (nothing saved)."""
    signup_check(campaign=request.campaign, asks=request.asks, hearing=request.hearing)
    request.person.normalised()  # a phone that cannot be real raises here
    return SignupSubmission.objects.create(campaign=request.campaign, payload=request.payload())


def _claim(submission_id: int) -> bool:
    """Take a received sign-up to apply it in this transaction: DELETE its row
    (locked until the commit, so the sweep skips it; gone if applied
    already). One statement, which on PostgreSQL also makes this
    transaction's commit asynchronous: the received row was committed
    durably before the answer went, and is deleted in this same transaction,
    so a crash that loses this commit loses the deletion with it, and the
    sweep applies the sign-up again. What it saves is a disk flush per
    sign-up, the largest cost of a surge on a slow disk."""
    table = SignupSubmission._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true)) "
                f"DELETE FROM {connection.ops.quote_name(table)} "
                "WHERE id = %s AND EXISTS (SELECT 1 FROM async_commit)",
                [submission_id],
            )
        else:
            cursor.execute(
                f"DELETE FROM {connection.ops.quote_name(table)} WHERE id = %s", [submission_id]
            )
        return cursor.rowcount == 1


def _process_once(submission_id: int, request: SignupRequest | None) -> SignupResult | None:
    with transaction.atomic():
        if request is not None:
            # The view's own sign-up, still in memory: nothing to read back.
            if not _claim(submission_id):
                return None
            return _apply_public(request)
        submission = (
            SignupSubmission.objects.select_for_update(of=("self",), **_skip_locked())
            .filter(pk=submission_id)
            .select_related("campaign")
            .first()
        )
        if submission is None:
            return None
        request = SignupRequest.from_payload(submission.campaign, submission.payload)
        # Applied: what it held now lives in the supporter's own rows (or
        # the held PendingSignup), so no second copy of it is kept.
        if not _claim(submission_id):
            return None
        return _apply_public(request)


def signup_process(
    *, submission_id: int, request: SignupRequest | None = None, quiet: bool = True
) -> SignupResult | None:
    """Apply a received sign-up once (None when it was already, or is being,
    applied). `request`: the sign-up as received, when the caller still holds
    it (the view); else it is read from the row. A failure is recorded on the
    row, which the sweep retries; it is logged (`quiet`, after the answer has
    gone) or raised.

    Side effects, in one transaction with deleting the received row: for a
    new email the supporter, its membership, consent ledger, pledges and
    outbox rows; for a known one a PendingSignup and a confirmation request."""
    try:
        try:
            return _process_once(submission_id, request)
        except IntegrityError:
            # A twin submission's supporter took the phone meanwhile (or
            # another unique value): the second try sees it taken.
            return _process_once(submission_id, request)
    except Exception as error:
        SignupSubmission.objects.filter(pk=submission_id).update(
            attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000]
        )
        if not quiet:
            raise
        logger.exception("sign-up %s could not be applied; the sweep retries it", submission_id)
        return None


def _skip_locked() -> dict:
    # Another process applying the same row right now: leave it to that one.
    return {"skip_locked": True} if connection.features.has_select_for_update_skip_locked else {}


def signups_process_received(*, older_than: dt.timedelta = SWEEP_AFTER) -> int:
    """The safety net (beat, every minute): apply sign-ups received but not
    applied, e.g. when the web process died right after answering. Rows that
    failed SWEEP_MAX_ATTEMPTS times stay for a coordinator (admin).
    Returns how many were applied."""
    cutoff = timezone.now() - older_than
    ids = list(
        SignupSubmission.objects.filter(
            received_at__lt=cutoff,
            attempts__lt=SWEEP_MAX_ATTEMPTS,
        )
        .order_by("received_at", "id")
        .values_list("pk", flat=True)[:1000]
    )
    return sum(signup_process(submission_id=pk) is not None for pk in ids)


def signup_submit(*, request: SignupRequest) -> SignupResult:
    """Receive and apply a sign-up at once (the service's callers other than
    the view, which answers in between). Raises ValidationError on invalid
    input, and whatever stopped it from applying."""
    submission = signup_receive(request=request)
    return signup_process(submission_id=submission.pk, request=request, quiet=False)


# ---------------------------------------------------------------------------
# Confirmation of a held sign-up
# ---------------------------------------------------------------------------


def _pending_valid():
    cutoff = timezone.now() - dt.timedelta(days=settings.SIGNUP_CONFIRM_MAX_AGE_DAYS)
    return PendingSignup.objects.filter(confirmed_at__isnull=True, created_at__gte=cutoff)


def signup_confirm_link(*, supporter: Supporter, campaign: Campaign) -> str | None:
    """Mint the confirmation token of the supporter's latest held sign-up for
    the campaign (called when the email is rendered); None if none is held.
    Side effects: the held row's token hash is replaced (an older link dies)."""
    pending = (
        _pending_valid()
        .filter(supporter=supporter, campaign=campaign)
        .order_by("-created_at", "-id")
        .first()
    )
    if pending is None:
        return None
    token = secrets.token_urlsafe(32)
    PendingSignup.objects.filter(pk=pending.pk).update(token_hash=token_digest(token))
    return token


def signup_pending_get(*, campaign: Campaign, token: str) -> PendingSignup | None:
    return (
        _pending_valid()
        .filter(campaign=campaign, token_hash=token_digest(token))
        .select_related("supporter")
        .first()
    )


def signup_confirm(*, campaign: Campaign, token: str) -> SignupResult | None:
    """The owner of the address confirms a held sign-up: it is applied at
    OWNER trust. Returns None for an unknown, used or expired token.

    Side effects: as a new sign-up's, plus the supporter's fields updated and
    the held row marked confirmed (a second confirmation does nothing). A new
    address's own held sign-up (double opt-in) records its email consent as
    `double_opt_in_source` and schedules what needed it, with no second
    confirmation email."""
    with transaction.atomic():
        pending = (
            _pending_valid()
            .select_for_update()
            .filter(campaign=campaign, token_hash=token_digest(token))
            .first()
        )
        if pending is None:
            return None
        pending.confirmed_at = timezone.now()
        pending.save(update_fields=["confirmed_at"])
        request = SignupRequest.from_payload(campaign, pending.payload)
        hearing_gone = (
            request.hearing is None
            or request.hearing.is_cancelled
            or request.hearing.starts_at <= timezone.now()
        )
        if hearing_gone:
            # The hearing passed, went or was cancelled while the email
            # waited (action_check would refuse the pledge).
            request = SignupRequest(
                **{
                    **request.__dict__,
                    "asks": tuple(k for k in request.asks if k not in HEARING_KINDS),
                }
            )
        intake = supporter_intake(
            person=request.person,
            trust=Trust.OWNER,
            campaign=campaign,
            source=ActionSource.PUBLIC_FORM,
            supporter=Supporter.objects.select_for_update().get(pk=pending.supporter_id),
            # Credited only if this confirmation is what brings them into the
            # campaign's base (an existing membership keeps its own story).
            recruited_by=request.recruiter(),
        )
        confirms_address = bool(pending.payload.get(CONFIRMS_ADDRESS))
        pledges = _apply(
            supporter=intake.supporter,
            request=request,
            trust=Trust.OWNER,
            seats=intake.places.seats,
            source=double_opt_in_source(campaign) if confirms_address else "",
            # The email whose link they followed was the confirmation.
            confirmation=not confirms_address,
        )
        return SignupResult(supporter=intake.supporter, created=False, pledges=pledges)
