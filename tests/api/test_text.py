"""Text the API accepts: printable characters, newlines and tabs; never NUL, lone surrogates or controls."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel, ValidationError

from api.text import Text, printable, problem


@pytest.mark.parametrize(
    "text",
    [
        "Commande payée le 3, toujours pas livrée.",
        "الطلب لم يصل بعد",
        "Line one\nline two\twith a tab",
        "Parcel 📦 crushed",
        "",
    ],
)
def test_printable_text_newlines_and_tabs_may_enter(text: str) -> None:
    assert problem(text) is None


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Amina\x00", "a NUL character (U+0000) at position 6"),
        ("x\ud800y", "a lone surrogate (U+D800) at position 2"),
        ("x\udfffy", "a lone surrogate (U+DFFF) at position 2"),
        ("\x1b[31mred", "a control character (U+001B) at position 1"),
        ("bell\x07", "a control character (U+0007) at position 5"),
        ("cr\rlf", "a control character (U+000D) at position 3"),
        ("del\x7f", "a control character (U+007F) at position 4"),
        ("c1\x85", "a control character (U+0085) at position 3"),
    ],
)
def test_nul_lone_surrogates_and_control_characters_are_named_not_quoted(text: str, named: str) -> None:
    message = problem(text)
    assert message is not None and named in message
    assert "remove it" in message
    assert not [word for word in re.findall(r"\w{4,}", text) if word in message]  # "Amina", "bell"


def test_a_text_field_refuses_what_was_sent_before_trimming_it() -> None:
    class Body(BaseModel, str_strip_whitespace=True):
        note: Text

    assert Body(note="  fine\n").note == "fine"
    with pytest.raises(ValidationError) as refused:
        Body(note="fine\x1f")  # str.strip() would have removed U+001F quietly
    (error,) = refused.value.errors()
    assert (error["loc"], error["type"]) == (("note",), "invalid_character")


def test_printable_writes_refused_characters_as_escapes() -> None:
    assert printable("a\x00b\ud800c\x1bd\ne\tf") == "a\\u0000b\\ud800c\\u001bd\ne\tf"
    printable("\ud800").encode()  # always encodable
