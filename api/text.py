"""Text as the API accepts it and shows it back: anything PostgreSQL can store and a person can read.

Every text that enters the API goes through :func:`problem`: the string fields of request bodies (the
``Text`` type) and the path and query parameters and headers the app reads (``api.deps``). Refused:
NUL, lone surrogates (halves of a UTF-16 pair, which are not characters: JSON can carry them as
``"\\ud800"``, UTF-8 cannot encode them; in a URL or a header, bytes that are not UTF-8 arrive as such)
and control characters other than newline and tab. NUL and lone surrogates make PostgreSQL and the
Temporal data converter fail; control characters garble what operators, customers and sellers read
(terminal escapes, bells, C1 codes from a mis-decoded text).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

ERROR_TYPE = "invalid_character"

# C0 controls but tab (U+0009) and newline (U+000A), DEL and the C1 controls; then lone surrogates.
_CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f"
_SURROGATE = "\ud800-\udfff"
_REFUSED = re.compile(f"[{_CONTROL}{_SURROGATE}]")


def problem(text: str) -> str | None:
    """What is wrong with ``text``, never quoting it; None if it may enter."""
    found = _REFUSED.search(text)
    if found is None:
        return None
    code = ord(found.group())
    where = f"at position {found.start() + 1}"
    if code == 0:
        what = f"a NUL character (U+0000) {where}"
    elif 0xD800 <= code <= 0xDFFF:
        what = f"a lone surrogate (U+{code:04X}) {where}, which is not a character (or bytes not UTF-8)"
    else:
        what = f"a control character (U+{code:04X}) {where}"
    return f"contains {what}: remove it (text may hold any printable character, newlines and tabs)"


def printable(text: str) -> str:
    """A readable stand-in for ``text`` with every refused character written as its escape.

    For what an answer must name (an unknown field's name in an error's location): it can always be
    encoded, and it shows what was sent without the bytes that would garble a log or a terminal.
    """
    return _REFUSED.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def _checked(value: Any) -> Any:
    if isinstance(value, str) and (message := problem(value)) is not None:
        raise PydanticCustomError(ERROR_TYPE, message)
    return value  # not text: the type's own validation says what is wrong with it


Text = Annotated[str, BeforeValidator(_checked)]
"""Every string field of a request body: refused (422 naming the field) when ``problem`` finds something.

Checked as sent, before blanks are trimmed, so that nothing refused is accepted at either end."""
