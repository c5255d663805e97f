"""One module per state machine of a dossier (docs/domain.md section 4).

Each module declares its states and the allowed transitions; `dossiers.transitions` is the
only module that changes a state, after checking it here (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class TransitionNotAllowed(Exception):
    """The requested change is not in the state machine's table."""

    def __init__(self, machine: str, source: object, target: object) -> None:
        super().__init__(f"{machine}: {source} -> {target} is not allowed")
        self.machine = machine
        self.source = source
        self.target = target


def check(
    machine: str, table: Mapping[Any, frozenset[Any]], source: object, target: object
) -> None:
    if target not in table.get(source, frozenset()):
        raise TransitionNotAllowed(machine, source, target)
