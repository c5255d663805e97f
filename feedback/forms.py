from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RatingLevel


class RatingForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("How satisfied are you with how your dossier was handled?"),
        choices=RatingLevel.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how satisfied you are.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What went well, or what should be better"),
    )
