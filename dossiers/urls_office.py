"""The back office's pages (officers, leaders): queues, a dossier's work page, intake, dashboard."""

from django.urls import path  # noqa: F401

app_name = "office"
urlpatterns: list = []
