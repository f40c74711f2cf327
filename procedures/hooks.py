"""The explicit registry through which a reassignment reaches the dossiers of higher apps.

`procedures` sits below `dossiers` (DESIGN.md §2), so it cannot import dossiers. The dossiers
app registers a :class:`DossierRerouter` in its ``AppConfig.ready()``; a reassignment calls
every registered rerouter inside its own transaction, so the catalogue change and the re-routed
dossiers commit together or not at all.
"""

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class RerouteRequest:
    """What a reassignment moves and where: the same for its preview and its commit."""

    province_code: str
    procedure_ids: tuple[int, ...]
    target: str
    target_agency_id: int | None = None
    target_commune_codes: tuple[str, ...] = field(default=())

    @classmethod
    def of_batch(cls, batch: Any) -> "RerouteRequest":
        return cls(
            province_code=batch.province_id,
            procedure_ids=tuple(batch.procedures.values_list("pk", flat=True)),
            target=batch.target,
            target_agency_id=batch.target_agency_id,
            target_commune_codes=tuple(batch.target_communes.values_list("code", flat=True)),
        )


class DossierRerouter(Protocol):
    def count_open(self, *, request: RerouteRequest) -> dict[str, int]:
        """Open dossiers held by dissolved districts that would move, per receiving unit code."""

    def reroute(self, *, batch) -> int:
        """Move the batch's open dossiers to the new agencies; return how many moved."""

    def revert(self, *, batch) -> int:
        """Move the dossiers this batch re-routed back; return how many moved."""


_rerouters: list[DossierRerouter] = []


def register_rerouter(rerouter: DossierRerouter) -> None:
    if rerouter not in _rerouters:
        _rerouters.append(rerouter)


def unregister_rerouter(rerouter: DossierRerouter) -> None:
    if rerouter in _rerouters:
        _rerouters.remove(rerouter)


def rerouters() -> tuple[DossierRerouter, ...]:
    return tuple(_rerouters)
