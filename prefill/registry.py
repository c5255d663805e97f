"""Prefill sources register here; each declares the attributes it offers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


class SourceUnavailableError(Exception):
    """The registry did not answer (down, slow, refused): the person types the data instead."""


class PrefillSource(Protocol):
    key: str
    label: str  # shown beside each value: "from the national population database"
    attributes: tuple[str, ...]

    def fetch(self, subject_id: str) -> dict[str, Any] | None: ...


@dataclass
class SourceRegistry:
    sources: dict[str, PrefillSource] = field(default_factory=dict)

    def register(self, key: str) -> Callable[[type], type]:
        def decorator(cls: type) -> type:
            instance = cls()
            instance.key = key
            self.sources[key] = instance
            return cls

        return decorator

    def get(self, key: str) -> PrefillSource:
        return self.sources[key]


registry = SourceRegistry()
register_source = registry.register
