from django.urls import path, register_converter

from . import views


class KindConverter:
    regex = "province|ministry|agency"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(KindConverter, "unitkind")

app_name = "dashboards"
urlpatterns = [
    path("dashboards/", views.home, name="home"),
    path("dashboards/national/", views.unit_page, name="unit_national"),
    path("dashboards/national/index/", views.index_page, name="index_national"),
    path(
        "dashboards/national/export/<slug:table>.<str:fmt_name>",
        views.export,
        name="export_national",
    ),
    path("dashboards/national/summary.pdf", views.summary, name="summary_national"),
    path("dashboards/<unitkind:kind>/<int:pk>/", views.unit_page, name="unit"),
    path("dashboards/<unitkind:kind>/<int:pk>/summary.pdf", views.summary, name="summary"),
    path("dashboards/<unitkind:kind>/<int:pk>/index/", views.index_page, name="index"),
    path(
        "dashboards/<unitkind:kind>/<int:pk>/export/<slug:table>.<str:fmt_name>",
        views.export,
        name="export",
    ),
    path("statistics/agencies/<str:code>/", views.public_agency, name="public_agency"),
    path("statistics/procedures/<str:code>/", views.public_procedure, name="public_procedure"),
]
