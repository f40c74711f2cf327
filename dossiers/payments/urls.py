from django.urls import path

from dossiers.payments import views

app_name = "payments"
urlpatterns = [
    path("my/dossiers/<str:code>/pay/", views.pay_page, name="pay"),
    path(
        "my/dossiers/<str:code>/payments/<str:reference>/receipt.pdf",
        views.citizen_receipt,
        name="receipt",
    ),
    path("payments/return/", views.return_page, name="return"),
    path("payments/callback/", views.callback, name="callback"),
    path("office/dossiers/<str:code>/payments/record/", views.office_record, name="record"),
    path("office/dossiers/<str:code>/payments/refund/", views.office_refund, name="refund"),
    path(
        "office/dossiers/<str:code>/payments/<str:reference>/receipt.pdf",
        views.office_receipt,
        name="office-receipt",
    ),
]
