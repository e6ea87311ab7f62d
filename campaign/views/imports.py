"""Background supporter imports: upload a CSV, watch its progress.

The upload request only stores the file and queues the job, so it answers at
once whatever the file's size; a worker does the import (services/imports.py).
"""

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from campaign.models import ImportJob
from campaign.services.imports import COLUMNS, import_job_create

IMPORT_PERMISSION = "campaign.add_supporter"
# Shown in full on the progress page; the rest are counted.
ERRORS_SHOWN = 500
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 CSV with a header row: %(columns)s.") % {"columns": ", ".join(COLUMNS)},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError(
                _("Upload a .csv file (save the spreadsheet as CSV UTF-8).")
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB; split it."))
        return upload


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = import_job_create(file=form.cleaned_data["file"], user=request.user)
        return redirect("imports:detail", pk=job.pk)
    recent = ImportJob.objects.order_by("-created_at")[:10]
    status = 400 if request.method == "POST" else 200
    return render(request, "imports/upload.html", {"form": form, "recent": recent}, status=status)


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
def import_detail(request, pk: int):
    job = get_object_or_404(ImportJob, pk=pk)
    errors = job.errors or []
    context = {
        "job": job,
        "errors": errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(errors) - ERRORS_SHOWN),
        "error_rows": len({e.get("row") for e in errors if e.get("row")}),
        "in_progress": job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING),
    }
    return render(request, "imports/detail.html", context)
