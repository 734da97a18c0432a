"""The keys that encrypt what the service stores in Temporal: where they come from, and making new ones.

Keys are settings, never files of the repository: ``PAYLOAD_KEYS`` (``k2:<base64>,k1:<base64>``) or
``PAYLOAD_KEY_FILE`` (one ``id:base64`` a line; ``#`` comments and blank lines are skipped). Each key is
32 random bytes (AES-256). The first key encrypts; every key listed decrypts, so a new key goes first and
the old ones stay listed while payloads written under them may still be read.

    python -m infra.payload_keys new k2     # prints a new key, `k2:<base64>`, to add in front
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from infra.settings import PayloadKeySettings

KEY_BYTES = 32  # AES-256
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

HOW_TO_SET = (
    "set PAYLOAD_KEYS to `<id>:<base64 of 32 random bytes>` (several, comma-separated: the first encrypts) "
    "or PAYLOAD_KEY_FILE to a file holding one such line per key; `python -m infra.payload_keys new k1` "
    "prints a new one"
)


class PayloadKeyError(RuntimeError):
    """No key configured, or a key that is not one: the service does not start without its keys."""


@dataclass(frozen=True)
class PayloadKey:
    key_id: str
    secret: bytes

    def __repr__(self) -> str:  # never the secret, in a log line or a traceback
        return f"PayloadKey({self.key_id!r})"


def parse_keys(text: str, source: str) -> tuple[PayloadKey, ...]:
    """The keys in ``text``, the one that encrypts first: entries separated by commas or lines, lines
    starting with ``#`` skipped. ``source`` names where they came from in an error, which never repeats
    a secret."""
    keys: list[PayloadKey] = []
    lines = [line.strip() for line in text.splitlines()]
    entries = [entry.strip() for line in lines if not line.startswith("#") for entry in line.split(",")]
    for number, entry in enumerate((entry for entry in entries if entry), start=1):
        key_id, colon, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not colon or not _KEY_ID.match(key_id):
            raise PayloadKeyError(
                f"{source}, entry {number}: expected `<id>:<base64>`, the id of letters, digits, . _ or -"
            )
        try:
            secret = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error:
            raise PayloadKeyError(f"{source}, key {key_id}: not base64") from None
        if len(secret) != KEY_BYTES:
            raise PayloadKeyError(f"{source}, key {key_id}: {len(secret)} bytes, not {KEY_BYTES}")
        if any(key.key_id == key_id for key in keys):
            raise PayloadKeyError(f"{source}: key id {key_id} is listed twice")
        keys.append(PayloadKey(key_id, secret))
    return tuple(keys)


def load_keys(settings: PayloadKeySettings | None = None) -> tuple[PayloadKey, ...]:
    """The configured keys, newest first; ``PayloadKeyError`` saying what to set when there are none."""
    settings = settings or PayloadKeySettings()
    if settings.payload_keys is not None and settings.payload_key_file is not None:
        raise PayloadKeyError("both PAYLOAD_KEYS and PAYLOAD_KEY_FILE are set: set one of them")
    if settings.payload_keys is not None:
        keys = parse_keys(settings.payload_keys.get_secret_value(), "PAYLOAD_KEYS")
    elif settings.payload_key_file is not None:
        try:
            text = settings.payload_key_file.read_text()
        except OSError as error:
            raise PayloadKeyError(f"PAYLOAD_KEY_FILE {settings.payload_key_file}: {error.strerror}") from None
        keys = parse_keys(text, f"PAYLOAD_KEY_FILE {settings.payload_key_file}")
    else:
        keys = ()
    if not keys:
        raise PayloadKeyError(f"No key to encrypt what is stored in Temporal: {HOW_TO_SET}.")
    return keys


def new_key(key_id: str) -> str:
    """A new key's line, ``<id>:<base64>``."""
    if not _KEY_ID.match(key_id):
        raise PayloadKeyError(f"key id {key_id!r}: letters, digits, '.', '_' or '-' only")
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


def write_key_file(path: Path, key_id: str) -> None:
    """A key file holding one new key, readable by its owner only; an existing file is left as it is."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(new_key(key_id) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "new":
        raise SystemExit("usage: python -m infra.payload_keys new <key id>")
    print(new_key(sys.argv[2]))
