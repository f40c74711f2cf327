"""The project's URLs plus the reports' (until portal/urls.py includes them)."""

from django.urls import include, path

from portal.urls import urlpatterns as portal_urlpatterns
from reports.urls import page_urlpatterns, report_urlpatterns

urlpatterns = [path("", include(report_urlpatterns + page_urlpatterns)), *portal_urlpatterns]
