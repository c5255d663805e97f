from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dossiers import selectors
from dossiers.views import WITHDRAWABLE, _timeline

from .forms import RatingForm
from .services import RatingNotAllowed, rating_create


@login_required
@require_POST
def rate(request, code: str):
    dossier = selectors.dossier_of_applicant(user=request.user, code=code)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            rating_create(
                dossier=dossier,
                user=request.user,
                level=form.cleaned_data["level"],
                comment=form.cleaned_data["comment"],
            )
        except RatingNotAllowed:
            messages.error(request, _("This dossier cannot be rated now."))
        else:
            messages.success(request, _("Thank you. Your rating helps improve the service."))
        return redirect("dossiers:mine_detail", code=dossier.code)
    return render(
        request,
        "dossiers/detail.html",
        {
            "dossier": dossier,
            "timeline": _timeline(dossier),
            "rating": None,
            "rating_form": form,
            "withdrawable": WITHDRAWABLE,
        },
        status=400,
    )
