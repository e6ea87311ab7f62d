"""Background supporter imports: upload a CSV or Excel file, check how it
will be read, start it, watch its progress.

The upload only keeps the file and shows the preview: the tool it was
exported from (recognised from the header row, or picked), the column
mapping, and the first rows as the job will read them; nothing is written
until Start import. The confirmation only queues the job, so it answers at
once whatever the file's size; a worker does the import (services/imports.py).
The admin's Import button on supporters asks the same form and lands on the
same progress page (without the preview step).
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core import signing
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from campaign.forms.imports import ImportUploadForm
from campaign.models import Campaign, ImportJob
from campaign.services.import_presets import PRESETS
from campaign.services.imports import (
    ImportFileError,
    file_header_read,
    file_mapping_choose,
    file_mapping_describe,
    import_file_stage,
    import_job_create_staged,
    supporters_preview,
)

IMPORT_PERMISSION = "campaign.add_supporter"
# Shown in full on the progress page; the rest are counted.
ERRORS_SHOWN = 500


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        staged = {
            "path": import_file_stage(file=data["file"]),
            "name": data["file"].name.rsplit("/", 1)[-1],
            "campaign": data["campaign"].pk if data["campaign"] else None,
            "consents": data["consents"],
            "consent_note": data["consent_note"],
            "source": form.source,
            "picked": bool(data["source"]),
        }
        return redirect("imports:preview", token=signing.dumps(staged, salt=_PREVIEW_SALT))
    recent = ImportJob.objects.select_related("campaign").order_by("-created_at")[:10]
    status = 400 if request.method == "POST" else 200
    return render(request, "imports/upload.html", {"form": form, "recent": recent}, status=status)


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
def import_detail(request, pk: int):
    job = get_object_or_404(ImportJob.objects.select_related("campaign"), pk=pk)
    errors = job.errors or []
    context = {
        "job": job,
        "errors": errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(errors) - ERRORS_SHOWN),
        "error_rows": len({e.get("row") for e in errors if e.get("row")}),
        "in_progress": job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING),
        "preset": PRESETS.get(job.source),
    }
    return render(request, "imports/detail.html", context)


_PREVIEW_SALT = "imports.preview"
FIELD_LABELS = {
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "email": _("Email"),
    "phone": _("Mobile phone"),
    "street_address": _("Street address"),
    "zip_code": _("ZIP code"),
    "language": _("Language"),
    "sector": _("Sector"),
    "is_youth": _("Youth"),
    "tags": _("Tags"),
    "notes": _("Notes"),
    "email_opt_in": _("Agreed to emails"),
    "sms_opt_in": _("Agreed to texts"),
    "foreign_id": _("Id in that tool"),
}


def _staged(token: str) -> dict:
    """The upload a preview token names (signed: its path and answers cannot
    be changed in the URL); 404 once expired."""
    try:
        return signing.loads(
            token, salt=_PREVIEW_SALT, max_age=settings.RETAIN_IMPORT_PREVIEW_HOURS * 3600
        )
    except signing.BadSignature:
        raise Http404 from None


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_preview(request, token: str):
    """How the file will be read (GET), and Start import (POST)."""
    staged = _staged(token)
    campaign = get_object_or_404(Campaign, pk=staged["campaign"]) if staged["campaign"] else None
    if not default_storage.exists(staged["path"]):
        # Already started (a second click), or kept past its retention.
        return redirect("imports:upload")
    excel = staged["name"].lower().endswith(".xlsx")
    problem = ""
    try:
        with default_storage.open(staged["path"], "rb") as handle:
            header = file_header_read(handle=handle, excel=excel)
        source, column_map = file_mapping_choose(header, staged["source"])
        with default_storage.open(staged["path"], "rb") as handle:
            parsed = supporters_preview(
                handle=handle, excel=excel, source=source, column_map=column_map
            )
    except ImportFileError as error:
        header, source, column_map, parsed, problem = [], staged["source"], {}, None, str(error)
    if request.method == "POST" and not problem:
        job = import_job_create_staged(
            path=staged["path"],
            name=staged["name"],
            user=request.user,
            campaign=campaign,
            consents=staged["consents"],
            consent_note=staged["consent_note"],
            source=source,
            column_map=column_map,
        )
        if job is None:
            return redirect("imports:upload")
        return redirect("imports:detail", pk=job.pk)
    context = {
        "name": staged["name"],
        "campaign": campaign,
        "staged": staged,
        "preset": PRESETS.get(source),
        "mapping": [
            (column, FIELD_LABELS.get(name, name))
            for column, name in file_mapping_describe(header, source, column_map)
        ],
        "rows": _preview_rows(parsed) if parsed else [],
        "problem": problem,
        "token": token,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "imports/preview.html", context, status=status)


def _preview_rows(parsed) -> list[dict]:
    """The first rows in file order: the person as read, or the problems."""
    rows = {
        person.row: {"row": person.row, "person": person, "problems": []}
        for person in parsed.people
    }
    for error in parsed.errors:
        if error["row"] is not None:
            rows.setdefault(error["row"], {"row": error["row"], "person": None, "problems": []})
            rows[error["row"]]["problems"].append(error)
    return [rows[row] for row in sorted(rows)]
