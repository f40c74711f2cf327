from django.urls import path

from dossiers import views, views_submission

app_name = "dossiers"
urlpatterns = [
    path("procedures/<str:code>/submit/", views_submission.submission, name="submit"),
    path(
        "procedures/<str:code>/submit/communes/",
        views_submission.submission_communes,
        name="submit-communes",
    ),
    path(
        "procedures/<str:code>/submit/autosave/",
        views_submission.submission_autosave,
        name="submit-autosave",
    ),
    path("track/", views.track, name="track"),
    path("my/dossiers/", views.my_dossiers, name="mine"),
    path("my/dossiers/<str:code>/", views.dossier_detail, name="detail"),
    path("my/dossiers/<str:code>/withdraw/", views.dossier_withdraw_view, name="withdraw"),
    path("my/dossiers/<str:code>/rate/", views.dossier_rate_view, name="rate"),
    path("my/dossiers/<str:code>/supplement/", views.dossier_supplement_view, name="supplement"),
    path("my/dossiers/<str:code>/receipt.pdf", views.dossier_receipt, name="receipt"),
    path("my/dossiers/<str:code>/documents/<int:pk>/", views.dossier_document, name="document"),
]
