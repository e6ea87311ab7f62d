"""The audit trail: who saw, exported, changed or erased personal data, and when.

The trail is django-auditlog's table and admin. The library was chosen over
django-simple-history and django-pghistory for the database's weight at a
million actions:
- django-simple-history copies the whole row into a history table on every
  save, so every action would exist twice and grow with each change;
- django-pghistory records through PostgreSQL triggers (the cheapest per
  write), but ties the trail to PostgreSQL, and Groundswell also runs on
  SQLite (`make run`);
- django-auditlog keeps one row per change, holding only the changed fields,
  in one table, on both databases.
Its own signal receivers are not used: they write inside the transaction of
the change (so a failed entry would fail the change) and read the old row
again before each update. Ours (`register`) remember the values an instance
was loaded with, and write the entry only once the change has committed, in
its own statement, logging and swallowing any failure: writing the trail never
makes a request fail, and a rolled-back change leaves no entry.

Bulk paths (imports, the bulk log) write with bulk_create/bulk_update, which
send no model signals: they record one entry per batch (`audit_bulk`: who, what,
how many, which job), not one per row.

Reads are recorded explicitly (`audit_read`): exports, the call list, a
supporter's admin page, searches, access downloads. An entry says who, what
kind of read, and of which campaign or person, never a copy of what was shown.
"""

import logging

from auditlog.context import auditlog_value
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save
from django.utils.encoding import smart_str

from core.middleware import client_ip

logger = logging.getLogger(__name__)

# Read events, as `additional_data["event"]` of an ACCESS entry.
READ_EVENTS = {
    "export_supporters": "Exported the supporters CSV",
    "export_actions": "Exported the actions CSV",
    "admin_export": "Exported from the admin",
    "access_download": "Downloaded everything held about a person",
    "call_list": "Opened the call list",
    "supporter_page": "Opened a supporter's admin page",
    "search": "Searched supporters",
    "api": "Read people through the OSDI API",
}

# Tracked models (app_label.ModelName) and the fields left out of entries.
TRACKED = {
    "campaign.Supporter": {"search_name", "created_at", "updated_at"},
    "campaign.Action": {"created_at", "updated_at"},
    "campaign.Stance": set(),
    "campaign.ConsentEvent": set(),
    "campaign.Membership": set(),
}
USER_FIELDS = {"username", "first_name", "last_name", "email", "is_active", "is_staff"}


def _write(entries: list[LogEntry]) -> None:
    try:
        LogEntry.objects.bulk_create(entries)
    except Exception:
        logger.exception("audit trail: %d entries could not be written", len(entries))


def _context() -> dict:
    try:
        return auditlog_value.get()
    except LookupError:
        return {}


def _entry(instance, action: int, changes: dict) -> LogEntry:
    context = _context()
    actor = context.get("actor")
    extra = getattr(instance, "get_additional_data", None)
    additional = extra() if callable(extra) else None
    if context.get("api_key"):
        # A change made through the OSDI API: the key that made it (campaign.api.auth).
        additional = {**(additional or {}), "api_key": context["api_key"]}
    return LogEntry(
        content_type=ContentType.objects.get_for_model(instance),
        object_pk=str(instance.pk),
        object_id=instance.pk if isinstance(instance.pk, int) else None,
        object_repr=smart_str(instance)[:500],
        action=action,
        changes=changes,
        changes_text="",
        actor=actor,
        actor_email=getattr(actor, "email", None),
        remote_addr=context.get("remote_addr"),
        additional_data=additional,
    )


def _record(entry: LogEntry) -> None:
    # After commit: a rolled-back change leaves no entry, and a failed entry
    # cannot fail the change.
    transaction.on_commit(lambda: _write([entry]))


def _tracked_fields(model) -> list[str]:
    label = model._meta.label
    if label in TRACKED:
        skipped = TRACKED[label]
        return [f.attname for f in model._meta.concrete_fields if f.name not in skipped]
    return [f.attname for f in model._meta.concrete_fields if f.name in USER_FIELDS]


def _value(value) -> str | None:
    return None if value is None else smart_str(value)


def _loaded(instance) -> dict:
    """The tracked values the instance holds, without loading deferred ones."""
    return {
        name: _value(instance.__dict__[name])
        for name in _tracked_fields(type(instance))
        if name in instance.__dict__
    }


def _remember(sender, instance, **kwargs):
    instance._audit_loaded = _loaded(instance) if instance.pk is not None else None


def _saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    now = _loaded(instance)
    before = getattr(instance, "_audit_loaded", None)
    if created or before is None:
        changes = {name: [None, value] for name, value in now.items() if value is not None}
        action = LogEntry.Action.CREATE if created else LogEntry.Action.UPDATE
    else:
        changes = {
            name: [before[name], value]
            for name, value in now.items()
            if name in before and before[name] != value
        }
        action = LogEntry.Action.UPDATE
    instance._audit_loaded = now
    if changes:
        _record(_entry(instance, action, changes))


def _deleted(sender, instance, **kwargs):
    _record(_entry(instance, LogEntry.Action.DELETE, {}))


def _tags_changed(sender, instance, action, pk_set, reverse, model, **kwargs):
    if reverse or action not in ("post_add", "post_remove"):
        return
    names = sorted(model.objects.filter(pk__in=pk_set).values_list("name", flat=True))
    operation = "add" if action == "post_add" else "delete"
    changes = {"tags": {"type": "m2m", "operation": operation, "objects": names}}
    _record(_entry(instance, LogEntry.Action.UPDATE, changes))


def register() -> None:
    """Track every change of supporters, actions, stances, consents,
    memberships and users (called once, from CampaignConfig.ready)."""
    from django.apps import apps

    from campaign.models import Supporter

    for model in [*(apps.get_model(label) for label in TRACKED), get_user_model()]:
        uid = f"audit_{model._meta.label_lower}"
        post_init.connect(_remember, sender=model, dispatch_uid=uid)
        post_save.connect(_saved, sender=model, dispatch_uid=uid)
        post_delete.connect(_deleted, sender=model, dispatch_uid=uid)
    # Tags are changed through the M2M (do-not-call, wrong-number...).
    m2m_changed.connect(_tags_changed, sender=Supporter.tags.through, dispatch_uid="audit_tags")


def _actor(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def audit_read(request, event: str, *, about=None, **details) -> None:
    """Record that `request.user` read personal data: `event` (READ_EVENTS),
    `about` the campaign or supporter it concerned, `details` what narrowed it
    (a date range, a search's length: never the rows shown)."""
    if event not in READ_EVENTS:
        raise ValueError(f"unknown read event {event!r}")
    actor = _actor(request)
    target = about if about is not None else actor
    extra = {"event": event, **details}
    if _is_supporter(about):
        extra["supporter"] = about.pk
    _record(
        LogEntry(
            content_type=ContentType.objects.get_for_model(target),
            object_pk=str(target.pk),
            object_id=target.pk,
            object_repr=READ_EVENTS[event],
            action=LogEntry.Action.ACCESS,
            changes={},
            actor=actor,
            actor_email=getattr(actor, "email", None),
            remote_addr=client_ip(request) or None,
            additional_data=extra,
        )
    )


def audit_bulk(*, actor, model, verb: str, count: int, note: str = "") -> None:
    """One entry for a batch written without model signals (an import job,
    a bulk log): who, `verb` ("created"/"updated"), how many of `model`."""
    if not count:
        return
    actor = actor if getattr(actor, "is_authenticated", False) else None
    _record(
        LogEntry(
            content_type=ContentType.objects.get_for_model(model),
            object_pk="",
            object_repr=f"{count} {model._meta.verbose_name_plural} {verb}",
            action=LogEntry.Action.CREATE if verb == "created" else LogEntry.Action.UPDATE,
            changes={},
            actor=actor,
            actor_email=getattr(actor, "email", None),
            additional_data={"event": f"bulk_{verb}", "count": count, "note": note},
        )
    )


def _is_supporter(value) -> bool:
    from campaign.models import Supporter

    return isinstance(value, Supporter)


def supporter_entries_q(supporter_id: int) -> Q:
    """Entries about one person: their own row, and rows that carry their id
    (actions, consents, memberships and reads; see get_additional_data)."""
    from campaign.models import Supporter

    return Q(
        content_type=ContentType.objects.get_for_model(Supporter), object_pk=str(supporter_id)
    ) | Q(additional_data__supporter=supporter_id)


def audit_entries_about(supporter) -> list[LogEntry]:
    """Every trail entry about `supporter`, oldest first (for an access
    request)."""
    return list(
        LogEntry.objects.filter(supporter_entries_q(supporter.pk))
        .select_related("actor", "content_type")
        .order_by("timestamp", "id")
    )


def audit_entries_forget(supporter) -> int:
    """Erasure: the trail keeps that something happened, when and by whom,
    and forgets the person's values (changes, object names). Returns how many
    entries were scrubbed."""
    return LogEntry.objects.filter(supporter_entries_q(supporter.pk)).update(
        changes={}, changes_text="", object_repr="(erased)", serialized_data=None
    )
