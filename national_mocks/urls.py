from django.urls import include, path

from . import ministry, payment, pki, population, province, registries, views

urlpatterns = [
    path("", views.index, name="index"),
    path("health", views.health, name="health"),
    path("province/v1/dossiers", province.dossiers, name="province-dossiers"),
    path("province/v1/counter", province.counter, name="province-counter"),
    path(
        "population/v1/citizens/<str:identification_number>",
        population.citizen,
        name="population-citizen",
    ),
    path("business/v1/enterprises/<str:code>", registries.enterprise, name="business-enterprise"),
    path(
        "business/v1/representatives/<str:identification_number>/enterprises",
        registries.representative_enterprises,
        name="business-representative-enterprises",
    ),
    path(
        "insurance/v1/people/<str:identification_number>",
        registries.insurance,
        name="insurance-person",
    ),
    path(
        "transport/v1/people/<str:identification_number>/vehicles",
        registries.vehicles,
        name="transport-vehicles",
    ),
    path(
        "transport/v1/people/<str:identification_number>/driving-licences",
        registries.driving_licences,
        name="transport-driving-licences",
    ),
    path("documents/v1/owners/<str:owner>/documents", registries.documents, name="documents"),
    path(
        "documents/v1/owners/<str:owner>/documents/<str:document_id>",
        registries.document,
        name="document",
    ),
    path(
        "documents/v1/owners/<str:owner>/documents/<str:document_id>/revocation",
        registries.document_revocation,
        name="document-revocation",
    ),
    path(
        "documents/v1/owners/<str:owner>/documents/<str:document_id>/content",
        registries.document_content,
        name="document-content",
    ),
    path("sso/", include("national_mocks.sso.urls")),
    path("ministry/v1/dossiers", ministry.receive, name="ministry-receive"),
    path("ministry/v1/received", ministry.received, name="ministry-received"),
    path("payment/v1/init", payment.init, name="payment-init"),
    path("payment/v1/query", payment.query, name="payment-query"),
    path("payment/v1/pay/<str:transaction_id>", payment.pay, name="payment-pay"),
    path("pki/v1/tsa", pki.timestamp, name="pki-tsa"),
    path("pki/v1/crl/<str:name>.crl", pki.revocation_list, name="pki-crl"),
]

handler404 = "national_mocks.views.not_found"
handler500 = "national_mocks.views.server_error"
