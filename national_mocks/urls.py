from django.urls import include, path

from . import population, views

urlpatterns = [
    path("", views.index, name="index"),
    path("health", views.health, name="health"),
    path(
        "population/v1/citizens/<str:identification_number>",
        population.citizen,
        name="population-citizen",
    ),
    path("sso/", include("national_mocks.sso.urls")),
]

handler404 = "national_mocks.views.not_found"
handler500 = "national_mocks.views.server_error"
