"""Writing the outbox for a set-based change of many dossiers (re-routing), in one statement.

Registered with ``dossiers.hooks.on_changed_set`` by ``SyncConfig.ready()``. Each new event
becomes the row ``outbox.record_changes`` would write for it: the dossier's revision, the kind
``payload.kind_of`` gives and the payload ``payload.snapshot`` gives, computed by PostgreSQL from
the rows as they now stand (tests/dossiers/test_rerouting_set_based.py compares them field by
field). Embedded mode (SQLite) loads the pairs and writes them through ``record_changes``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.conf import settings
from django.db import connection

from dossiers.models import Dossier, DossierEvent
from portal.dispatch import after_commit
from sync import payload, relay
from sync.models import OutboxEntry
from sync.outbox import record_changes
from sync.shape import PORTAL_ZONE


def _time(column: str) -> str:
    """SQL for ``shape.format_time``: ``yyyyMMddHHmmss`` in the portal's zone, '' for none."""
    return f"COALESCE(to_char({column} AT TIME ZONE %(zone)s, 'YYYYMMDDHH24MISS'), '')"


WRITE_OUTBOX = f"""
INSERT INTO {OutboxEntry._meta.db_table}
       (dossier_id, revision, event_id, kind, payload, state, attempts, next_attempt_at,
        leased_until, resends, last_error, created_at, published_at)
SELECT d.id, d.revision, e.id,
       CASE WHEN e.kind = ANY(%(progress_kinds)s::text[])
                 AND e.old_status IS NOT DISTINCT FROM e.new_status
            THEN %(progress)s ELSE %(upsert)s END,
       jsonb_build_object(
           'MaHoSo', d.code,
           'PhienBan', d.revision,
           'KenhThucHien', d.channel,
           'ChuHoSo', d.applicant_name,
           'LoaiDoiTuong', COALESCE((%(types)s::jsonb ->> d.applicant_type)::int, 1),
           'MaDoiTuong', d.applicant_id_number,
           'SoDienThoai', d.applicant_phone,
           'Email', d.applicant_email,
           'DiaChi', d.applicant_address,
           'MaDonViTiepNhanId', d.reception_agency_id,
           'MaDonViXuLyId', COALESCE(d.holder_agency_id, d.agency_id),
           'NgayNopHoSo', {_time("d.submitted_at")},
           'NgayTiepNhan', {_time("d.received_at")},
           'NgayHenTra', {_time("d.appointment_at")},
           'NgayHenTraBanDau', {_time("d.original_appointment_at")},
           'NgayKetThucXuLy', {_time("d.finished_at")},
           'NgayTra', {_time("d.returned_at")},
           'TrangThaiHoSo', d.status,
           'XacThucVNeID', d.vneid_verified,
           'TienDo', jsonb_build_object(
               'NguoiXuLyId', e.actor_id,
               'VaiTro', e.role,
               'ThoiDiemXuLy', {_time("e.at")},
               'NoiDungXuLy', COALESCE(%(labels)s::jsonb ->> e.kind, e.kind),
               'GhiChu', left(e.note, 500),
               'BuocMoi', e.new_step,
               'HanXuLy', {_time("d.step_due_at")}
           )
       ),
       %(pending)s, 0, now(), NULL, 0, '', now(), NULL
  FROM {DossierEvent._meta.db_table} AS e
  JOIN {Dossier._meta.db_table} AS d ON d.id = e.dossier_id
 WHERE e.id = ANY(%(events)s::bigint[])
 ORDER BY e.id
"""  # noqa: S608 (table names from the models, _time's constant SQL; values are bound)


def record_changed_set(event_ids: Sequence[int]) -> None:
    """Queue each event's dossier at its new revision for the national portal; one sweep after
    the commit sends them."""
    if connection.vendor != "postgresql":
        events = DossierEvent.objects.filter(pk__in=event_ids).select_related("dossier")
        record_changes([(event.dossier, event) for event in events.order_by("pk")])
        return
    with connection.cursor() as cursor:
        cursor.execute(
            WRITE_OUTBOX,
            {
                "events": list(event_ids),
                "progress_kinds": list(payload.PROGRESS_KINDS),
                "progress": OutboxEntry.Kind.PROGRESS,
                "upsert": OutboxEntry.Kind.UPSERT,
                "pending": OutboxEntry.State.PENDING,
                "types": json.dumps(payload.APPLICANT_TYPE),
                # get_kind_display() in the language active now, as snapshot() reads it.
                "labels": json.dumps({k: str(label) for k, label in DossierEvent.Kind.choices}),
                "zone": PORTAL_ZONE.key,
            },
        )
    if settings.SYNC_ENABLED:
        after_commit(relay.sweep)
