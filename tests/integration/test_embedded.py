"""The embedded default: no Redis, the filesystem broker and a worker deliver
to a mail folder a newcomer can open."""

import pytest

from campaign.models import Message, MessageStatus
from tests.integration.conftest import wait_for
from tests.integration.test_delivery import due_emails

pytestmark = [
    pytest.mark.integration,
    pytest.mark.xdist_group("celery"),
    pytest.mark.django_db(transaction=True),
]


def test_the_filesystem_broker_and_worker_deliver_to_a_mail_folder(integration, tmp_path):
    mail_dir = tmp_path / "mail"
    broker_dir = tmp_path / "broker"
    for folder in ("queue", "processed", "control"):
        (broker_dir / folder).mkdir(parents=True)
    embedded = {
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_BROKER_DIR": str(broker_dir),
        # django-environ drops one leading slash: four make an absolute path.
        "EMAIL_URL": f"filemail:///{mail_dir}",
    }
    ids = due_emails(3)
    output = integration.dispatch_once(**embedded)
    assert "claimed 3, published 3" in output
    integration.worker(**embedded)
    wait_for(
        lambda: Message.objects.filter(pk__in=ids, status=MessageStatus.SENT).count() == 3,
        timeout=60,
        what=f"3 sent through the filesystem broker\n{integration.logs()}",
    )
    text = "".join(path.read_text() for path in mail_dir.iterdir())
    assert text.count("List-Unsubscribe-Post: List-Unsubscribe=One-Click") == 3
    for pk in ids:
        assert f".gs{pk}@" in text
