"""An import-linter contract type for `make check`: no import cycle between the modules of an
app (packages not squashed; function-local imports count, as grimp reads them).

import-linter's own ``acyclic_siblings`` compares packages as wholes; this one asks the plainer
question the architecture states (docs/architecture.md): can a module of the app reach itself
through other modules of the same app? Migrations are left out.
"""

from __future__ import annotations

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def _cycles(graph: ImportGraph, package: str) -> list[list[str]]:
    """The strongly connected components of more than one module inside ``package``."""
    modules = {
        m
        for m in graph.modules
        if (m == package or m.startswith(package + ".")) and ".migrations" not in m
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(modules):
        if root in index:
            continue
        # Tarjan's algorithm, iterative (no recursion limit on deep graphs).
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root) & modules)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    imported = graph.find_modules_directly_imported_by(child) & modules
                    work.append((child, iter(sorted(imported))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


class AcyclicModulesContract(Contract):
    type_name = "acyclic_modules"

    packages = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        cycles = {package: _cycles(graph, package) for package in self.packages}  # type: ignore
        broken = {package: found for package, found in cycles.items() if found}
        return ContractCheck(kept=not broken, metadata={"cycles": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for package, found in check.metadata["cycles"].items():
            for component in found:
                output.print_error(f"{package}: modules that import each other: ")
                output.print_error(", ".join(component), bold=False)
                output.new_line()
