"""Driving the admin's two-step import (upload, then confirm) and its export."""

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

CSV, XLSX = 0, 1  # indexes of the admin's formats


def upload(client, model: str, content: bytes, name: str, file_format: int = CSV):
    """The first step: the dry run, which shows a preview or the row errors."""
    return client.post(
        f"/admin/campaign/{model}/import/",
        {
            "resource": 0,
            "format": file_format,
            "import_file": SimpleUploadedFile(name, content),
        },
    )


def confirm(client, model: str, preview):
    """The second step: import the file the dry run accepted."""
    form = preview.context["confirm_form"]
    data = {
        name: form.initial[name]
        for name in ("import_file_name", "original_file_name", "format", "resource")
    }
    return client.post(f"/admin/campaign/{model}/process_import/", data)


def import_file(client, model: str, content: bytes, name: str, file_format: int = CSV):
    preview = upload(client, model, content, name, file_format)
    assert preview.status_code == 200
    assert preview.context.get("confirm_form") is not None, _errors(preview)
    return confirm(client, model, preview)


def _errors(response) -> str:
    result = response.context.get("result")
    if result is None:
        return str(response.context["form"].errors)
    return str(
        [(row.number, row.field_specific_errors) for row in result.invalid_rows]
        + [str(error.error) for error in result.base_errors]
    )


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export(client, model: str, resource_class, file_format: int = CSV, selected=None):
    """Export through the admin's export form, with every column ticked."""
    prefix = resource_class.__name__.lower()
    data = {"resource": 0, "format": file_format}
    for field in resource_class().get_export_order():
        data[f"{prefix}_{field}"] = "on"
    if selected is not None:
        data["export_items"] = [str(pk) for pk in selected]
    return client.post(f"/admin/campaign/{model}/export/", data)


def changeform_data(response) -> dict:
    """The POST data a browser would send back for an admin add/change page,
    unchanged: the main form and every inline formset, with their values."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms.append(formset.management_form)
        forms.extend(formset.initial_forms)
    for form in forms:
        for name, field in form.fields.items():
            _put(data, form.add_prefix(name), field, form[name].value())
    return data


def _put(data: dict, key: str, field, value) -> None:
    widget = field.widget
    if hasattr(widget, "widgets") and hasattr(widget, "decompress"):
        parts = value if isinstance(value, list | tuple) else widget.decompress(value)
        for index, part in enumerate(parts):
            data[f"{key}_{index}"] = "" if part is None else str(part)
        return
    if value is None:
        data[key] = ""
    elif isinstance(value, bool):
        if value:
            data[key] = "on"
    elif isinstance(value, list | tuple):
        data[key] = [str(item) for item in value]
    else:
        data[key] = str(value)


def add_inline_row(data: dict, prefix: str, row: dict) -> None:
    """Append one new row to an inline formset in `data`."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    for name, value in row.items():
        data[f"{prefix}-{index}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
