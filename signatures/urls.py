from django.urls import path

from signatures import views, views_admin

app_name = "signatures"
urlpatterns = [
    path("signatures/ca/root.crt", views.root_certificate, name="root"),
    path("signatures/ca/issuing.crt", views.issuing_certificate, name="issuing"),
    path("signatures/ca/crl", views.crl, name="crl"),
    path("signatures/ca/root.crl", views.root_crl, name="root-crl"),
    path("signatures/verify/", views.verify_page, name="verify"),
    path("signatures/verify/<str:token>/", views.result_page, name="result"),
    path("signatures/positions/", views_admin.positions, name="positions"),
    path("signatures/reissues/<int:pk>/", views_admin.reissue, name="reissue"),
    path("signatures/certificates/<str:serial>/revoke/", views_admin.revoke, name="revoke"),
    path("signatures/certificates/<str:serial>/renew/", views_admin.renew, name="renew"),
]
