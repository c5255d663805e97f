from django.urls import path

from . import views

urlpatterns = [
    path(".well-known/openid-configuration", views.discovery, name="sso-discovery"),
    path("authorize", views.authorize, name="sso-authorize"),
    path("token", views.token, name="sso-token"),
    path("userinfo", views.userinfo, name="sso-userinfo"),
    path("jwks", views.jwks, name="sso-jwks"),
    path("logout", views.logout, name="sso-logout"),
]
