from django.conf import settings


def site(request):
    """Site-wide template values (the site name is configuration, never hard-coded)."""
    return {"SITE_NAME": settings.SITE_NAME, "DEBUG": settings.DEBUG}
