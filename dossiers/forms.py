from django import forms
from django.utils.translation import gettext_lazy as _


class TrackingForm(forms.Form):
    code = forms.CharField(
        label=_("Dossier code"),
        max_length=40,
        help_text=_("On your receipt, for example 000.00.01.H22-251103-0042"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    id_last4 = forms.CharField(
        label=_("Last 4 digits of the applicant's identification number"),
        max_length=4,
        min_length=4,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*"}
        ),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).upper()

    def clean_id_last4(self) -> str:
        value = self.cleaned_data["id_last4"].strip()
        if not value.isdigit():
            raise forms.ValidationError(_("Enter 4 digits."))
        return value


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for refusal"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
