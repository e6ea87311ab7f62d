"""A coordinator imports an Action Network export without JavaScript at
375 px: upload, the preview (tool, mapping, first rows; axe-clean), Start
import, the job's page."""

import os
from pathlib import Path

import pytest

from campaign.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD
from campaign.models import ImportJob
from tests.browser.conftest import axe_serious_violations, new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FIXTURE = Path(__file__).parent.parent / "import_presets" / "fixtures" / "action_network.csv"


def test_upload_preview_and_start_without_javascript(browser, demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    context, page = new_page(browser, "en-US", javascript=False)
    page.goto(f"{demo['base']}/accounts/login/?next=/imports/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("CSV or Excel file").set_input_files(str(FIXTURE))
    page.get_by_role("button", name="Preview the import").click()
    assert page.locator("#source").inner_text() == (
        "Action Network (recognised from the header row)"
    )
    assert page.locator("#rows tbody tr").count() == 5
    assert ImportJob.objects.count() == 0
    context_js, page_js = new_page(browser, "en-US")
    page_js.context.add_cookies(context.cookies())
    page_js.goto(page.url)
    assert axe_serious_violations(page_js) == []
    context_js.close()
    page.get_by_role("button", name="Start import").click()
    job = ImportJob.objects.get()
    assert page.url.endswith(f"/imports/{job.pk}/")
    assert job.source == "action_network"
    context.close()
