from django.urls import path

from . import api, sync_api

app_name = "interop"

urlpatterns = [
    path("dossiers/", api.DossierListView.as_view(), name="dossiers"),
    path("dossiers/<str:code>/", api.DossierDetailView.as_view(), name="dossier"),
    path("dossiers/<str:code>/status", api.DossierStatusView.as_view(), name="dossier-status"),
    path("dossiers/<str:code>/result", api.DossierResultView.as_view(), name="dossier-result"),
    path("attachments/<str:token>", api.AttachmentDownloadView.as_view(), name="attachment"),
    path("sync/records", sync_api.SyncRecordsView.as_view(), name="sync-records"),
    path("sync/records/<str:code>", sync_api.SyncRecordView.as_view(), name="sync-record"),
]
