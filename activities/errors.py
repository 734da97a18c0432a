"""How activities report database errors to Temporal: bad data fails for good, the rest is retried."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
from temporalio.exceptions import ApplicationError

from workflows.options import BAD_DATA


@contextmanager
def bad_data_is_final(action: str) -> Iterator[None]:
    """Turn errors that a retry cannot fix into a non-retryable ``BadData`` failure.

    Invalid values and violated constraints fail the same way on every attempt. Connection and
    serialisation errors propagate unchanged, so Temporal retries them. The message names only
    schema objects: PostgreSQL's own message and detail may quote the offending values (PII), so
    neither they nor the original exception travel into the failure or the logs.
    """
    try:
        yield
    except (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError) as exc:
        where = ", ".join(
            f"{label} {value}"
            for label, value in (
                ("table", exc.table_name),
                ("column", exc.column_name),
                ("constraint", exc.constraint_name),
            )
            if value
        )
        message = f"{action}: {type(exc).__name__} (SQLSTATE {exc.sqlstate}{'; ' + where if where else ''})"
        raise ApplicationError(message, type=BAD_DATA, non_retryable=True) from None
