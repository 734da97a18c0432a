"""Text as the API accepts it and shows it back: anything PostgreSQL can store and a person can read.

Every text that enters the API goes through :func:`problem`: the string fields of request bodies (each
body is a :class:`TextModel`) and the path and query parameters and headers the app reads (``api.deps``).
Refused: NUL, lone surrogates (halves of a UTF-16 pair, which are not characters: JSON can carry them
as ``"\\ud800"``, UTF-8 cannot encode them; in a URL or a header, bytes that are not UTF-8 arrive as
such) and control characters other than newline and tab. NUL and lone surrogates make PostgreSQL and
the Temporal data converter fail; control characters garble what operators, customers and sellers read
(terminal escapes, bells, C1 codes from a mis-decoded text).
"""

from __future__ import annotations

import re
from functools import cache
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ValidationError, ValidationInfo, field_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

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
"""A string refused (422 naming the field) when ``problem`` finds something; what ``TextModel`` applies
to each text field of a body, and the base of the API's own text types (``api.contact``).

Checked as sent, before blanks are trimmed, so that nothing refused is accepted at either end."""


class TextModel(BaseModel):
    """A model whose every text field is checked as ``Text`` is, wherever the field was declared.

    Request bodies derive their fields from the workflow's models, where each field and its limits are
    written once; refusing control characters is the API's concern, not the workflow's. So a body derives
    from both, and every field declared ``str``, ``str | None`` or ``list[str]`` is checked as sent, before
    blanks are trimmed, a list item by item (``["questions", 2]``). Enums, dates and numbers are left to
    their own types, as ``Text`` leaves them.
    """

    @field_validator("*", mode="before")
    @classmethod
    def _printable(cls, value: Any, info: ValidationInfo) -> Any:
        kind = _kind(cls, info.field_name) if info.field_name else None
        if kind == "text":
            return _checked(value)
        if kind == "texts" and isinstance(value, list):
            refused: list[InitErrorDetails] = [
                {"type": PydanticCustomError(ERROR_TYPE, message), "loc": (index,), "input": item}
                for index, item in enumerate(value)
                if isinstance(item, str) and (message := problem(item)) is not None
            ]
            if refused:
                raise ValidationError.from_exception_data(cls.__name__, refused)
        return value


@cache
def _kind(model: type[BaseModel], field: str) -> Literal["text", "texts"] | None:
    return _kind_of(model.model_fields[field].annotation)


def _kind_of(annotation: Any) -> Literal["text", "texts"] | None:
    """``text`` for ``str`` (in ``Annotated`` or with ``None``), ``texts`` for a list of them."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _kind_of(get_args(annotation)[0])
    if origin in (Union, UnionType):
        kinds = {_kind_of(option) for option in get_args(annotation) if option is not NoneType}
        return kinds.pop() if len(kinds) == 1 else None
    if origin is list:
        return "texts" if _kind_of(get_args(annotation)[0]) == "text" else None
    return "text" if annotation is str else None
