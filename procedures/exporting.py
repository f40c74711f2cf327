"""Export of the catalogue to CSV and XLSX, in the same columns the import reads."""

import csv
import io

from procedures.importing import FLAT_COLUMNS
from procedures.models import ChannelKind, Procedure


def catalogue_rows():
    """One flat row per procedure in force (current published version)."""
    qs = (
        Procedure.objects.filter(is_active=True, current_version__isnull=False)
        .select_related("current_version", "current_version__field")
        .prefetch_related("current_version__channels__fees")
        .order_by("code")
    )
    for procedure in qs:
        version = procedure.current_version
        channels = {c.kind: c for c in version.channels.all()}
        first = next(iter(channels.values()), None)
        fee = next((f for c in channels.values() for f in c.fees.all()), None)
        row = {
            "code": procedure.code,
            "name": version.name,
            "field": version.field.name,
            "levels": ";".join(version.levels),
            "online_level": version.online_level,
            "subject_types": ";".join(version.subject_types),
            "written_result_required": "1" if version.written_result_required else "0",
            "same_day_cutoff": "1" if version.same_day_cutoff else "0",
            "time_unit": first.time_unit if first else "",
            "fee_name": fee.name if fee else "",
            "fee_amount": fee.amount if fee else "",
            "results": version.results,
            "legal_basis": version.legal_basis,
            "publishing_decision": version.publishing_decision,
            "requirements": version.requirements,
            "former_level": version.former_level,
            "source": version.source,
        }
        for kind in ChannelKind.values:
            channel = channels.get(kind)
            row[f"{kind}_time"] = f"{channel.processing_time:g}" if channel else ""
        yield [row[c] for c in FLAT_COLUMNS]


def catalogue_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FLAT_COLUMNS)
    writer.writerows(catalogue_rows())
    return buffer.getvalue().encode("utf-8-sig")  # the BOM lets spreadsheet apps read UTF-8


def catalogue_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("TTHC")
    sheet.append(list(FLAT_COLUMNS))
    for row in catalogue_rows():
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
