"""The reports' URLs: ``report_urlpatterns`` (API, under /api/v1/reports/) and
``page_urlpatterns`` (the dashboard at /reports/ and the public statistics at /statistics/)."""

from django.urls import path

from reports import api, api_selfcheck, views, views_drill, views_selfcheck

report_urlpatterns = [
    path("api/v1/reports/indicators/", api.IndicatorsView.as_view(), name="reports-indicators"),
    path("api/v1/reports/index/", api.IndexView.as_view(), name="reports-index"),
    path("api/v1/reports/ranking/", api.RankingView.as_view(), name="reports-ranking"),
    path("api/v1/reports/dossiers/", api.DossiersView.as_view(), name="reports-dossiers"),
    path("api/v1/reports/public/", api.PublicStatisticsView.as_view(), name="reports-public"),
    path("api/v1/reports/ii06a/", api.FormII06aView.as_view(), name="reports-ii06a"),
    path(
        "api/v1/reports/self-check/",
        api_selfcheck.SelfCheckView.as_view(),
        name="reports-self-check",
    ),
]

page_urlpatterns = [
    path("reports/", views.dashboard, name="reports-dashboard"),
    path("statistics/", views.statistics, name="reports-statistics"),
    path("reports/dossiers/", views_drill.drill, name="reports-drill"),
    path("reports/dossiers.csv", views_drill.drill_csv, name="reports-drill-csv"),
    path("reports/ii06a.pdf", views_drill.ii06a_pdf, name="reports-ii06a-pdf"),
    path("reports/ii06a.xlsx", views_drill.ii06a_xlsx, name="reports-ii06a-xlsx"),
    path("reports/self-check/", views_selfcheck.self_check, name="reports-self-check-page"),
]
