"""URLs of feedback: the applicant's and the public's pages, and the officers' back-office."""

from django.urls import path

from . import backoffice, views

public_patterns = (
    [
        path("complaints/", views.complaints_mine, name="mine"),
        path("complaints/new/", views.complaint_new, name="complaint_new"),
        path("complaints/<str:code>/", views.complaint_detail, name="complaint"),
        path("complaints/<str:code>/rate/", views.complaint_rate, name="complaint_rate"),
        path("answers/", views.answers, name="answers"),
        path("answers/<str:code>/", views.answer_detail, name="answer"),
    ],
    "feedback",
)

backoffice_patterns = (
    [
        path("ratings/", backoffice.ratings, name="ratings"),
        path("ratings/<int:pk>/", backoffice.rating_detail, name="rating"),
        path("ratings/<int:pk>/<slug:action>/", backoffice.rating_act, name="rating_act"),
        path("complaints/", backoffice.complaints, name="complaints"),
        path("complaints/triage/", backoffice.complaint_triage, name="triage"),
        path("complaints/<str:code>/", backoffice.complaint_detail, name="complaint"),
        path(
            "complaints/<str:code>/<slug:action>/",
            backoffice.complaint_act,
            name="complaint_act",
        ),
    ],
    "feedback_backoffice",
)
