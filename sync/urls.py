from django.urls import path

from sync import views as views_sync

app_name = "sync"
urlpatterns = [
    path("sync/", views_sync.sync_overview, name="overview"),
    path("sync/retry/", views_sync.sync_retry, name="retry"),
    path("sync/dossiers/<str:code>/", views_sync.dossier_sync, name="dossier"),
]
