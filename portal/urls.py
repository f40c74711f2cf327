from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from dossiers.api.citizen import DossierViewSet, TrackView
from dossiers.api.office import QueueCountsView, QueueView
from dossiers.api.signing import SignBatchView
from portal import eid, health, views, views_tokens
from portal.health import PortalHealthView
from procedures.api import ProcedureViewSet, ReassignmentViewSet
from reports.urls import page_urlpatterns, report_urlpatterns
from signatures.views import VerifyView
from sync.api import NationalDossierView
from units.api import AgencyViewSet, UnitViewSet

router = DefaultRouter(trailing_slash=True)
router.register("units", UnitViewSet, basename="unit")
router.register("agencies", AgencyViewSet, basename="agency")
router.register("procedures", ProcedureViewSet, basename="procedure")
router.register("reassignments", ReassignmentViewSet, basename="reassignment")
router.register("dossiers", DossierViewSet, basename="dossier")

portal_patterns = (
    [
        path("", views.home, name="home"),
        path("accounts/login/", views.StaffLoginView.as_view(), name="login"),
        path("accounts/logout/", views.logout, name="logout"),
        path("accounts/otp/", views.otp_verify, name="otp-verify"),
        path("accounts/otp/setup/", views.otp_setup, name="otp-setup"),
        path("staff/", views.staff_home, name="staff-home"),
        path("staff/api-clients/", views_tokens.api_clients, name="api-clients"),
        path("staff/api-clients/new/", views_tokens.api_client_new, name="api-client-new"),
        path("staff/api-clients/tokens/", views_tokens.api_token_new, name="api-token-new"),
        path(
            "staff/api-clients/tokens/<int:pk>/revoke/",
            views_tokens.api_token_revoke,
            name="api-token-revoke",
        ),
        path("eid/login/", eid.eid_login, name="eid-login"),
        path("eid/mock/", eid.mock_eid, name="eid-mock"),
    ],
    "portal",
)

urlpatterns = [
    path("", include(portal_patterns)),
    path("", include("units.urls")),
    path("", include("procedures.urls")),
    path("", include("dossiers.urls")),
    path("", include("dossiers.office.urls")),
    path("", include("signatures.urls")),
    path("", include("sync.urls")),
    path("", include("dossiers.payments.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("health/", PortalHealthView.as_view(), name="health"),
    path("health/live/", health.live, name="health-live"),
    path("health/ready/", health.ready, name="health-ready"),
    path("api/v1/track/", TrackView.as_view(), name="api-track"),
    path("api/v1/signatures/verify", VerifyView.as_view(), name="api-signatures-verify"),
    path("api/v1/signatures/batch/", SignBatchView.as_view(), name="api-signatures-batch"),
    path("api/v1/queues/", QueueCountsView.as_view(), name="api-queues"),
    path("api/v1/queues/<str:name>/", QueueView.as_view(), name="api-queue"),
    path("api/v1/national/dossiers/", NationalDossierView.as_view(), name="api-national-dossiers"),
    path("", include(report_urlpatterns + page_urlpatterns)),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # One sign-in for everyone: the admin uses the portal's (password, then second factor).
    path("admin/login/", RedirectView.as_view(pattern_name="portal:login", query_string=True)),
    path("admin/", admin.site.urls),
]

handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"

if settings.NATIONAL_PORTAL_STANDIN:
    from sync import standin

    urlpatterns += [path("_standin/national/<path:path>", standin.embedded_view)]

if settings.PAYMENT_GATEWAY_STANDIN:
    from dossiers.payments import standin as payment_standin

    urlpatterns += [path("_standin/payment/<path:path>", payment_standin.embedded_view)]
