"""Text as the API accepts it and shows it back.

Refused characters: NUL, lone surrogates (halves of a UTF-16 pair, which are not characters: JSON can
carry them as ``"\\ud800"``, and UTF-8 cannot encode them) and control characters other than newline
and tab. NUL and lone surrogates make PostgreSQL and the Temporal data converter fail; control
characters garble what operators, customers and sellers read (terminal escapes, bells, C1 codes from a
mis-decoded text).
"""

from __future__ import annotations

import re

# C0 controls but tab (U+0009) and newline (U+000A), DEL and the C1 controls; then lone surrogates.
_CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f"
_SURROGATE = "\ud800-\udfff"
_REFUSED = re.compile(f"[{_CONTROL}{_SURROGATE}]")


def printable(text: str) -> str:
    """A readable stand-in for ``text`` with every refused character written as its escape.

    For what an answer must name (an unknown field's name in an error's location): it can always be
    encoded, and it shows what was sent without the bytes that would garble a log or a terminal.
    """
    return _REFUSED.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
