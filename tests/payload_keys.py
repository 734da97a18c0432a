"""The tests' payload key: TEST-ONLY. It is public (it is in the repository), so it protects nothing and
must never encrypt real data; the service refuses to start without keys of its own (``PAYLOAD_KEYS``).

The tests set it as ``PAYLOAD_KEYS`` for their processes and the workers and stacks they start
(``tests/conftest.py``), and ``python -m tests.record_histories`` records with it: the histories of
``tests/histories/`` from ``v8`` on are encrypted under it, and replay with it.
"""

from __future__ import annotations

from infra.payload_keys import parse_keys
from infra.temporal import data_converter

TEST_PAYLOAD_KEYS = "test-only-1:Es92NqVNaRlkWVHzmD/C++77OL95JLmhpzz7eXS2sUI="
TEST_KEYS = parse_keys(TEST_PAYLOAD_KEYS, "the tests' key")
TEST_DATA_CONVERTER = data_converter(TEST_KEYS)
