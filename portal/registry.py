"""One registry class for every pluggable concern: outbox topics, routing per agency kind,
prefill sources, notification channels.

One rule for duplicates: a key is registered once. Registering another plugin under a key
already taken raises ValueError, so two plugins can never silently replace each other;
registering the very same object again (a decorator run twice) changes nothing. Looking up an
unknown key raises LookupError (`find` returns None instead).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
P = TypeVar("P")


class Registry(Generic[T]):
    def __init__(self, kind: str) -> None:
        self.kind = kind  # "outbox topic", "prefill source": named in the errors
        self._items: dict[str, T] = {}

    def add(self, key: str, item: T) -> T:
        existing = self._items.get(key)
        if existing is not None and existing is not item:
            raise ValueError(f"{self.kind} {key!r} is already registered")
        self._items[key] = item
        return item

    def register(self, key: str) -> Callable[[P], P]:
        """Decorator: `@registry.register("key")` over the plugin itself."""

        def decorator(plugin: P) -> P:
            self.add(key, plugin)  # type: ignore[arg-type]
            return plugin

        return decorator

    def remove(self, key: str) -> None:
        self._items.pop(key, None)

    def get(self, key: str) -> T:
        try:
            return self._items[key]
        except KeyError as exc:
            raise LookupError(f"no {self.kind} {key!r}") from exc

    def find(self, key: str) -> T | None:
        return self._items.get(key)

    def keys(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._items.values()))
