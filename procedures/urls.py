from django.urls import path

from procedures import views

app_name = "procedures"
urlpatterns = [
    path("procedures/", views.catalogue, name="catalogue"),
    path("procedures/export.csv", views.export_csv, name="export-csv"),
    path("procedures/export.xlsx", views.export_xlsx, name="export-xlsx"),
    path("procedures/<str:code>/", views.procedure_detail, name="detail"),
    path(
        "procedures/<str:code>/forms/<int:component_id>/",
        views.form_download,
        name="form-download",
    ),
    path("catalogue/reassign/", views.reassign, name="reassign"),
    path("catalogue/reassign/<int:pk>/", views.batch_detail, name="batch"),
    path("catalogue/reassign/<int:pk>/revert/", views.batch_revert, name="batch-revert"),
    path("catalogue/history/", views.history, name="history"),
]
