"""A verified, prefilled answer to a choice (radios, a list) cannot be made read-only in HTML
(and `aria-readonly` is not allowed on radios, axe: aria-allowed-attr): the form offers only the
verified answer. Text fields stay read-only."""

from __future__ import annotations

from django import forms

from dossiers.eforms import LockableForm


class PersonForm(LockableForm):
    full_name = forms.CharField()
    sex = forms.ChoiceField(choices=[("female", "Nữ"), ("male", "Nam")], widget=forms.RadioSelect)
    status = forms.ChoiceField(choices=[("single", "Độc thân"), ("married", "Đã kết hôn")])


def test_a_locked_choice_offers_only_the_verified_answer():
    form = PersonForm(locked={"sex": "female", "status": "single", "full_name": "Nguyễn Thị Lan"})
    html = str(form["sex"])
    assert 'value="female"' in html
    assert 'value="male"' not in html
    assert "readonly" not in html
    assert list(form.fields["status"].choices) == [("single", "Độc thân")]
    assert "readonly" in str(form["full_name"])
    assert 'aria-readonly="true"' in str(form["full_name"])


def test_another_answer_to_a_locked_choice_is_refused():
    form = PersonForm(
        data={"full_name": "Nguyễn Thị Lan", "sex": "male", "status": "single"},
        locked={"sex": "female", "full_name": "Nguyễn Thị Lan"},
    )
    assert not form.is_valid()
    assert "sex" in form.errors


def test_a_locked_value_missing_from_the_choices_keeps_them_all():
    form = PersonForm(locked={"status": "unknown-in-registry"})
    assert len(form.fields["status"].choices) == 2
