from django.urls import path

from units import views

app_name = "units"
urlpatterns = [
    path("units/", views.unit_browser, name="browser"),
    path("units/<str:code>/", views.unit_detail, name="detail"),
    path("agencies/<str:identifier>/", views.agency_detail, name="agency"),
]
