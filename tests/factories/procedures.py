"""Procedure records and catalogue files for tests (the catalogue is written by its services)."""

import json
from decimal import Decimal

from procedures.records import (
    CaseRecord,
    ChannelRecord,
    ComponentRecord,
    FeeRecord,
    ProcedureRecord,
    WorkflowStepRecord,
)
from procedures.services import procedure_upsert


def record(code="1.001193", name="Thủ tục đăng ký khai sinh", **overrides) -> ProcedureRecord:
    values = dict(
        code=code,
        name=name,
        field="Hộ tịch",
        levels=("commune",),
        online_level="full",
        channels=(
            ChannelRecord(
                kind="direct",
                processing_time=Decimal("3.0"),
                time_unit="working_days",
                fees=(FeeRecord(name="Lệ phí", amount=8000),),
            ),
            ChannelRecord(kind="online", processing_time=Decimal("3.0"), time_unit="working_days"),
        ),
        cases=(
            CaseRecord(
                name="Trường hợp chung",
                components=(ComponentRecord(name="Tờ khai đăng ký khai sinh", originals=1),),
            ),
        ),
        workflow=(
            WorkflowStepRecord(name="Tiếp nhận", role="receiver", budget_hours=Decimal("1.0")),
            WorkflowStepRecord(name="Xử lý", role="specialist", budget_hours=Decimal("8.0")),
        ),
    )
    values.update(overrides)
    return ProcedureRecord(**values)


def make_procedure(code="1.001193", name="Thủ tục đăng ký khai sinh", **overrides):
    procedure, _outcome = procedure_upsert(record=record(code, name, **overrides))
    return procedure


def json_item(code: str, name: str, **overrides) -> dict:
    item = {
        "code": code,
        "name": name,
        "field": "Hộ tịch",
        "levels": ["commune"],
        "online_level": "partial",
        "channels": [
            {
                "channel": "direct",
                "processing_time": 5,
                "time_unit": "working_days",
                "fees": [{"name": "Lệ phí", "amount": 50000}],
            },
            {"channel": "online", "processing_time": 5, "time_unit": "working_days", "fees": []},
        ],
        "cases": [
            {
                "name": "Trường hợp chung",
                "components": [{"name": "Tờ khai", "originals": 1, "copies": 0}],
            }
        ],
        "workflow": [
            {"name": "Tiếp nhận", "role": "receiver", "budget_hours": 2},
            {"name": "Thẩm định", "role": "specialist", "budget_hours": 16},
        ],
    }
    item.update(overrides)
    return item


def json_file(*items: dict) -> bytes:
    return json.dumps(
        {"format": "tthc-catalogue", "version": 1, "procedures": list(items)}, ensure_ascii=False
    ).encode()
