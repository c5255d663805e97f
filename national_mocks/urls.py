from django.urls import include, path

from . import ministry, population, views

urlpatterns = [
    path("", views.index, name="index"),
    path("health", views.health, name="health"),
    path(
        "population/v1/citizens/<str:identification_number>",
        population.citizen,
        name="population-citizen",
    ),
    path("sso/", include("national_mocks.sso.urls")),
    path("ministry/v1/dossiers", ministry.receive, name="ministry-receive"),
    path("ministry/v1/received", ministry.received, name="ministry-received"),
]

handler404 = "national_mocks.views.not_found"
handler500 = "national_mocks.views.server_error"
