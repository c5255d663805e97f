from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path("dossiers/<str:code>/pay/", views.pay, name="pay"),
    path(
        "dossiers/<str:code>/payments/<str:reference>/receipt.pdf",
        views.receipt,
        name="receipt",
    ),
    path("payments/return/", views.payment_return, name="return"),
    path("payments/callback/", views.callback, name="callback"),
    path("backoffice/payments/<str:code>/", views.backoffice_payments, name="backoffice"),
]
