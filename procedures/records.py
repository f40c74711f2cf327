"""Plain records of a procedure as an import file or an editor gives them, before any write."""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class FeeRecord:
    name: str
    amount: int
    note: str = ""


@dataclass(frozen=True)
class ChannelRecord:
    kind: str
    processing_time: Decimal
    time_unit: str
    description: str = ""
    fees: tuple[FeeRecord, ...] = ()


@dataclass(frozen=True)
class ComponentRecord:
    name: str
    originals: int = 0
    copies: int = 0
    form_name: str = ""


@dataclass(frozen=True)
class CaseRecord:
    name: str
    components: tuple[ComponentRecord, ...] = ()


@dataclass(frozen=True)
class WorkflowStepRecord:
    name: str
    role: str
    budget_hours: Decimal


@dataclass(frozen=True)
class ProcedureRecord:
    code: str
    name: str
    field: str
    levels: tuple[str, ...]
    online_level: str
    subject_types: tuple[str, ...] = ("citizen",)
    written_result_required: bool = True
    same_day_cutoff: bool = False
    requirements: str = ""
    results: str = ""
    legal_basis: str = ""
    publishing_decision: str = ""
    competent_agency: str = ""
    executing_agency: str = ""
    coordinating_agency: str = ""
    channels: tuple[ChannelRecord, ...] = ()
    steps: tuple[str, ...] = ()
    cases: tuple[CaseRecord, ...] = ()
    workflow: tuple[WorkflowStepRecord, ...] = ()
    former_level: str = ""
    source: str = ""
    note: str = ""
    line: int = field(default=0, compare=False)

    def content_hash(self) -> str:
        """A digest of everything but the line number: equal content, equal hash."""
        data = asdict(self)
        data.pop("line")
        text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()
