"""Celery tasks of dossiers: thin, idempotent, called after commit."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from dossiers.models import Dossier


@shared_task(
    name="dossiers.tasks.send_submission_confirmation",
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_submission_confirmation(dossier_id: int) -> bool:
    """E-mail the applicant the code of the dossier just submitted (in Vietnamese)."""
    dossier = (
        Dossier.objects.select_related("procedure", "reception_agency")
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None or not dossier.applicant_email:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("dossiers:detail", args=[dossier.code])
        context = {"dossier": dossier, "tracking_url": f"{settings.SITE_URL.rstrip('/')}{path}"}
        subject = render_to_string("dossiers/email/submitted_subject.txt", context).strip()
        body = render_to_string("dossiers/email/submitted.txt", context)
    send_mail(subject, body, None, [dossier.applicant_email])
    return True
