"""Hearing night, for coordinators on a phone: the speakers' queue, the
check-in desk and the printable roster. Every tap is a plain POST that
redirects back to where it was (JavaScript only saves the reload)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from campaign import selectors_hearing_night as selectors
from campaign.models import HEARING_KINDS, ActionKind, Hearing, Supporter
from campaign.roles import PERSONAL_DATA_PERMISSION
from campaign.services.hearing_night import (
    hearing_mark,
    marking_is_open,
    marking_opens_at,
    speaker_move,
    speaker_slots,
)
from campaign.views.dashboard import dashboard_access

DONE_LABELS = {
    ActionKind.TESTIMONY_IN_PERSON: gettext_lazy("spoke"),
    ActionKind.WRITTEN_TESTIMONY: gettext_lazy("sent written testimony"),
    ActionKind.ATTEND_HEARING: gettext_lazy("attended"),
}


def _hearing(slug: str, hearing_id: int) -> Hearing:
    return get_object_or_404(
        Hearing.objects.select_related("campaign"), pk=hearing_id, campaign__slug=slug
    )


def _wants_json(request) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def _context(hearing: Hearing, **extra) -> dict:
    return {
        "hearing": hearing,
        "campaign": hearing.campaign,
        "marking_open": marking_is_open(hearing),
        "marking_opens_at": marking_opens_at(hearing),
        **extra,
    }


@dashboard_access(PERSONAL_DATA_PERMISSION)
@require_GET
def queue(request, slug, hearing_id):
    hearing = _hearing(slug, hearing_id)
    lines = selectors.hearing_lines(hearing=hearing)
    speakers = [line for line in lines if line.place is not None]
    context = _context(
        hearing,
        speakers=speakers,
        written=[line for line in lines if line.written is not None],
        attending=sum(1 for line in lines if line.attended),
        attend_pledged=sum(1 for line in lines if line.attend is not None),
        slots=speaker_slots(hearings=[hearing]).get(hearing.pk),
    )
    return render(request, "dashboard/hearing_night/queue.html", context)


@dashboard_access(PERSONAL_DATA_PERMISSION)
@require_POST
def move(request, slug, hearing_id):
    hearing = _hearing(slug, hearing_id)
    action_id = request.POST.get("action", "")
    step = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    moved = None
    if action_id.isdigit() and step is not None:
        moved = speaker_move(hearing=hearing, action_id=int(action_id), step=step)
    url = reverse("dashboard:hearing_night", args=[slug, hearing.pk])
    return redirect(f"{url}#person-{moved.supporter_id}" if moved else url)


@dashboard_access(PERSONAL_DATA_PERMISSION)
@require_POST
def mark(request, slug, hearing_id):
    """Mark one person as having spoken, sent written testimony or attended.
    Back to the queue or to the check-in search it came from, at their row."""
    hearing = _hearing(slug, hearing_id)
    kind = request.POST.get("kind", "")
    supporter_id = request.POST.get("supporter", "")
    if kind not in HEARING_KINDS or not supporter_id.isdigit():
        if _wants_json(request):
            return JsonResponse({"ok": False, "error": _("Nothing to mark.")}, status=400)
        messages.error(request, _("Nothing to mark."))
        return redirect("dashboard:hearing_night", slug, hearing.pk)
    supporter = get_object_or_404(Supporter, pk=int(supporter_id))
    error = None
    try:
        _action, created = hearing_mark(
            hearing=hearing, supporter=supporter, kind=kind, by=request.user
        )
    except ValidationError as invalid:
        error = " ".join(invalid.messages)
    if _wants_json(request):
        if error:
            return JsonResponse({"ok": False, "error": error}, status=400)
        return JsonResponse({"ok": True, "created": created})
    if error:
        messages.error(request, error)
    elif created:
        messages.success(
            request,
            _("%(name)s: %(done)s.") % {"name": supporter.full_name, "done": DONE_LABELS[kind]},
        )
    if request.POST.get("back") == "check-in":
        url = reverse("dashboard:hearing_check_in", args=[slug, hearing.pk])
        query = request.POST.get("q", "").strip()
        if query:
            url = f"{url}?{urlencode({'q': query})}"
        return redirect(f"{url}#person-{supporter.pk}")
    return redirect(
        reverse("dashboard:hearing_night", args=[slug, hearing.pk]) + f"#person-{supporter.pk}"
    )


@dashboard_access(PERSONAL_DATA_PERMISSION)
@require_GET
def check_in(request, slug, hearing_id):
    hearing = _hearing(slug, hearing_id)
    query = request.GET.get("q", "").strip()
    if query:
        rows = selectors.check_in_search(hearing=hearing, query=query)
    else:
        rows = [
            selectors.CheckInRow(line.supporter, True, line.attended)
            for line in sorted(
                selectors.hearing_lines(hearing=hearing),
                key=lambda line: (
                    line.supporter.last_name,
                    line.supporter.first_name,
                    line.supporter.pk,
                ),
            )
        ]
    context = _context(hearing, query=query, rows=rows, searched=bool(query))
    return render(request, "dashboard/hearing_night/check_in.html", context)


@dashboard_access(PERSONAL_DATA_PERMISSION)
@require_GET
def roster(request, slug, hearing_id):
    hearing = _hearing(slug, hearing_id)
    return render(
        request,
        "dashboard/hearing_night/roster.html",
        _context(hearing, lines=selectors.hearing_lines(hearing=hearing)),
    )
