"""The project's URLconf: the one module that wires every app's views together (apps
import the core, `portal`; only this package imports them all)."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from dossiers import backoffice, certified_copies, wizard
from dossiers import views as dossier_views
from dossiers.api import BackofficeDossierViewSet, TrackingView
from feedback import urls as feedback_urls
from feedback import views as feedback_views
from notifications import views as notification_views
from portal import views
from portal.otp import PortalAdminSite
from procedures import views as procedure_views
from procedures.api import ProcedureViewSet

# The admin needs the officers' second factor too (django-otp's documented way).
admin.site.__class__ = PortalAdminSite

router = DefaultRouter()
router.register("procedures", ProcedureViewSet, basename="procedure")
router.register("backoffice/dossiers", BackofficeDossierViewSet, basename="backoffice-dossier")

portal_patterns = (
    [
        path("", procedure_views.home, name="home"),
        path("login/", views.login_choice, name="login"),
        path("backoffice/login/", views.OfficerLoginView.as_view(), name="officer_login"),
        path("backoffice/login/code/", views.officer_otp, name="officer_otp"),
        path("backoffice/login/enrol/", views.officer_enrol, name="officer_enrol"),
        path("logout/", views.logout_view, name="logout"),
        path("health/", views.health, name="health"),
        path("notifications/", notification_views.inbox, name="notifications"),
    ],
    "portal",
)

procedure_patterns = (
    [
        path("", procedure_views.catalogue, name="catalogue"),
        path("<str:code>/", procedure_views.detail, name="detail"),
        path("<str:code>/start/", wizard.start_view, name="start"),
    ],
    "procedures",
)

dossier_patterns = (
    [
        path("apply/<uuid:draft_id>/", wizard.EFormWizard.as_view(), name="apply"),
        path("apply/<uuid:draft_id>/<slug:step>/", wizard.EFormWizard.as_view(), name="apply_step"),
        path("dossiers/", dossier_views.mine, name="mine"),
        path(
            "dossiers/drafts/<uuid:draft_id>/delete/",
            dossier_views.draft_delete,
            name="draft_delete",
        ),
        path("dossiers/<str:code>/", dossier_views.mine_detail, name="mine_detail"),
        path("dossiers/<str:code>/submitted/", dossier_views.submitted, name="submitted"),
        path("dossiers/<str:code>/receipt.pdf", dossier_views.receipt, name="receipt"),
        path("dossiers/<str:code>/result.pdf", dossier_views.result, name="result"),
        path("dossiers/<str:code>/rate/", feedback_views.rate, name="rate"),
        path("dossiers/<str:code>/resubmit/", dossier_views.resubmit, name="resubmit"),
        path("dossiers/<str:code>/withdraw/", dossier_views.withdraw, name="withdraw"),
        path("dossiers/<str:code>/slips/<str:kind>.pdf", dossier_views.slip, name="slip"),
        path("track/", dossier_views.track, name="track"),
        path("verify/", dossier_views.verify, name="verify_upload"),
        path("verify/<str:token>/", dossier_views.verify, name="verify"),
    ],
    "dossiers",
)

backoffice_patterns = (
    [
        path("", backoffice.queue, name="queue"),
        path("receive/", backoffice.bulk_receive, name="bulk_receive"),
        path("workload/", backoffice.workload, name="workload"),
        path("counter/", backoffice.counter_intake, name="counter"),
        path("certified-copies/", certified_copies.issue, name="certified_copies"),
        path(
            "certified-copies/<str:token>.pdf",
            certified_copies.download,
            name="certified_copy_download",
        ),
        path("triage/", backoffice.triage, name="triage"),
        path("dossiers/<str:code>/slips/<str:kind>.pdf", backoffice.slip, name="slip"),
        path("dossiers/<str:code>/", backoffice.detail, name="detail"),
        path("dossiers/<str:code>/approve/", backoffice.approve, name="approve"),
        path("dossiers/<str:code>/revoke-result/", backoffice.revoke_result, name="revoke_result"),
        path("dossiers/<str:code>/supplement/", backoffice.supplement, name="supplement"),
        path("dossiers/<str:code>/attachments/<int:pk>/", backoffice.attachment, name="attachment"),
        path("dossiers/<str:code>/<slug:action>/", backoffice.act, name="act"),
    ],
    "backoffice",
)

urlpatterns = [
    path("", include(portal_patterns)),
    path("procedures/", include(procedure_patterns)),
    path("", include(dossier_patterns)),
    path("backoffice/", include(backoffice_patterns)),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/", include(router.urls)),
    path("api/tracking/", TrackingView.as_view(), name="api-tracking"),
    path("api/interop/", include("interop.urls")),
    path("", include("payments.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("feedback/", include(feedback_urls.public_patterns)),
    path("backoffice/feedback/", include(feedback_urls.backoffice_patterns)),
    path("", include("dashboards.urls")),
]

# A 404 under /api/ is JSON like the operations' own answers (portal.api.not_found).
handler404 = "portal.api.not_found"
