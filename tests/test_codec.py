"""The payload codec: what it encrypts, what it leaves readable, keys that rotate, failures encoded."""

from __future__ import annotations

import base64
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.exceptions import ApplicationError

from api.app import create_app
from infra.codec import ENCRYPTED, KEY_ID, READABLE, EncryptionCodec, PayloadConverter
from infra.payload_keys import PayloadKey, PayloadKeyError, load_keys, new_key, parse_keys, write_key_file
from infra.settings import PayloadKeySettings, Settings
from infra.temporal import data_converter
from tests.factories import CUSTOMER
from tests.payload_keys import TEST_DATA_CONVERTER
from workflows import public
from workflows.options import ACTION_REFUSED
from workflows.public import PublicText

K1 = parse_keys(new_key("k1"), "test")[0]
K2 = parse_keys(new_key("k2"), "test")[0]
MARKER = "Marker-5b1e Salma Bennani"


def plain(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=f'"{text}"'.encode())


async def test_a_payload_is_encrypted_whole_and_decrypted_back() -> None:
    codec = EncryptionCodec([K1])
    original = plain(MARKER)
    (sealed,) = await codec.encode([original])
    assert dict(sealed.metadata) == {"encoding": ENCRYPTED, KEY_ID: b"k1"}
    assert MARKER.encode() not in sealed.data and b"json/plain" not in sealed.data  # metadata too
    assert await codec.decode([sealed]) == [original]
    (again,) = await codec.encode([original])
    assert again.data[:12] != sealed.data[:12] and again.data != sealed.data  # a fresh nonce each time


async def test_payloads_written_before_encryption_decode_unchanged() -> None:
    old = plain(MARKER)
    assert await EncryptionCodec([K1]).decode([old]) == [old]


async def test_keys_rotate_old_payloads_still_decode_new_ones_carry_the_new_id() -> None:
    (under_k1,) = await EncryptionCodec([K1]).encode([plain(MARKER)])
    rotated = EncryptionCodec([K2, K1])
    assert await rotated.decode([under_k1]) == [plain(MARKER)]
    (under_k2,) = await rotated.encode([plain(MARKER)])
    assert under_k2.metadata[KEY_ID] == b"k2"
    # Once k1 is dropped, what it encrypted no longer decodes, and the error names the missing key.
    with pytest.raises(PayloadKeyError, match="'k1'"):
        await EncryptionCodec([K2]).decode([under_k1])


async def test_an_altered_payload_or_a_wrong_key_under_the_same_id_is_refused() -> None:
    (sealed,) = await EncryptionCodec([K1]).encode([plain(MARKER)])
    altered = Payload(metadata=sealed.metadata, data=sealed.data[:-1] + bytes([sealed.data[-1] ^ 1]))
    with pytest.raises(PayloadKeyError, match="does not decrypt"):
        await EncryptionCodec([K1]).decode([altered])
    impostor = PayloadKey("k1", K2.secret)
    with pytest.raises(PayloadKeyError, match="does not decrypt"):
        await EncryptionCodec([impostor]).decode([sealed])


async def test_the_converter_encrypts_everything_but_public_text_and_workflow_metadata() -> None:
    converter = data_converter([K1])
    summary, details = (
        PublicText("5 days: SLA breach"),
        WorkflowMetadata(current_details="**open** at tier 1"),
    )
    readable_summary, readable_details, secret, model = await converter.encode(
        [summary, details, MARKER, CUSTOMER]
    )
    # Stored as any JSON payload, the mark removed: what Temporal UI and the CLI show without the codec.
    assert dict(readable_summary.metadata) == {"encoding": b"json/plain"}
    assert readable_summary.data == b'"5 days: SLA breach"'
    assert (
        readable_details.metadata["encoding"] == b"json/protobuf"
        and READABLE not in readable_details.metadata
    )
    for payload in (secret, model):
        assert payload.metadata["encoding"] == ENCRYPTED
        assert b"Salma" not in payload.data
    assert await converter.decode([readable_summary, secret, model], [str, str, type(CUSTOMER)]) == [
        summary,
        MARKER,
        CUSTOMER,
    ]


def test_payload_converters_share_their_encodings() -> None:
    # The SDK makes payload converters as it encodes and decodes each workflow activation: building their
    # encodings each time cost CPU.
    first, second = PayloadConverter(), PayloadConverter()
    assert first.converters.keys() == second.converters.keys()
    assert all(first.converters[encoding] is second.converters[encoding] for encoding in first.converters)


async def test_public_text_from_a_copy_of_its_module_is_readable_too() -> None:
    """As in the workflow sandbox, which may import ``workflows.public`` afresh: another class object."""
    spec = importlib.util.spec_from_file_location("sandboxed_public", Path(public.__file__ or ""))
    assert spec is not None and spec.loader is not None
    copy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(copy)
    assert copy.PublicText is not PublicText
    (payload,) = await data_converter([K1]).encode([copy.PublicText("5 days: SLA breach")])
    assert payload.metadata["encoding"] == b"json/plain"


async def test_a_refusal_s_message_is_encrypted_and_a_client_with_the_keys_restores_it() -> None:
    refusal = ApplicationError(f"refused: {MARKER}", type=ACTION_REFUSED, non_retryable=True)
    failure = Failure()
    await TEST_DATA_CONVERTER.encode_failure(refusal, failure)
    assert failure.message == "Encoded failure" and failure.application_failure_info.type == ACTION_REFUSED
    assert MARKER.encode() not in failure.SerializeToString()
    assert failure.encoded_attributes.metadata["encoding"] == ENCRYPTED
    restored = await TEST_DATA_CONVERTER.decode_failure(failure)
    assert isinstance(restored, ApplicationError)
    assert (restored.message, restored.type) == (f"refused: {MARKER}", ACTION_REFUSED)


@pytest.fixture
def no_key_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the keys a test gives (the settings read the environment too)."""
    monkeypatch.delenv("PAYLOAD_KEYS", raising=False)
    monkeypatch.delenv("PAYLOAD_KEY_FILE", raising=False)


def test_keys_from_the_environment_newest_first(no_key_set: None) -> None:
    line = f"{new_key('k2')}, {new_key('k1')}"
    keys = load_keys(PayloadKeySettings(payload_keys=SecretStr(line)))
    assert [key.key_id for key in keys] == ["k2", "k1"]
    assert all(len(key.secret) == 32 for key in keys) and "secret" not in repr(keys)


def test_keys_from_a_file_written_for_its_owner_only(no_key_set: None, tmp_path: Path) -> None:
    path = tmp_path / "payload-keys"
    write_key_file(path, "local-1")
    assert path.stat().st_mode & 0o777 == 0o600
    with path.open("a") as file:
        file.write(f"# the previous key, still read\n\n{new_key('local-0')}\n")
    keys = load_keys(PayloadKeySettings(payload_key_file=path))
    assert [key.key_id for key in keys] == ["local-1", "local-0"]
    first = path.read_text()
    with pytest.raises(FileExistsError):  # never overwritten: what it encrypted would be lost
        write_key_file(path, "local-2")
    assert path.read_text() == first


@pytest.mark.parametrize(
    ("keys", "key_file", "error"),
    [
        (None, None, "No key to encrypt"),
        (" , ", None, "No key to encrypt"),
        (new_key("k1"), Path("keys"), "set one of them"),
        ("no-colon", None, "expected `<id>:<base64>`"),
        ("k1:not base64!", None, "not base64"),
        (f"k1:{base64.b64encode(b'short').decode()}", None, "5 bytes"),
        (f"{new_key('k1')},{new_key('k1')}", None, "listed twice"),
        (None, Path("/nonexistent/keys"), "PAYLOAD_KEY_FILE /nonexistent/keys"),
    ],
)
def test_no_key_or_a_bad_one_stops_the_service_saying_why(
    no_key_set: None, keys: str | None, key_file: Path | None, error: str
) -> None:
    settings = PayloadKeySettings(payload_keys=keys, payload_key_file=key_file)
    with pytest.raises(PayloadKeyError, match=re.escape(error)) as raised:
        load_keys(settings)
    if keys:  # an error never repeats a secret
        assert all(
            entry.partition(":")[2] not in str(raised.value) for entry in keys.split(",") if ":" in entry
        )


def test_without_a_key_the_worker_does_not_start_and_says_what_to_set(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYLOAD_KEY")}
    env["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none"  # never reached
    root = Path(__file__).resolve().parents[1]
    run = subprocess.run(
        [sys.executable, str(root / "worker.py")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1 and "set PAYLOAD_KEYS" in run.stderr, run.stderr


async def test_without_a_key_the_api_does_not_start(no_key_set: None) -> None:
    app = create_app(Settings(database_url="postgresql://nobody@127.0.0.1:1/none"))
    with pytest.raises(PayloadKeyError, match="set PAYLOAD_KEYS"):
        async with app.router.lifespan_context(app):
            pass
