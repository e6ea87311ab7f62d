"""Public pages: the campaign page with its sign-up form, the personal action
page, its calendar file, and unsubscribe. No login: /a/ and /u/ links carry
opaque, revocable tokens (campaign.tokens)."""

from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from campaign import selectors_public as selectors
from campaign.forms.public import (
    ASK_LABELS,
    EMAIL_CONSENT_LABEL,
    SMS_CONSENT_LABEL,
    ActionDoneForm,
    SignupForm,
)
from campaign.models import (
    HEARING_KINDS,
    ActionSource,
    ActionStatus,
    Campaign,
    Hearing,
    Language,
    Supporter,
    normalize_zip,
)
from campaign.services.actions import action_complete
from campaign.services.asks import (
    member_asks,
    next_steps,
    self_report_allowed,
    self_report_status,
)
from campaign.services.calendars import calendar_build, campaign_hearings_feed, hearing_event
from campaign.services.intake import PersonInput, action_record
from campaign.services.signup import (
    SignupRequest,
    signup_confirm,
    signup_pending_get,
    signup_process,
    signup_receive,
)
from campaign.services.supporters import supporter_unsubscribe
from campaign.signup_guard import (
    form_token_issue,
    form_token_refusal,
    signup_email_limited,
    signup_ip_limited,
)
from campaign.tokens import (
    ActionLink,
    action_link_read,
    action_page_path,
    share_path,
    token_shaped,
    unsubscribe_token,
    unsubscribe_token_read,
)


def _public_post_rate(group, request):
    return settings.PUBLIC_POST_RATE


def _unsubscribe_rate(group, request):
    return settings.PUBLIC_UNSUBSCRIBE_RATE


def _use_supporter_language(request, supporter: Supporter) -> None:
    """The picker (language cookie) wins; else the supporter's own preference
    beats the browser's Accept-Language."""
    _use_language(request, supporter.language)


def _use_language(request, language: str) -> None:
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language


def _current_language() -> str:
    language = translation.get_language() or settings.LANGUAGE_CODE
    return "es" if language.startswith("es") else "en"


def _add_service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _hearing_cards(hearings, language: str, ics_url) -> list[dict]:
    """What _hearing.html shows of each hearing; `ics_url(hearing)` is its
    calendar link (public on /c/ pages, the personal one on /a/ pages)."""
    return [
        {
            "hearing": hearing,
            "title": hearing.localized_title(language),
            "ics_url": ics_url(hearing),
        }
        for hearing in hearings
    ]


# /
# ------------------------------------------------------------------------------
@require_GET
def home(request):
    """The landing page: the coalition's public campaigns and a way in for staff."""
    language = _current_language()
    campaigns = [
        {
            "campaign": campaign,
            "name": campaign.localized("name", language),
            "goal": campaign.localized("goal", language),
        }
        for campaign in selectors.campaigns_public_list()
    ]
    return render(request, "campaign/public/home.html", {"campaigns": campaigns})


# /c/<slug>/
# ------------------------------------------------------------------------------
class RedirectThenApply(HttpResponseRedirect):
    """The sign-up's redirect, which applies the received sign-up once it has
    been sent: the WSGI server (and the test client) call close() after the
    last byte. If the process dies first, the beat's sweep applies it."""

    def __init__(self, url: str, *, submission_id: int, signup: SignupRequest):
        super().__init__(url)
        self.submission_id = submission_id
        # Applied as received, with no need to read the row back.
        self.signup = signup

    def close(self):
        # Before the request_finished signal, which may close the connection.
        signup, self.signup = self.signup, None
        if signup is not None:
            signup_process(submission_id=self.submission_id, request=signup)
        super().close()


def _thanks_url(campaign: Campaign, data: dict) -> str:
    """Built from the form's public parts only (no name, no contact), so a
    known and a new email get byte-identical redirects."""
    query = [("zip", data.get("zip_code") or "")]
    query += [("ask", kind) for kind in data.get("asks") or []]
    if data.get("hearing"):
        query.append(("hearing", data["hearing"].pk))
    return f"{reverse('public:signup_thanks', args=[campaign.slug])}?{urlencode(query)}"


# What each refusal of the form token tells the person; the form keeps what
# they typed and carries a fresh token, so pressing Sign up again works.
_STALE_FORM = _lazy(
    "This page was open too long or came from elsewhere. "
    "Please check your details and press Sign up again."
)
_FORM_TOKEN_REFUSALS = {
    "missing": _STALE_FORM,
    "expired": _STALE_FORM,
    "too_fast": _lazy(
        "That was faster than anyone can fill in the form. "
        "Please check your details and press Sign up again."
    ),
}
_RATE_LIMITED = _lazy(
    "We received many sign-ups from your connection or for this email in a short time. "
    "Please wait a few minutes and press Sign up again: what you typed is kept."
)


def _field_anchor(bound_field) -> str:
    """The id of the element a link to this field should land on: the input
    itself, or the first box of a group of checkboxes or radio buttons."""
    if getattr(bound_field.field.widget, "input_type", "") in ("checkbox", "radio") and hasattr(
        bound_field.field, "choices"
    ):
        return f"{bound_field.auto_id}_0"
    return bound_field.auto_id


def _error_summary(form) -> list[dict]:
    """One entry per message, in the form's order, each linking to its field
    (the first field's input is also autofocused, so the page lands on it
    without JavaScript)."""
    entries = [{"anchor": "", "label": "", "message": m} for m in form.non_field_errors()]
    first = True
    for bound_field in form:
        if not bound_field.errors or bound_field.is_hidden:
            continue
        if first:
            bound_field.field.widget.attrs["autofocus"] = True
            first = False
        for message in bound_field.errors:
            entries.append(
                {
                    "anchor": _field_anchor(bound_field),
                    "label": bound_field.label,
                    "message": message,
                }
            )
    return entries


def _campaign_page_response(request, campaign, hearings, form, *, status: int = 200):
    language = _current_language()
    progress = selectors.campaign_public_progress(campaign=campaign)
    summary = _error_summary(form) if form.is_bound else []
    if summary:
        # The summary above the form shows the form-wide messages: crispy's
        # own block would repeat them.
        form.errors.pop(NON_FIELD_ERRORS, None)
    context = {
        "campaign": campaign,
        "name": campaign.localized("name", language),
        "goal": campaign.localized("goal", language),
        "why_it_matters": campaign.localized("why_it_matters", language),
        "ask": campaign.localized("ask", language),
        "testimony_guidance": campaign.localized("testimony_guidance", language),
        "hearings": _hearing_cards(
            hearings,
            language,
            lambda hearing: reverse("public:hearing_ics", args=[campaign.slug, hearing.pk]),
        ),
        "any_deadline": any(hearing.testimony_deadline for hearing in hearings),
        "progress": progress,
        "form": form,
        "form_token": form_token_issue(campaign_id=campaign.pk),
        "error_summary": summary,
        "field_errors": any(entry["anchor"] for entry in summary),
    }
    return render(request, "campaign/public/campaign.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def campaign_page(request, slug):
    campaign = selectors.campaign_public_get(slug=slug)
    hearings = selectors.campaign_upcoming_hearings(campaign=campaign)
    if request.method != "POST":
        ref = request.GET.get("r", "")
        form = SignupForm(
            campaign=campaign,
            hearings=hearings,
            # A share link's token rides in a hidden field, read only when
            # the sign-up is applied (services.signup).
            initial={"language": _current_language(), "ref": ref if token_shaped(ref) else ""},
        )
        return _campaign_page_response(request, campaign, hearings, form)
    form = SignupForm(request.POST, campaign=campaign, hearings=hearings)
    # Every refusal below re-renders the form with what was typed.
    if signup_ip_limited(request):
        form.add_error(None, _RATE_LIMITED)
        return _campaign_page_response(request, campaign, hearings, form, status=429)
    if form.is_spam:
        # Looks like success to the bot; nothing is stored.
        form.is_valid()
        return redirect(_thanks_url(campaign, form.cleaned_data))
    refusal = form_token_refusal(token=request.POST.get("form_token", ""), campaign_id=campaign.pk)
    if refusal is not None:
        form.add_error(None, _FORM_TOKEN_REFUSALS[refusal])
        return _campaign_page_response(request, campaign, hearings, form, status=400)
    if not form.is_valid():
        return _campaign_page_response(request, campaign, hearings, form)
    data = form.cleaned_data
    if signup_email_limited(request, email=data["email"]):
        form.add_error(None, _RATE_LIMITED)
        return _campaign_page_response(request, campaign, hearings, form, status=429)
    signup = SignupRequest(
        campaign=campaign,
        person=PersonInput(
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
            zip_code=data["zip_code"],
            language=data["language"],
            sector=data["sector"],
        ),
        asks=tuple(dict.fromkeys(data.get("asks", []))),
        hearing=data.get("hearing"),
        email_updates=data["email_updates"],
        sms_reminders=data["sms_reminders"],
        email_wording=str(EMAIL_CONSENT_LABEL),
        sms_wording=str(SMS_CONSENT_LABEL),
        ref=data["ref"],
    )
    try:
        submission = signup_receive(request=signup)
    except ValidationError as error:
        _add_service_errors(form, error)
        return _campaign_page_response(request, campaign, hearings, form)
    # The same redirect whether the email was new or known, sent before the
    # sign-up is applied: neither the answer nor its timing tells anyone who
    # is on the list.
    return RedirectThenApply(
        _thanks_url(campaign, data), submission_id=submission.pk, signup=signup
    )


@require_GET
def signup_thanks(request, slug):
    """Where every sign-up lands. Shows only public facts (the member for the
    ZIP, the campaign's scripts, the hearing), never anything stored about
    the person who signed up."""
    campaign = selectors.campaign_public_get(slug=slug)
    language = _current_language()
    zip_code = normalize_zip(request.GET.get("zip", ""))
    if not (len(zip_code) == 5 and zip_code.isdigit()):
        zip_code = ""
    asks = [kind for kind in request.GET.getlist("ask") if kind in (campaign.asks or [])]
    hearing = None
    hearing_id = request.GET.get("hearing", "")
    if hearing_id.isdigit():
        hearing = Hearing.objects.scheduled().filter(pk=int(hearing_id), campaign=campaign).first()
    members, reach = (
        selectors.members_for_place(campaign=campaign, zip_code=zip_code) if zip_code else ([], "")
    )
    context = {
        "campaign": campaign,
        "name": campaign.localized("name", language),
        "zip_code": zip_code,
        "reach": reach,
        # The page knows nobody: the scripts and letters leave the name to fill in.
        "cards": member_asks(
            campaign=campaign,
            members=members,
            reach=reach,
            language=language,
            supporter_name=_("[your name]"),
            has_hearing=hearing is not None,
        ),
        "asks": [ASK_LABELS[kind] for kind in asks if kind in ASK_LABELS],
        "hearings": _hearing_cards(
            [hearing] if hearing else [],
            language,
            lambda hearing: reverse("public:hearing_ics", args=[campaign.slug, hearing.pk]),
        ),
        "any_deadline": bool(hearing and hearing.testimony_deadline),
        "testimony_guidance": campaign.localized("testimony_guidance", language),
        # The same for every address, known or new (the page must not tell).
        "double_opt_in": settings.EMAIL_DOUBLE_OPT_IN,
    }
    return render(request, "campaign/public/signup_thanks.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit(group="public-post", key="ip", rate=_public_post_rate, method="POST")
def signup_confirm_page(request, slug, token):
    """A held sign-up's confirmation: GET only asks (mail scanners follow
    links), POST applies it and opens the person's action page."""
    campaign = selectors.campaign_public_get(slug=slug)

    def dead_link():
        return render(
            request, "campaign/public/signup_confirm.html", {"campaign": campaign}, status=404
        )

    pending = signup_pending_get(campaign=campaign, token=token)
    if pending is None:
        return dead_link()
    # In the language the held form was filled in, as its email was.
    _use_language(request, pending.payload.get("language") or pending.supporter.language)
    language = _current_language()
    if request.method == "POST":
        result = signup_confirm(campaign=campaign, token=token)
        if result is None:
            # Used a moment ago (a double click, a second tab).
            return dead_link()
        return redirect(
            action_page_path(result.supporter, campaign, pledges=[p.pk for p in result.pledges])
        )
    payload = pending.payload
    hearing = None
    if payload.get("hearing_id") and any(kind in HEARING_KINDS for kind in payload.get("asks", [])):
        hearing = (
            Hearing.objects.upcoming().filter(pk=payload["hearing_id"], campaign=campaign).first()
        )
    return render(
        request,
        "campaign/public/signup_confirm.html",
        {
            "campaign": campaign,
            "name": campaign.localized("name", language),
            "pending": pending,
            # What confirming saves, so its owner sees it before pressing.
            "full_name": " ".join(
                part for part in (payload.get("first_name"), payload.get("last_name")) if part
            ),
            "zip_code": payload.get("zip_code", ""),
            "phone": _phone_to_attach(pending),
            "language_label": dict(Language.choices).get(payload.get("language"), ""),
            "asks": [
                ASK_LABELS[kind]
                for kind in payload.get("asks", [])
                if kind in ASK_LABELS and (kind not in HEARING_KINDS or hearing)
            ],
            "hearing_title": hearing.localized_title(language) if hearing else "",
            "hearing": hearing,
        },
    )


def _phone_to_attach(pending) -> str:
    """The typed phone, when confirming would attach it (the intake core's
    OWNER rule: only to a record without one, and only if nobody holds it)."""
    phone = pending.payload.get("phone") or ""
    if not phone or pending.supporter.phone:
        return ""
    return "" if Supporter.objects.filter(phone=phone).exists() else phone


# /a/<token>/
# ------------------------------------------------------------------------------
def _action_link(token: str) -> ActionLink:
    link = action_link_read(token)
    if link is None:
        raise Http404
    return link


def _campaign_block(
    request, token: str, link: ActionLink, campaign: Campaign, language: str, done_id=None
):
    supporter = link.supporter
    members, reach = selectors.members_for_supporter(supporter=supporter, campaign=campaign)
    actions = selectors.supporter_campaign_actions(supporter=supporter, campaign=campaign)
    if link.pledge_ids is not None:
        actions = [action for action in actions if action.pk in link.pledge_ids]
    # Each pledge to testify or attend names its own hearing (a campaign may
    # have several): the page shows those, not "the next hearing"; without
    # one, the campaign's upcoming hearings.
    now = timezone.now()
    own = {
        action.hearing_id: action.hearing
        for action in actions
        if action.hearing is not None
        and not action.hearing.is_cancelled
        and action.hearing.starts_at > now
    }
    upcoming = None if own else selectors.campaign_upcoming_hearings(campaign=campaign)
    hearings = (
        sorted(own.values(), key=lambda hearing: (hearing.starts_at, hearing.pk))
        if own
        else upcoming
    )
    cards = member_asks(
        campaign=campaign,
        members=members,
        reach=reach,
        language=language,
        supporter_name=supporter.full_name,
        has_hearing=bool(hearings),
    )
    done = next(
        (a for a in actions if a.pk == done_id and a.status == ActionStatus.COMPLETED), None
    )
    steps = []
    if done is not None:
        if upcoming is None:
            upcoming = selectors.campaign_upcoming_hearings(campaign=campaign)
        steps = next_steps(
            campaign=campaign, done=done, actions=actions, asks=cards, hearings=upcoming
        )
        steps = _next_step_cards(steps, token, language)
    return {
        "campaign": campaign,
        "name": campaign.localized("name", language),
        "goal": campaign.localized("goal", language),
        "ask": campaign.localized("ask", language),
        "reach": reach,
        "cards": cards,
        "done": done,
        "next_steps": steps,
        # A link from the sign-up form shows only what was pledged there, so
        # it records nothing new either.
        "can_add": link.pledge_ids is None,
        "testimony_guidance": campaign.localized("testimony_guidance", language),
        "own_hearings": bool(own),
        "hearings": _hearing_cards(
            hearings,
            language,
            lambda hearing: reverse("public:action_hearing_ics", args=[token, hearing.pk]),
        ),
        "any_deadline": any(hearing.testimony_deadline for hearing in hearings),
        "actions": [
            {
                "action": action,
                "hearing_title": action.hearing.localized_title(language) if action.hearing else "",
            }
            for action in actions
        ],
        **_share(request, supporter, campaign, language),
    }


def _share(request, supporter: Supporter, campaign: Campaign, language: str) -> dict:
    """The supporter's own share link (whoever signs up through it counts as
    recruited by them) and a text and email ready to send it; none for a
    campaign whose page is closed (the link would open a 404)."""
    if not campaign.is_open_to_public:
        return {}
    url = request.build_absolute_uri(share_path(supporter, campaign))
    name = campaign.localized("name", language)
    text = _("I signed up for “%(name)s”. Will you join me? %(url)s") % {"name": name, "url": url}
    return {
        "share_url": url,
        "share_sms": "sms:?&body=" + quote(text),
        "share_mailto": f"mailto:?subject={quote(name)}&body={quote(text)}",
    }


@never_cache
@require_GET
def action_page(request, token):
    link = _action_link(token)
    supporter = link.supporter
    _use_supporter_language(request, supporter)
    language = _current_language()
    campaigns = selectors.supporter_action_campaigns(
        supporter=supporter, campaign_id=link.campaign_id
    )
    # ?done=<id>: the action just marked done, whose block shows what is next.
    done = request.GET.get("done", "")
    done_id = int(done) if done.isdigit() else None
    context = {
        "supporter": supporter,
        "token": token,
        "blocks": [
            _campaign_block(request, token, link, campaign, language, done_id)
            for campaign in campaigns
        ],
        "done_form": ActionDoneForm(),
        "unsubscribe_path": reverse("public:unsubscribe", args=[unsubscribe_token(supporter)]),
        "pledged": ActionStatus.PLEDGED,
    }
    return render(request, "campaign/public/action.html", context)


@never_cache
@require_POST
@ratelimit(group="public-post", key="ip", rate=_public_post_rate, method="POST")
def action_done(request, token, action_id):
    link = _action_link(token)
    supporter = link.supporter
    _use_supporter_language(request, supporter)
    # Only the token's own supporter's actions (and, on a link from the form,
    # only those it shows): another id is a 404, not a hint.
    if link.pledge_ids is not None and action_id not in link.pledge_ids:
        raise Http404
    action = supporter.actions.filter(pk=action_id).first()
    if action is None:
        raise Http404
    form = ActionDoneForm(request.POST)
    note = form.cleaned_data["note"].strip() if form.is_valid() else ""
    try:
        action_complete(action=action, note=note)
    except ValidationError:
        messages.error(request, _("This pledge was cancelled, so it cannot be marked done."))
        return redirect(reverse("public:action_page", args=[token]) + "#pledges")
    messages.success(request, _("Thank you! We marked it as done."))
    return redirect(_done_url(token, action.pk))


def _done_url(token: str, action_id: int) -> str:
    return f"{reverse('public:action_page', args=[token])}?done={action_id}#next-steps"


@never_cache
@require_POST
@ratelimit(group="public-post", key="ip", rate=_public_post_rate, method="POST")
def action_add(request, token, campaign_id):
    """A next step taken from the page: "I called", "I sent my letter" record
    a completed contact; "I will attend", "I'll help phone-bank" a pledge
    (asks.self_report_status). Through the intake core, like every action."""
    link = _action_link(token)
    supporter = link.supporter
    _use_supporter_language(request, supporter)
    if link.pledge_ids is not None:
        raise Http404
    campaign = next(
        (
            c
            for c in selectors.supporter_action_campaigns(
                supporter=supporter, campaign_id=link.campaign_id
            )
            if c.pk == campaign_id
        ),
        None,
    )
    kind = request.POST.get("kind", "")
    if campaign is None or not self_report_allowed(campaign=campaign, kind=kind):
        raise Http404
    hearing = None
    if kind in HEARING_KINDS:
        hearing_id = request.POST.get("hearing", "")
        hearing = (
            Hearing.objects.upcoming().filter(pk=hearing_id, campaign=campaign).first()
            if hearing_id.isdigit()
            else None
        )
        if hearing is None:
            raise Http404
    status = self_report_status(kind)
    try:
        action, _created = action_record(
            supporter=supporter,
            campaign=campaign,
            kind=kind,
            status=status,
            source=ActionSource.SELF_REPORT
            if status == ActionStatus.COMPLETED
            else ActionSource.PUBLIC_FORM,
            hearing=hearing,
        )
    except ValidationError:
        messages.error(request, _("This could not be recorded. Please try again later."))
        return redirect(reverse("public:action_page", args=[token]) + "#pledges")
    if action.status == ActionStatus.COMPLETED:
        messages.success(request, _("Thank you! We marked it as done."))
        return redirect(_done_url(token, action.pk))
    messages.success(request, _("Thank you! It is on your list below."))
    return redirect(reverse("public:action_page", args=[token]) + "#pledges")


def _next_step_cards(steps, token: str, language: str) -> list[dict]:
    return [
        {
            "step": step,
            "hearing_title": step.hearing.localized_title(language) if step.hearing else "",
            "ics_url": (
                reverse("public:action_hearing_ics", args=[token, step.hearing.pk])
                if step.hearing
                else ""
            ),
        }
        for step in steps
    ]


@never_cache
@require_GET
def action_hearing_ics(request, token, hearing_id):
    link = _action_link(token)
    supporter = link.supporter
    _use_supporter_language(request, supporter)
    language = _current_language()
    campaign_ids = [
        c.pk
        for c in selectors.supporter_action_campaigns(
            supporter=supporter, campaign_id=link.campaign_id
        )
    ]
    hearing = (
        Hearing.objects.scheduled()
        .filter(pk=hearing_id, campaign_id__in=campaign_ids)
        .select_related("campaign")
        .first()
    )
    return _ics_response(request, hearing, language)


@require_GET
def campaign_hearing_ics(request, slug, hearing_id):
    """A public campaign's hearing in a calendar (hearings are public facts)."""
    campaign = selectors.campaign_public_get(slug=slug)
    hearing = (
        Hearing.objects.scheduled()
        .filter(pk=hearing_id, campaign=campaign)
        .select_related("campaign")
        .first()
    )
    return _ics_response(request, hearing, _current_language())


def _ics_response(request, hearing: Hearing | None, language: str) -> HttpResponse:
    if hearing is None:
        raise Http404
    response = HttpResponse(
        hearing_ics(request, hearing, language), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="hearing.ics"'
    return response


def hearing_ics(request, hearing: Hearing, language: str) -> bytes:
    """One hearing as a calendar file (campaign.services.calendars)."""
    page = request.build_absolute_uri(reverse("public:campaign", args=[hearing.campaign.slug]))
    event = hearing_event(hearing, language=language, host=request.get_host(), page_url=page)
    return calendar_build([event])


@require_GET
def campaign_hearings_ics(request, slug):
    """A public campaign's hearings as a feed a calendar subscribes to
    (webcal://): every hearing not yet over, a moved one with the same UID and
    a higher SEQUENCE, a cancelled one as CANCELLED."""
    campaign = selectors.campaign_public_get(slug=slug)
    page = request.build_absolute_uri(reverse("public:campaign", args=[campaign.slug]))
    response = HttpResponse(
        campaign_hearings_feed(
            campaign=campaign,
            language=_current_language(),
            host=request.get_host(),
            page_url=page,
        ),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="hearings.ics"'
    return response


# /u/<token>/
# ------------------------------------------------------------------------------
@never_cache
@csrf_exempt  # RFC 8058: the mail provider POSTs with no cookie and no token.
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit(group="public-unsubscribe", key="ip", rate=_unsubscribe_rate, method="POST")
def unsubscribe(request, token):
    supporter = unsubscribe_token_read(token)
    if supporter is None:
        raise Http404
    _use_supporter_language(request, supporter)
    if request.method == "POST":
        # GET only confirms: link scanners follow links, they do not POST.
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        supporter_unsubscribe(
            supporter=supporter,
            source="list_unsubscribe_one_click" if one_click else "unsubscribe_link",
        )
        return render(request, "campaign/public/unsubscribed.html", {})
    context = {
        "already": supporter.unsubscribed_at is not None,
        "token": token,
    }
    return render(request, "campaign/public/unsubscribe.html", context)
