"""What a process computes once per key and keeps: compiled statements, form classes, which menu
items a user may open. Bounded, the oldest key out first; a key must name everything the kept
value depends on (each user has a test comparing the kept value with a fresh one)."""

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class ProcessMemo(Generic[T]):
    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[Hashable, T] = OrderedDict()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """compute() at the first use of `key`, the kept value after it."""
        found = self._entries.get(key)
        if found is None:
            found = self._entries[key] = compute()
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return found

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(list(self._entries))
