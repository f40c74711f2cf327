"""The back office's pages (officers, leaders): queues, a dossier's work page, intake, dashboard."""

from django.urls import path

from dossiers.office import views, views_dashboard, views_dossier, views_intake, views_signing

app_name = "office"
urlpatterns = [
    path("office/", views.queues, name="queues"),
    path("office/queues/counts/", views.queue_counts_fragment, name="queue-counts"),
    path("office/queues/search/", views.queue_search_fragment, name="queue-search"),
    path("office/filters/", views.filter_save, name="filter-save"),
    path("office/dossiers/<str:code>/", views_dossier.dossier_page, name="dossier"),
    path("office/dossiers/<str:code>/act/<str:action>/", views_dossier.dossier_act, name="act"),
    path(
        "office/dossiers/<str:code>/documents/<int:pk>/",
        views_dossier.dossier_document,
        name="document",
    ),
    path(
        "office/dossiers/<str:code>/receipt.pdf",
        views_dossier.dossier_receipt,
        name="receipt",
    ),
    path(
        "office/dossiers/<str:code>/forms/<str:number>.pdf",
        views_dossier.dossier_notice,
        name="notice",
    ),
    path("office/intake/", views_intake.intake, name="intake"),
    path("office/dashboard/", views_dashboard.dashboard, name="dashboard"),
    path("office/notices/", views_dashboard.notices, name="notices"),
    path("office/sign/", views_signing.sign_batch_page, name="sign-batch"),
]
