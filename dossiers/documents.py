"""The one writer of ``DossierDocument``: every file (or link) a draft or a dossier holds.

Callers check an upload first (``dossiers.uploads.check_upload``, whose verdict names, sizes
and hashes it); ``documents_add`` stores the content (content-addressed, private storage) and
writes the rows in one statement. Documents the national portal pushed are links only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dossiers.models_documents import DocumentKind, DossierDocument
from dossiers.uploads import CheckedFile, store_file


@dataclass(frozen=True)
class NewDocument:
    """One document to add: an upload with its check's verdict, or a link."""

    dossier: object | None = None  # the Dossier, or
    draft: object | None = None  # the DossierDraft
    component: object | None = None
    upload: object | None = None  # the file, stored under its SHA-256
    info: CheckedFile | None = None  # check_upload's verdict on ``upload``
    kind: str = DocumentKind.SUBMITTED
    supplement: object | None = None
    original_name: str = ""  # a link's name (an upload's comes from ``info`` unless given)
    remote_url: str = ""
    stored_name: str = ""  # content already in storage (``file_keep``), instead of ``upload``
    uploaded_at: object | None = None  # imported history keeps its times
    is_digitised: bool = False
    is_reused: bool = False
    from_data_store: bool = False


def documents_add(documents: Iterable[NewDocument], *, uploaded_by=None) -> list[DossierDocument]:
    """Store each upload and write every row at once; returns the rows, with their ids."""
    rows = []
    for new in documents:
        info = new.info
        row = DossierDocument(
            dossier=new.dossier,
            draft=new.draft,
            component=new.component,
            kind=new.kind,
            supplement=new.supplement,
            original_name=new.original_name or (info.name if info else ""),
            mime=info.mime if info else "",
            extension=info.extension if info else "",
            size=info.size if info else 0,
            sha256=info.sha256 if info else "",
            remote_url=new.remote_url,
            is_digitised=new.is_digitised,
            is_reused=new.is_reused,
            from_data_store=new.from_data_store,
            uploaded_by=uploaded_by,
        )
        if new.upload is not None:
            store_file(row, new.upload)
        elif new.stored_name:
            row.file.name = new.stored_name
        if new.uploaded_at is not None:
            row.uploaded_at = new.uploaded_at
        rows.append(row)
    return DossierDocument.objects.bulk_create(rows, batch_size=1000)


def document_add(new: NewDocument, *, uploaded_by=None) -> DossierDocument:
    """One document (see :func:`documents_add`)."""
    return documents_add([new], uploaded_by=uploaded_by)[0]


def file_keep(upload, info: CheckedFile) -> str:
    """Store a checked upload's content without a row (many rows will share it); its name."""
    holder = DossierDocument(sha256=info.sha256, extension=info.extension)
    store_file(holder, upload)
    return holder.file.name
