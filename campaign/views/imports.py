"""Background supporter imports: upload a CSV or Excel file, watch its progress.

The upload request only stores the file and queues the job, so it answers at
once whatever the file's size; a worker does the import (services/imports.py).
The admin's Import button on supporters asks the same form and lands on the
same progress page.
"""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from campaign.forms.imports import ImportUploadForm
from campaign.models import ImportJob
from campaign.services.imports import import_job_create

IMPORT_PERMISSION = "campaign.add_supporter"
# Shown in full on the progress page; the rest are counted.
ERRORS_SHOWN = 500


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = import_job_create(**form.job_kwargs(), user=request.user)
        return redirect("imports:detail", pk=job.pk)
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
    }
    return render(request, "imports/detail.html", context)
