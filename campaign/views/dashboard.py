"""Coordinator dashboard. Views check access, read through selectors, write
through services and redirect; the numbers come from campaign.selectors."""

import hashlib
from functools import wraps
from itertools import pairwise
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaign import exports, selectors
from campaign.audit import audit_read
from campaign.forms.dashboard import (
    BulkLogForm,
    CallResultForm,
    NewSupporterForm,
    QuickLogForm,
    StanceForm,
    parse_date_range,
)
from campaign.models import (
    ActionKind,
    ActionSource,
    Campaign,
    CouncilMember,
    District,
    Language,
    MemberVote,
    Supporter,
    fold_text,
    normalize_email,
    normalize_zip,
)
from campaign.roles import DASHBOARD_PERMISSION, PERSONAL_DATA_PERMISSION, can_see_personal_data
from campaign.selectors_hearing_night import hearings_for_the_night
from campaign.services.bulk_log import OUTCOME_LABELS, BulkLogConflict, bulk_log
from campaign.services.call_list import (
    CallResult,
    call_claim_release,
    call_claims_take,
    call_result_record,
    phonebank_script_text,
)
from campaign.services.intake import (
    PersonInput,
    Trust,
    action_record,
    member_for_supporter,
    seat_holders,
    supporter_intake,
)
from campaign.services.stances import stance_record
from campaign.templatetags.phones import phone_national
from core.db_router import reading_from_replica

STANCE_PERMISSION = "campaign.add_stance"


def dashboard_access(*permissions):
    """Anonymous users go to the login page; a signed-in user without one of
    the permissions gets a 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            for permission in (DASHBOARD_PERMISSION, *permissions):
                if not request.user.has_perm(permission):
                    raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _campaign(slug: str) -> Campaign:
    return get_object_or_404(Campaign.objects.select_related("decision_body"), slug=slug)


def _date_range(request):
    date_range, error = parse_date_range(request.GET)
    return date_range, error


# ---------------------------------------------------------------------------
# Charts: server-rendered SVG, the same numbers as the table next to it
# ---------------------------------------------------------------------------

# A narrow drawing (it scales to the width of the page): on a 375 px phone its
# 11-unit labels stay about 10 px tall.
CHART_WIDTH = 360
CHART_HEIGHT = 220
CHART_LEFT = 40  # room for the value ticks and the y-axis title
CHART_BOTTOM = 46  # room for the date labels and the x-axis title
CHART_TOP = 10
CHART_RIGHT = 8
CHART_DATE_LABELS = 4  # at most, so dates never overlap on a phone


def _tick_step(top: int) -> int:
    """1, 2 or 5 times a power of ten, giving at most five ticks above zero."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if top <= step * factor * 5:
                return step * factor
        step *= 10


def bar_chart(series: list[dict], *, y_title: str = "") -> dict:
    """Geometry of a weekly bar chart with labelled axes: value ticks on y,
    week-start dates on x (the first week, the last and evenly between), and
    the figures its text alternative reads out (first and last week, highest
    week). At most a few hundred weeks."""
    plot_width = CHART_WIDTH - CHART_LEFT - CHART_RIGHT
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    axis_y = CHART_TOP + plot_height
    chart = {
        "bars": [],
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "max": 0,
        "left": CHART_LEFT,
        "right": CHART_WIDTH - CHART_RIGHT,
        "axis_y": axis_y,
        "y_title": y_title,
        "y_title_y": CHART_TOP + plot_height / 2,
        "x_title_x": CHART_LEFT + plot_width / 2,
        "x_title_y": CHART_HEIGHT - 4,
        "date_label_y": axis_y + 16,
        "ticks": [],
        "dates": [],
    }
    if not series:
        return chart
    top = max(row["n"] for row in series)
    step = _tick_step(max(top, 1))
    scale_top = step * -(-max(top, 1) // step)
    slot = plot_width / len(series)
    for index, row in enumerate(series):
        height = round(row["n"] / scale_top * plot_height, 1)
        chart["bars"].append(
            {
                "x": round(CHART_LEFT + index * slot + slot * 0.1, 1),
                "y": round(axis_y - height, 1),
                "width": round(max(slot * 0.8, 1), 1),
                "height": height,
                "week": row["week"],
                "n": row["n"],
            }
        )
    chart["ticks"] = [
        {"value": value, "y": round(axis_y - value / scale_top * plot_height, 1)}
        for value in range(0, scale_top + 1, step)
    ]
    every = max(1, -(-(len(series) - 1) // (CHART_DATE_LABELS - 1))) if len(series) > 1 else 1
    labelled = sorted({*range(0, len(series), every), len(series) - 1})
    if len(labelled) > 1 and labelled[-1] - labelled[-2] < every:
        # The last week always has its date; the one before it would collide.
        labelled.pop(-2)
    chart["dates"] = [
        {"week": series[i]["week"], "x": round(CHART_LEFT + (i + 0.5) * slot, 1)} for i in labelled
    ]
    highest = max(series, key=lambda row: row["n"])
    chart.update(
        max=top,
        first_week=series[0]["week"],
        last_week=series[-1]["week"],
        highest_week=highest["week"],
    )
    return chart


# ---------------------------------------------------------------------------
# Overview pages
# ---------------------------------------------------------------------------


@dashboard_access()
@require_GET
@reading_from_replica()
def index(request):
    return render(request, "dashboard/index.html", {"campaigns": selectors.campaigns_overview()})


@dashboard_access()
@require_GET
@reading_from_replica()
def campaign_detail(request, slug):
    campaign = _campaign(slug)
    date_range, date_error = _date_range(request)
    personal = can_see_personal_data(request.user)
    districts = list(District.objects.filter(body_id=campaign.decision_body_id))
    whip = selectors.whip_count(campaign, date_range)
    pressure = selectors.pressure(campaign, date_range)
    base = selectors.base(campaign, districts, date_range)
    context = {
        "campaign": campaign,
        "date_range": date_range,
        "date_error": date_error,
        "filter_query": date_range.as_query_string(),
        "personal": personal,
        "can_record_stance": request.user.has_perm(STANCE_PERMISSION),
        "whip": whip,
        "pressure": pressure,
        "pressure_chart": bar_chart(pressure["weekly"], y_title=_("Actions")),
        "base": base,
        "base_chart": bar_chart(base["weekly"], y_title=_("People")),
        "roster_summary": selectors.roster_summary(campaign, date_range),
        "overdue": selectors.overdue_pledges(campaign, date_range) if personal else [],
        "hearing_nights": list(hearings_for_the_night(campaign=campaign)) if personal else [],
        "outbox": selectors.outbox(campaign, date_range),
        # Names of recruiters for coordinators only: a viewer's query reads none.
        "organizing": selectors.organizing(campaign, date_range, with_names=personal),
        "stance_form": StanceForm(),
        "positions": StanceForm.base_fields["position"].choices,
    }
    return render(request, "dashboard/campaign.html", context)


@dashboard_access(STANCE_PERMISSION)
@require_POST
def stance_create(request, slug):
    campaign = _campaign(slug)
    form = StanceForm(request.POST)
    if form.is_valid():
        try:
            stance_record(
                campaign=campaign,
                member=form.cleaned_data["member"],
                position=form.cleaned_data["position"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Stance recorded for %(member)s.") % {"member": form.cleaned_data["member"]},
            )
    else:
        problems = "; ".join(f"{e}" for errors in form.errors.values() for e in errors)
        messages.error(request, _("The stance was not recorded: %(p)s") % {"p": problems})
    return redirect(reverse("dashboard:campaign", args=[campaign.slug]) + "#whip")


@dashboard_access()
@require_GET
@reading_from_replica()
def report(request, slug):
    campaign = _campaign(slug)
    date_range, date_error = _date_range(request)
    districts = list(District.objects.filter(body_id=campaign.decision_body_id))
    pressure = selectors.pressure(campaign, date_range)
    whip = selectors.whip_count(campaign, date_range)
    base = selectors.base(campaign, districts, date_range)
    context = {
        "campaign": campaign,
        "date_range": date_range,
        "date_error": date_error,
        "filter_query": date_range.as_query_string(),
        "whip": whip,
        # Leaning-yes members beyond the secured votes, for "leaning yes: 1 more".
        "leaning_more": whip.secured_with_leaning - whip.secured,
        "pressure": pressure,
        "pressure_chart": bar_chart(pressure["weekly"], y_title=_("Actions")),
        "base": base,
        "base_chart": bar_chart(base["weekly"], y_title=_("People")),
        "roster_summary": selectors.roster_summary(campaign, date_range),
        "hearings": list(campaign.hearings.all()),
        "member_votes": list(
            MemberVote.objects.filter(campaign=campaign).select_related("member__district")
        ),
    }
    return render(request, "dashboard/report.html", context)


@dashboard_access(PERSONAL_DATA_PERMISSION)
@require_GET
@reading_from_replica()
def roster(request, slug):
    campaign = _campaign(slug)
    date_range, date_error = _date_range(request)
    hearings = list(campaign.hearings.all())
    hearing = None
    hearing_id = request.GET.get("hearing", "")
    if hearing_id.isdigit():
        hearing = next((h for h in hearings if h.pk == int(hearing_id)), None)
    context = {
        "campaign": campaign,
        "date_range": date_range,
        "date_error": date_error,
        "hearings": hearings,
        "hearing": hearing,
        "summary": selectors.roster_summary(campaign, date_range, hearing),
        "rows": selectors.roster(campaign, date_range, hearing),
    }
    return render(request, "dashboard/roster.html", context)


# ---------------------------------------------------------------------------
# Quick log
# ---------------------------------------------------------------------------


def _search_payload(supporter: Supporter, campaign: Campaign, keep: dict) -> dict:
    query = urlencode({**keep, "supporter": supporter.pk})
    return {
        "id": supporter.pk,
        "name": supporter.full_name,
        "email": supporter.email or "",
        "phone": phone_national(supporter.phone),
        "district": str(supporter.district) if supporter.district_id else "",
        "url": f"{reverse('dashboard:log', args=[campaign.slug])}?{query}",
    }


def _keep_params(request) -> dict:
    """What "Save and next" carries to the next entry: the kind, and a target
    only when the coordinator ticked "Keep calling into ...'s office". A bare
    `target` is not carried: it credited whole phone banks to one office."""
    keep = {}
    kind = request.GET.get("kind", "")
    if kind in ActionKind.values:
        keep["kind"] = kind
    target = request.GET.get("keep_target", "")
    if target.isdigit():
        keep["keep_target"] = target
    return keep


def _kept_member(keep: dict, campaign: Campaign) -> CouncilMember | None:
    """The member carried from the last call, if still an active member of
    the campaign's body. An unusable one is dropped from `keep`, so it is not
    carried any further."""
    if "keep_target" not in keep:
        return None
    member = (
        CouncilMember.objects.active()
        .filter(body_id=campaign.decision_body_id, pk=int(keep["keep_target"]))
        .select_related("district")
        .first()
    )
    if member is None:
        del keep["keep_target"]
    return member


def _target_note(supporter: Supporter, own: CouncilMember | None, kept: CouncilMember | None):
    """What the screen says about whose office the call is credited to:
    (sentence, whether it needs the coordinator's attention)."""
    if kept is not None and own is not None and kept.pk == own.pk:
        return _(
            "Target kept from the last call: %(member)s (%(district)s), who is also "
            "this supporter's own commissioner."
        ) % {"member": kept, "district": supporter.district}, False
    if kept is not None and own is not None:
        return _(
            "Target kept from the last call: %(member)s — not this supporter's own "
            "commissioner (theirs is %(own)s, %(district)s)."
        ) % {"member": kept, "own": own, "district": supporter.district}, True
    if kept is not None:
        return _(
            "Target kept from the last call: %(member)s — not this supporter's own "
            "commissioner (their district is not known)."
        ) % {"member": kept}, True
    if own is not None:
        return _("Target: %(member)s (%(district)s, their own commissioner)") % {
            "member": own,
            "district": supporter.district,
        }, False
    if supporter.district_id is not None:
        return _(
            "Target: nobody active holds the %(district)s seat: choose a member or leave empty."
        ) % {"district": supporter.district}, True
    return _("Target: no district known: choose a member or leave empty."), True


def _person_fingerprint(person: dict) -> str:
    """Names the details a likely-duplicates warning was shown for, so "Add
    as a new person anyway" adds those details and not edited ones."""
    parts = (
        fold_text(f"{person['first_name']} {person['last_name']}"),
        normalize_email(person["email"]) or "",
        person["phone"] or "",
        normalize_zip(person["zip_code"]),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _mask_email(email: str | None) -> str:
    if not email:
        return ""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def _mask_phone(phone: str | None) -> str:
    return f"•••-•••-{phone[-4:]}" if phone else ""


def _duplicate_payload(supporter: Supporter, campaign: Campaign, keep: dict) -> dict:
    labels = {
        "email": _("same email"),
        "phone": _("same phone"),
        "name": _("same name"),
        "name_zip": _("same last name, first initial and ZIP"),
    }
    query = urlencode({**keep, "supporter": supporter.pk})
    return {
        "name": supporter.full_name,
        "district": str(supporter.district) if supporter.district_id else "",
        "contact": " · ".join(
            part for part in (_mask_email(supporter.email), _mask_phone(supporter.phone)) if part
        ),
        "reasons": ", ".join(str(labels[reason]) for reason in supporter.duplicate_reasons),
        "url": f"{reverse('dashboard:log', args=[campaign.slug])}?{query}",
    }


@dashboard_access(PERSONAL_DATA_PERMISSION)
@require_GET
def search(request, slug):
    campaign = _campaign(slug)
    keep = _keep_params(request)
    query = request.GET.get("q", "")
    audit_read(request, "search", about=campaign, length=len(query))
    results = selectors.supporters_search(query)
    return JsonResponse({"results": [_search_payload(s, campaign, keep) for s in results]})


@dashboard_access(PERSONAL_DATA_PERMISSION)
@require_http_methods(["GET", "POST"])
def quick_log(request, slug):
    campaign = _campaign(slug)
    keep = _keep_params(request)
    kept = _kept_member(keep, campaign)
    query = request.GET.get("q", "").strip()
    supporter = None
    supporter_id = request.GET.get("supporter", "")
    if supporter_id.isdigit():
        supporter = (
            Supporter.objects.select_related("district").filter(pk=int(supporter_id)).first()
        )
    new_form = NewSupporterForm(prefix="new")
    log_form = None

    duplicates = []
    if request.method == "POST" and request.POST.get("form") == "new":
        new_form = NewSupporterForm(request.POST, prefix="new")
        if new_form.is_valid():
            person = {k: v for k, v in new_form.cleaned_data.items() if k != "confirm"}
            checked = _person_fingerprint(person)
            if new_form.cleaned_data["confirm"] != checked:
                duplicates = selectors.supporters_likely_duplicates(
                    first_name=person["first_name"],
                    last_name=person["last_name"],
                    email=person["email"],
                    phone=person["phone"],
                    zip_code=person["zip_code"],
                )
        if duplicates:
            # Shown again with the confirmation set: submitting these same
            # details adds them; changed details are checked again.
            data = request.POST.copy()
            data["new-confirm"] = checked
            new_form = NewSupporterForm(data, prefix="new")
        elif new_form.is_valid():
            try:
                with transaction.atomic():
                    upserted = supporter_intake(
                        person=PersonInput(**person),
                        trust=Trust.STAFF,
                        campaign=campaign,
                        source=ActionSource.PHONE_BANK,
                    )
            except ValidationError as error:
                errors = (
                    error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
                )
                for field_name, field_errors in errors.items():
                    target_field = field_name if field_name in new_form.fields else None
                    for message in field_errors:
                        new_form.add_error(target_field, message)
            else:
                if upserted.created:
                    messages.success(request, _("New supporter added."))
                else:
                    messages.info(request, _("This person was already a supporter; selected."))
                params = urlencode({**keep, "supporter": upserted.supporter.pk})
                return redirect(f"{reverse('dashboard:log', args=[campaign.slug])}?{params}")
    elif request.method == "POST":
        supporter_id = request.POST.get("supporter", "")
        supporter = (
            Supporter.objects.select_related("district").filter(pk=int(supporter_id)).first()
            if supporter_id.isdigit()
            else None
        )
        if supporter is None:
            raise Http404("No such supporter")
        log_form = QuickLogForm(request.POST, campaign=campaign)
        if log_form.is_valid():
            data = log_form.cleaned_data
            try:
                with transaction.atomic():
                    _action, created = action_record(
                        supporter=supporter,
                        campaign=campaign,
                        kind=data["kind"],
                        status=data["status"],
                        source=ActionSource.PHONE_BANK,
                        target=data["target"],
                        hearing=data["hearing"],
                        note=data["note"],
                        by=request.user,
                        idempotency_key=f"quicklog:{request.user.pk}:{data['token']}",
                    )
            except ValidationError as error:
                errors = (
                    error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
                )
                for field_name, field_errors in errors.items():
                    for message in field_errors:
                        log_form.add_error(
                            field_name if field_name in log_form.fields else None, message
                        )
            else:
                if created:
                    messages.success(
                        request,
                        _("Logged %(kind)s for %(name)s.")
                        % {"kind": ActionKind(data["kind"]).label, "name": supporter.full_name},
                    )
                else:
                    messages.info(request, _("This entry was already saved."))
                next_params = {}
                if "save_next" in request.POST:
                    next_params["kind"] = data["kind"]
                    if data["keep_target"] and data["target"]:
                        next_params["keep_target"] = data["target"].pk
                        messages.info(
                            request,
                            _("%(member)s stays the target for the next person.")
                            % {"member": data["target"]},
                        )
                url = reverse("dashboard:log", args=[campaign.slug])
                return redirect(f"{url}?{urlencode(next_params)}" if next_params else url)

    target_note = None
    if supporter is not None:
        # The supporter's own commissioner is the default, named on the screen;
        # a target kept from the last call is preselected only when ticked for.
        own = member_for_supporter(supporter=supporter, campaign=campaign)
        target_note = _target_note(supporter, own, kept)
        shown = kept or own
        if log_form is None:
            initial = {
                "kind": keep.get("kind", ActionKind.CALL),
                "target": shown.pk if shown else None,
            }
            log_form = QuickLogForm(campaign=campaign, initial=initial)
        log_form.fields["target"].widget.attrs["aria-describedby"] = "target-note"

    results = selectors.supporters_search(query) if query and supporter is None else []
    context = {
        "campaign": campaign,
        "query": query,
        "results": [_search_payload(s, campaign, keep) for s in results],
        "supporter": supporter,
        "log_form": log_form,
        "target_note": target_note,
        "kept": kept,
        "new_form": new_form,
        "duplicates": [_duplicate_payload(s, campaign, keep) for s in duplicates],
        "duplicate_identity": any(
            reason in ("email", "phone") for s in duplicates for reason in s.duplicate_reasons
        ),
        "keep_query": urlencode(keep),
        "keep": keep,
        "stop_keeping_query": urlencode({k: v for k, v in keep.items() if k != "keep_target"}),
    }
    return render(request, "dashboard/log.html", context)


@dashboard_access(PERSONAL_DATA_PERMISSION)
@require_http_methods(["GET", "POST"])
def bulk(request, slug):
    campaign = _campaign(slug)
    result = None
    if request.method == "POST":
        form = BulkLogForm(request.POST, request.FILES, campaign=campaign)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = bulk_log(
                    campaign=campaign,
                    kind=data["kind"],
                    status=data["status"],
                    hearing=data["hearing"],
                    text=data["text"],
                    by=request.user,
                )
            except ValidationError as error:
                # The hearing changed (started, was cancelled) since the form checked it.
                form.add_error(None, error)
            except BulkLogConflict:
                form.add_error(
                    None,
                    _(
                        "The same list was being saved at the same moment, so nothing was "
                        "saved. Submit it again to see each line's result."
                    ),
                )
    else:
        form = BulkLogForm(campaign=campaign)
    return render(
        request,
        "dashboard/bulk.html",
        {
            "campaign": campaign,
            "form": form,
            "result": result,
            "outcome_labels": OUTCOME_LABELS,
        },
    )


# ---------------------------------------------------------------------------
# Call list
# ---------------------------------------------------------------------------


@dashboard_access(PERSONAL_DATA_PERMISSION)
@require_http_methods(["GET", "POST"])
def call_list(request, slug):
    """The call list. POST `action=claim` takes a batch, `action=release`
    gives it back; any other POST records one row's result: with `Accept:
    application/json` (the page's script) it answers JSON and the page stays
    where it is; without, it redirects to the next row's anchor."""
    campaign = _campaign(slug)
    url = reverse("dashboard:call_list", args=[campaign.slug])
    if request.method != "POST":
        audit_read(request, "call_list", about=campaign)
        return _call_list_render(request, campaign)
    action = request.POST.get("action", "")
    if action == "claim":
        batch = call_claims_take(campaign=campaign, caller=request.user)
        messages.success(
            request,
            ngettext(
                "Your batch: %(n)s person, held for you for %(minutes)s minutes.",
                "Your batch: %(n)s people, held for you for %(minutes)s minutes.",
                len(batch),
            )
            % {"n": len(batch), "minutes": settings.CALL_CLAIM_MINUTES},
        )
        return redirect(f"{url}#my-batch")
    if action == "release":
        call_claim_release(campaign=campaign, caller=request.user)
        messages.info(request, _("Your batch was given back to the list."))
        return redirect(url)

    form = CallResultForm(request.POST)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not form.is_valid():
        if wants_json:
            return JsonResponse({"ok": False, "errors": form.errors}, status=400)
        return _call_list_render(request, campaign, form=form)
    supporter = get_object_or_404(Supporter, pk=form.cleaned_data["supporter"])
    result = form.cleaned_data["result"]
    call_result_record(
        supporter=supporter,
        campaign=campaign,
        result=result,
        note=form.cleaned_data["note"],
        by=request.user,
    )
    text = _("%(name)s: %(result)s.") % {
        "name": supporter.full_name,
        "result": CallResult.LABELS[result],
    }
    next_row = form.cleaned_data["next_row"]
    if wants_json:
        return JsonResponse({"ok": True, "message": text, "next_row": next_row})
    messages.success(request, text)
    return redirect(f"{url}#row-{next_row}" if next_row else url)


def _call_list_render(request, campaign: Campaign, form: CallResultForm | None = None):
    page = selectors.call_list(campaign, caller=request.user)
    # Each district's seat holder by the intake core's one rule (two queries).
    seats = seat_holders(campaign.decision_body_id)
    members = CouncilMember.objects.in_bulk({pk for pk in seats.values() if pk})
    hearing = campaign.hearings.upcoming().first()
    caller_name = request.user.first_name or request.user.get_username()
    rows = page.supporters
    for supporter, below in pairwise([*rows, None]):
        supporter.next_row = below.pk if below is not None else None
        supporter.member = members.get(seats.get(supporter.district_id))
        supporter.script_language = "es" if supporter.language == Language.SPANISH else "en"
        supporter.script = phonebank_script_text(
            campaign=campaign,
            language=supporter.script_language,
            supporter=supporter,
            caller_name=caller_name,
            commissioner=supporter.member,
            hearing=hearing,
        )
    form_row = None
    if form is not None and str(form.data.get("supporter", "")).isdigit():
        form_row = int(form.data["supporter"])
    return render(
        request,
        "dashboard/call_list.html",
        {
            "campaign": campaign,
            "page": page,
            "supporters": rows,
            "mine": [s for s in rows if s.claimed_by_me],
            "others": [s for s in rows if not s.claimed_by_me],
            "total": page.total,
            "results": CallResultForm.base_fields["result"].choices,
            "form": form,
            "form_row": form_row,
            "batch_size": settings.CALL_CLAIM_BATCH,
            "claim_minutes": settings.CALL_CLAIM_MINUTES,
        },
    )


# ---------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------


@dashboard_access(PERSONAL_DATA_PERMISSION)
@require_GET
@reading_from_replica()
def export_supporters(request, slug):
    campaign = _campaign(slug)
    date_range, _error = _date_range(request)
    audit_read(request, "export_supporters", about=campaign, range=date_range.as_query_string())
    return exports.supporters_csv_response(campaign, date_range)


@dashboard_access()
@require_GET
@reading_from_replica()
def export_actions(request, slug):
    campaign = _campaign(slug)
    date_range, _error = _date_range(request)
    personal = can_see_personal_data(request.user)
    audit_read(
        request,
        "export_actions",
        about=campaign,
        range=date_range.as_query_string(),
        personal=personal,
    )
    return exports.actions_csv_response(campaign, date_range, personal=personal)
