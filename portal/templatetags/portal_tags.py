from __future__ import annotations

from django import template
from django.utils.html import format_html_join

register = template.Library()


@register.filter
def widget_type(bound_field) -> str:
    return bound_field.field.widget.__class__.__name__.lower()


@register.filter
def describe(bound_field, source=None):
    """Render the widget with aria-describedby (hint, source, error) and the error class."""
    ids = []
    if bound_field.help_text:
        ids.append(f"{bound_field.auto_id}-hint")
    if source:
        ids.append(f"{bound_field.auto_id}-source")
    if bound_field.errors:
        ids.append(f"{bound_field.auto_id}-error")
    attrs = {}
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    css = "input"
    if bound_field.errors:
        css += " input-error"
        attrs["aria-invalid"] = "true"
    attrs["class"] = css
    return bound_field.as_widget(attrs=attrs)


@register.filter
def get_item(mapping, key):
    if not mapping:
        return None
    return mapping.get(key)


@register.simple_tag
def definition_rows(rows):
    return format_html_join("", '<div class="summary-row"><dt>{}</dt><dd>{}</dd></div>', rows)
