from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def widget_type(bound_field) -> str:
    return bound_field.field.widget.__class__.__name__.lower()


def _described_by(bound_field, source=None) -> str:
    """The ids of the hint, the prefill source and the error message of a field."""
    ids = []
    # a widget that always shows a hint (the date boxes' example) says so
    if bound_field.help_text or getattr(bound_field.field.widget, "always_hint", False):
        ids.append(f"{bound_field.auto_id}-hint")
    if source:
        ids.append(f"{bound_field.auto_id}-source")
    if bound_field.errors:
        ids.append(f"{bound_field.auto_id}-error")
    return " ".join(ids)


@register.filter
def described_by(bound_field, source=None) -> str:
    return _described_by(bound_field, source)


@register.filter
def describe_box(bound_field):
    """A single check box: linked to its error message, without the text-input styling."""
    attrs = {}
    if bound_field.errors:
        attrs["aria-describedby"] = f"{bound_field.auto_id}-error"
        attrs["aria-invalid"] = "true"
    return bound_field.as_widget(attrs=attrs)


@register.filter
def describe(bound_field, source=None):
    """Render the widget with aria-describedby (hint, source, error) and the error class."""
    ids = [i for i in _described_by(bound_field, source).split(" ") if i]
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
