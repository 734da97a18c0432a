"""Customer data encrypted before it reaches Temporal: the payload codec and what it leaves readable.

Every payload the service hands Temporal (workflow and activity inputs and results, updates, signals,
queries, failures' messages and stack traces) is encrypted with AES-256-GCM under the newest key: the
whole original payload, metadata and data, serialised, behind a fresh 96-bit nonce, with the key's id in
the new payload's metadata (``encoding: binary/encrypted``, ``encryption-key-id``), as Temporal's
samples do. Temporal's storage, its UI and its CLI see only that; the API's codec endpoint (``/codec``)
decodes for operators.

Left readable: payloads the payload converter marked ``readable`` (``workflows.public.PublicText``: the
summaries, and the current details, which hold ids and states only), and on decoding, any payload not
encrypted, such as those written before encryption: running disputes and recorded histories replay.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DefaultPayloadConverter,
    EncodingPayloadConverter,
    JSONPlainPayloadConverter,
    JSONProtoPayloadConverter,
    PayloadCodec,
)

from infra.payload_keys import PayloadKey, PayloadKeyError

ENCODING = "encoding"
ENCRYPTED = b"binary/encrypted"
KEY_ID = "encryption-key-id"
READABLE = "readable"  # the payload converter's mark on a payload to leave in clear; the codec removes it
NONCE_BYTES = 12


class EncryptionCodec(PayloadCodec):
    """AES-256-GCM under ``keys[0]``; decodes what any of ``keys`` encrypted."""

    def __init__(self, keys: Sequence[PayloadKey]) -> None:
        if not keys:
            raise PayloadKeyError("the codec needs at least one key")
        self._key_id = keys[0].key_id.encode()
        self._ciphers = {key.key_id.encode(): AESGCM(key.secret) for key in keys}
        self._cipher = self._ciphers[self._key_id]

    @property
    def key_id(self) -> str:
        """The id of the key that encrypts."""
        return self._key_id.decode()

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._decrypt(payload) for payload in payloads]

    def _encrypt(self, payload: Payload) -> Payload:
        if READABLE in payload.metadata:
            # Stored as any JSON payload, without the mark: Temporal UI and the CLI show it as plain text.
            clear = Payload()
            clear.CopyFrom(payload)
            del clear.metadata[READABLE]
            return clear
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._cipher.encrypt(nonce, payload.SerializeToString(), None)
        return Payload(metadata={ENCODING: ENCRYPTED, KEY_ID: self._key_id}, data=nonce + sealed)

    def _decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get(ENCODING) != ENCRYPTED:
            return payload  # written before encryption, or left readable
        key_id = payload.metadata.get(KEY_ID, b"")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            known = ", ".join(key.decode() for key in self._ciphers)
            raise PayloadKeyError(
                f"a payload is encrypted under key {key_id.decode(errors='replace')!r}, not one of the keys "
                f"configured ({known}): list it in PAYLOAD_KEYS or PAYLOAD_KEY_FILE"
            )
        data = payload.data
        try:
            return Payload.FromString(cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], None))
        except InvalidTag:
            raise PayloadKeyError(
                f"a payload under key {key_id.decode()!r} does not decrypt: altered, or another key "
                "has that id"
            ) from None


def _readable(payload: Payload | None) -> Payload | None:
    if payload is not None:
        payload.metadata[READABLE] = b"true"
    return payload


class _JsonConverter(PydanticJSONPlainPayloadConverter):
    """Pydantic's JSON, marking ``PublicText`` readable."""

    def to_payload(self, value: Any) -> Payload | None:
        payload = super().to_payload(value)
        public = isinstance(value, str) and getattr(value, "readable_without_codec", False) is True
        return _readable(payload) if public else payload


class _ProtoConverter(JSONProtoPayloadConverter):
    """Protobuf JSON, marking the workflow metadata readable: what Temporal UI shows as a workflow's
    current details (``workflows.visibility``: ids and states only) and its handlers' names."""

    def to_payload(self, value: Any) -> Payload | None:
        payload = super().to_payload(value)
        return _readable(payload) if isinstance(value, WorkflowMetadata) else payload


def _ours(converter: EncodingPayloadConverter) -> EncodingPayloadConverter:
    if isinstance(converter, JSONPlainPayloadConverter):
        return _JsonConverter()
    if isinstance(converter, JSONProtoPayloadConverter):
        return _ProtoConverter()
    return converter


# Built once and shared, as the SDK's own default converter shares its: they hold no state, and the SDK
# makes payload converters as it encodes and decodes each workflow activation (76 in a replay of a dispute
# that never resolves). Built each time, they were 2.5 % of the worker's CPU while a burst cleared.
_ENCODINGS = tuple(_ours(c) for c in DefaultPayloadConverter.default_encoding_payload_converters)


class PayloadConverter(CompositePayloadConverter):
    """The SDK's pydantic payload converter, which marks the readable payloads for the codec."""

    def __init__(self) -> None:
        super().__init__(*_ENCODINGS)
