"""The explicit registry through which a reassignment reaches the dossiers of higher apps.

`procedures` sits below `dossiers` (DESIGN.md §2), so it cannot import dossiers. The dossiers
app registers a :class:`DossierRerouter` in its ``AppConfig.ready()``; a reassignment calls
every registered rerouter inside its own transaction, so the catalogue change and the re-routed
dossiers commit together or not at all.
"""

from typing import Protocol


class DossierRerouter(Protocol):
    def count_open(self, *, procedure_ids: list[int], province_code: str) -> dict[str, int]:
        """Open dossiers held at the former district level, per former district code."""

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
