"""Text the API accepts: printable characters, newlines and tabs; never NUL, lone surrogates or controls."""

from __future__ import annotations

import re
from enum import StrEnum

import pytest
from pydantic import BaseModel, Field, ValidationError

from api import schemas
from api.text import Text, TextModel, printable, problem


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


class Colour(StrEnum):
    RED = "red"


class Fields(BaseModel):
    """Fields declared without the API's check, as the workflow's models declare them."""

    note: str = Field(max_length=5)
    maybe: str | None = None
    lines: list[str] = Field(default_factory=list)
    colour: Colour = Colour.RED
    count: int = 0


class Checked(TextModel, Fields, str_strip_whitespace=True):
    pass


def test_a_text_model_checks_the_text_fields_it_derives_and_keeps_their_limits() -> None:
    assert (
        Checked(note=" ok ", lines=[" a ", "b\tc"]).model_dump()
        == Fields(note="ok", lines=["a", "b\tc"]).model_dump()
    )
    with pytest.raises(ValidationError) as refused:
        Checked.model_validate(
            {"note": "a\x00", "maybe": "\x1b", "lines": ["fine", "x\ud800", "bell\x07"], "count": 2}
        )
    assert [(e["loc"], e["type"]) for e in refused.value.errors()] == [
        (("note",), "invalid_character"),
        (("maybe",), "invalid_character"),
        (("lines", 1), "invalid_character"),
        (("lines", 2), "invalid_character"),
    ]
    with pytest.raises(ValidationError, match="at most 5 characters"):
        Checked(note="longer")


def test_a_text_model_leaves_enums_and_numbers_to_their_own_types() -> None:
    with pytest.raises(ValidationError) as refused:
        Checked.model_validate({"note": "ok", "colour": "r\x00", "count": "1\x00"})
    assert [(e["loc"], e["type"]) for e in refused.value.errors()] == [
        (("colour",), "enum"),
        (("count",), "int_parsing"),
    ]


def test_every_request_body_is_a_text_model() -> None:
    """Request bodies (unknown fields refused) check their text, whichever model declared the field."""
    bodies = [
        model
        for model in vars(schemas).values()
        if isinstance(model, type)
        and issubclass(model, BaseModel)
        and model.model_config.get("extra") == "forbid"
    ]
    assert len(bodies) > 10
    assert [body.__name__ for body in bodies if not issubclass(body, TextModel)] == []
