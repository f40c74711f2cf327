"""The reports' URLs: ``report_urlpatterns`` (API, under /api/v1/reports/) and
``page_urlpatterns`` (the dashboard at /reports/ and the public statistics at /statistics/)."""

from django.urls import path

from dossiers.reports import api, views

report_urlpatterns = [
    path("api/v1/reports/indicators/", api.IndicatorsView.as_view(), name="reports-indicators"),
    path("api/v1/reports/index/", api.IndexView.as_view(), name="reports-index"),
    path("api/v1/reports/ranking/", api.RankingView.as_view(), name="reports-ranking"),
    path("api/v1/reports/dossiers/", api.DossiersView.as_view(), name="reports-dossiers"),
    path("api/v1/reports/public/", api.PublicStatisticsView.as_view(), name="reports-public"),
]

page_urlpatterns = [
    path("reports/", views.dashboard, name="reports-dashboard"),
    path("statistics/", views.statistics, name="reports-statistics"),
]
