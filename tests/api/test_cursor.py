"""List cursors are opaque, and forged ones are refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.read_model import Cursor


def test_a_cursor_survives_the_round_trip() -> None:
    cursor = Cursor(registered_at=datetime(2026, 3, 2, 9, 15, 0, 123456, tzinfo=UTC), dispute_id="abc")
    assert Cursor.decode(cursor.encode()) == cursor
    assert "=" not in cursor.encode()


@pytest.mark.parametrize("text", ["", "nope", "bm9wZQ", "e30", "!!!!"])
def test_a_forged_cursor_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a cursor"):
        Cursor.decode(text)
