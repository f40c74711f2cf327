"""The result: attaching it, issuing it, returning it to the applicant."""

from __future__ import annotations

import logging

from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.documents import NewDocument, document_add
from dossiers.errors import TransitionNotAllowed
from dossiers.lifecycle.engine import Change, perform, perform_making
from dossiers.lifecycle.rules import Action
from dossiers.models import Dossier, Status, Step

logger = logging.getLogger("dossiers.lifecycle")


def finished_fields() -> dict:
    return {
        "finished_at": timezone.now(),
        "step_index": None,
        "step_due_at": None,
        "assignee": None,
        "claimed_at": None,
    }


def issue_result(*, dossier: Dossier, actor, revision: int | None = None) -> Dossier:
    """The signed result is issued: the result is ready (status 9).

    The signatures module signs the result document before calling this; here the result
    must exist.
    """
    from dossiers.models_documents import DocumentKind

    def change(locked: Dossier, role: str) -> Change:
        results = locked.documents.filter(kind=DocumentKind.RESULT)
        if not results.exists():
            raise TransitionNotAllowed(_("Attach the result document first."), field="result")
        if locked.version.written_result_required and not results.filter(signature__isnull=False):
            raise TransitionNotAllowed(
                _("This procedure's result must be signed by the leader before it is issued."),
                field="result",
            )
        return Change(status=Status.RESULT_READY, step=Step.NONE, fields=finished_fields())

    return perform(
        Action.ISSUE_RESULT, dossier=dossier, actor=actor, change=change, revision=revision
    )


def attach_result(*, dossier: Dossier, actor, upload=None, revision: int | None = None):
    """Add a result document: an upload (PDF), or one generated from the procedure's template.

    The leader signs it at the signature step (the signatures module).
    """
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dossiers.errors import SubmissionInvalid
    from dossiers.models_documents import DocumentKind
    from dossiers.uploads import check_upload

    def change(locked: Dossier, role: str) -> Change:
        nonlocal upload
        if upload is None:
            from dossiers.notices import result_pdf

            upload = SimpleUploadedFile(
                f"ket-qua-{locked.code}.pdf", result_pdf(dossier=locked), "application/pdf"
            )
        try:
            info = check_upload(upload)
        except ValidationError as exc:
            raise SubmissionInvalid(exc.messages[0], field="file") from exc
        if info.mime != "application/pdf":
            raise SubmissionInvalid(_("A result is a PDF file."), field="file")
        document = document_add(
            NewDocument(
                dossier=locked,
                kind=DocumentKind.RESULT,
                upload=upload,
                info=info,
                is_digitised=True,
            ),
            uploaded_by=actor,
        )
        return Change(note=document.original_name, data={"document": document.pk}, made=document)

    _locked, document = perform_making(
        Action.ATTACH_RESULT, dossier=dossier, actor=actor, change=change, revision=revision
    )
    return document


RETURN_METHODS = ("counter", "post", "online")


def return_result(
    *, dossier: Dossier, actor, method: str = "counter", revision: int | None = None
) -> Dossier:
    """Hand the result to the applicant (status 10): at the counter, by post or online."""
    if method not in RETURN_METHODS:
        raise TransitionNotAllowed(_("Choose how the result was returned."), field="method")
    return perform(
        Action.RETURN_RESULT,
        dossier=dossier,
        actor=actor,
        revision=revision,
        change=lambda locked, role: Change(
            status=Status.RETURNED,
            fields={"returned_at": timezone.now(), "assignee": None, "claimed_at": None},
            data={"method": method},
        ),
    )
