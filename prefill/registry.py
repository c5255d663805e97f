"""Prefill sources register here; each declares the attributes it offers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from portal.registry import Registry


class SourceUnavailableError(Exception):
    """The registry did not answer (down, slow, refused): the person types the data instead."""


class PrefillSource(Protocol):
    key: str
    label: str  # shown beside each value: "from the national population database"
    attributes: tuple[str, ...]

    def fetch(self, subject_id: str) -> dict[str, Any] | None: ...


class SourceRegistry(Registry[PrefillSource]):
    """Source key -> an instance of the source class (portal.registry's rules)."""

    def __init__(self) -> None:
        super().__init__("prefill source")

    def register(self, key: str) -> Callable[[type], type]:  # type: ignore[override]
        def decorator(cls: type) -> type:
            instance = cls()
            instance.key = key
            self.add(key, instance)
            return cls

        return decorator


registry = SourceRegistry()
register_source = registry.register
