"""Small helpers the benchmarks share: running calls at a concurrency, and percentiles."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence


async def run_concurrently(
    n: int, concurrency: int, one: Callable[[int], Awaitable[None]], start: int = 0
) -> None:
    """``one(i)`` for ``i`` in ``start .. start + n``, ``concurrency`` at a time."""
    numbers = iter(range(start, start + n))

    async def lane() -> None:
        for i in numbers:
            await one(i)

    await asyncio.gather(*(lane() for _ in range(concurrency)))


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")
