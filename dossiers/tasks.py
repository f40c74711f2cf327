"""Celery tasks of dossiers: thin, idempotent, called after commit."""

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from dossiers.models import Dossier
from dossiers.tracking import tracking_path

MAIL_TASK = {
    "ignore_result": True,
    "autoretry_for": (OSError,),
    "retry_backoff": True,
    "max_retries": 5,
}


def _mail(dossier_id: int, template: str, *, with_receipt: bool = False) -> bool:
    """E-mail the applicant about ``dossier_id`` with ``dossiers/email/<template>.txt``."""
    dossier = (
        Dossier.objects.select_related("procedure", "version", "reception_agency", "agency")
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None or not dossier.applicant_email:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        tracking_url = f"{settings.SITE_URL.rstrip('/')}{tracking_path(dossier)}"
        context = {
            "dossier": dossier,
            "tracking_url": tracking_url,
            "request": dossier.supplement_requests.filter(supplied_at__isnull=True).first(),
        }
        subject = render_to_string(f"dossiers/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"dossiers/email/{template}.txt", context)
    message = EmailMessage(subject, body, to=[dossier.applicant_email])
    if with_receipt:
        from dossiers.receipts import receipt_pdf

        message.attach(
            f"giay-tiep-nhan-{dossier.code}.pdf",
            receipt_pdf(dossier=dossier, tracking_url=tracking_url),
            "application/pdf",
        )
    message.send()
    return True


@shared_task(name="dossiers.tasks.send_submission_confirmation", **MAIL_TASK)
def send_submission_confirmation(dossier_id: int) -> bool:
    """E-mail the applicant the code of the dossier just submitted (in Vietnamese)."""
    return _mail(dossier_id, "submitted")


@shared_task(name="dossiers.tasks.send_received_notice", **MAIL_TASK)
def send_received_notice(dossier_id: int) -> bool:
    """The dossier is received: the appointment, with the receipt (form 01) attached."""
    return _mail(dossier_id, "received", with_receipt=True)


@shared_task(name="dossiers.tasks.send_supplement_notice", **MAIL_TASK)
def send_supplement_notice(dossier_id: int) -> bool:
    """The agency asks for more documents (form 02): what, and where to send them."""
    return _mail(dossier_id, "supplement")


@shared_task(name="dossiers.tasks.send_status_notice", **MAIL_TASK)
def send_status_notice(dossier_id: int) -> bool:
    """The dossier was refused, stopped, or its result is ready or returned."""
    return _mail(dossier_id, "status")


@shared_task(name="dossiers.tasks.notify_deadlines", ignore_result=True)
def notify_deadlines() -> dict:
    """Every morning: what falls due within 2 working days, and what is overdue."""
    from dossiers.office.deadlines import deadline_round

    report = deadline_round()
    return {"notices": report.notices, "emails": report.emails}
