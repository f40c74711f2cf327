"""Dossier codes: <agency identifier>-<YYMMDD>-<NNNN>, unique under concurrent submissions."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from dossiers.codes import dossier_code_allocate
from tests.factories import AgencyFactory

DAY = dt.date(2026, 11, 23)


@pytest.mark.django_db
def test_codes_follow_the_national_format_and_count_per_agency_per_day():
    a = AgencyFactory(identifier="000.00.01.H68")
    b = AgencyFactory(identifier="000.00.02.H68")

    codes = [dossier_code_allocate(agency=a, day=DAY) for _ in range(3)]
    other = dossier_code_allocate(agency=b, day=DAY)
    next_day = dossier_code_allocate(agency=a, day=DAY + dt.timedelta(days=1))

    assert codes == [
        "000.00.01.H68-261123-0001",
        "000.00.01.H68-261123-0002",
        "000.00.01.H68-261123-0003",
    ]
    assert other == "000.00.02.H68-261123-0001"
    assert next_day == "000.00.01.H68-261124-0001"


@pytest.mark.django_db(transaction=True)
def test_200_concurrent_submissions_get_200_distinct_codes():
    agency = AgencyFactory(identifier="000.00.01.H68")
    codes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def submit_ten():
        try:
            start.wait()
            for _ in range(10):
                code = dossier_code_allocate(agency=agency, day=DAY)
                with lock:
                    codes.append(code)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit_ten) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(codes) == 200
    assert len(set(codes)) == 200
    assert sorted(codes) == [f"000.00.01.H68-261123-{n:04d}" for n in range(1, 201)]
    assert connection.vendor == "postgresql"
