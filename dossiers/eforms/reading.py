"""Answers as people read them (the summary on "Check your answers", the fields printed on a
result) and as a dossier stores them (plain JSON)."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext

from agencies.models import Commune, Province

from .base import SummaryRow
from .conditions import answer_at
from .fields import pick_text

if TYPE_CHECKING:
    from .engine import DataForm


def date_text(value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        value = dt.date.fromisoformat(value)
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else str(value)


def to_plain(value: Any) -> Any:
    """Answers as stored in the dossier: dates as ISO, places by code, files by name."""
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items() if not hasattr(v, "read")}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Province | Commune):
        return value.code
    return value


def address_text(value: Any, *, detail: str = "") -> str:
    """ "Phường Hoàn Kiếm, Thành phố Hà Nội" from a commune or its code."""
    commune = value if isinstance(value, Commune) else None
    if commune is None and value:
        commune = Commune.objects.select_related("province").filter(code=str(value)).first()
    parts = [detail] if detail else []
    if commune is not None:
        parts += [commune.name, commune.province.name]
    elif value:
        parts.append(str(value))
    return ", ".join(p for p in parts if p)


def display(spec: dict[str, Any], value: Any) -> str:
    """An answer as people read it."""
    if value in (None, ""):
        return ""
    kind = spec.get("type")
    labels = {c["value"]: pick_text(c["label"]) for c in spec.get("choices", [])}
    if kind == "choice":
        return labels.get(str(value), str(value))
    if kind == "multichoice":
        return ", ".join(labels.get(str(v), str(v)) for v in value or [])
    if kind == "boolean":
        return gettext("Yes") if value else gettext("No")
    if kind == "date":
        return date_text(value)
    if hasattr(value, "name") and hasattr(value, "read"):
        return value.name
    return str(value)


def summarise(form: DataForm, answers: dict[str, Any]) -> list[tuple[str, list[SummaryRow]]]:
    """Every answer, by section, with the step to change it; works on the wizard's cleaned
    answers and on a dossier's stored data alike."""
    data = to_plain(answers)
    sections: list[tuple[str, list[SummaryRow]]] = []
    seen_address: set[str] = set()
    for step in form.raw["steps"]:
        kind = step.get("kind", "fields")
        title = pick_text(step["title"])
        rows: list[SummaryRow] = []
        if kind == "fields":
            values = data.get(step["name"])
            if values is None:
                continue
            for spec in step["fields"]:
                if spec["name"] not in values:
                    continue
                rows.append(
                    SummaryRow(
                        pick_text(spec["label"]),
                        display(spec, values.get(spec["name"])),
                        step["name"],
                        spec["name"],
                    )
                )
        elif kind == "repeat":
            items = data.get(step["name"])
            if items is None:
                continue
            item_label = pick_text(step["item_label"])
            if not items:
                rows.append(SummaryRow(item_label, gettext("None"), step["name"]))
            for number, item in enumerate(items, start=1):
                text = "; ".join(
                    display(spec, item.get(spec["name"]))
                    for spec in step["fields"]
                    if item.get(spec["name"]) not in (None, "", [])
                )
                rows.append(SummaryRow(f"{item_label} {number}", text, step["name"]))
        elif kind == "address":
            if step["name"] in seen_address:
                continue
            seen_address.add(step["name"])
            commune_values = data.get(step["commune_step"]) or {}
            if not commune_values and step["province_step"] not in data:
                continue
            rows.append(
                SummaryRow(
                    pick_text(step["commune_label"]),
                    address_text(commune_values.get("commune")),
                    step["province_step"],
                )
            )
            detail = step.get("detail")
            if detail and detail["name"] in commune_values:
                rows.append(
                    SummaryRow(
                        pick_text(detail["label"]),
                        str(commune_values.get(detail["name"]) or ""),
                        step["commune_step"],
                    )
                )
        elif kind == "documents":
            stored = data.get(step["name"]) or {}
            for code, item in stored.get("_items", stored).items():
                if not isinstance(item, dict):
                    continue
                value = (
                    gettext("From your e-document store: %(title)s") % {"title": item["title"]}
                    if item.get("reused")
                    else item.get("name", "")
                )
                rows.append(SummaryRow(item.get("label") or code, value, step["name"]))
        if rows:
            sections.append((title, rows))
    return sections


def result_rows(form: DataForm, data: dict[str, Any]) -> list[tuple[str, str]]:
    rows = []
    specs = form.field_specs()
    for row in form.raw.get("result_fields", []):
        value = answer_at(data, row["path"])
        if value in (None, ""):
            continue
        fmt = row.get("format", "text")
        if fmt == "date":
            text = date_text(value)
        elif fmt == "address":
            text = address_text(value, detail=_address_detail(form, data, row["path"]))
        elif fmt == "choice":
            from django.utils import translation

            with translation.override("vi"):
                text = display(specs.get(row["path"], {}), value)
        else:
            text = str(value)
        rows.append((row["label"], text))
    return rows


def _address_detail(form: DataForm, data: dict[str, Any], path: str) -> str:
    step_name = path.split(".")[0]
    step = form.step_defs.get(step_name)
    if step and step.get("kind") == "address" and step.get("detail"):
        return str((data.get(step["commune_step"]) or {}).get(step["detail"]["name"]) or "")
    return ""
