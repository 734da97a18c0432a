"""Connecting to a remote Temporal or Temporal Cloud takes only environment variables or a profile file.

Nothing here opens a connection: ``connect_config`` is what ``connect`` hands to ``Client.connect``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.converter import DefaultFailureConverterWithEncodedAttributes
from temporalio.service import TLSConfig

from infra.codec import EncryptionCodec, PayloadConverter
from infra.payload_keys import PayloadKeyError
from infra.settings import Settings
from infra.temporal import connect, connect_config
from tests.payload_keys import TEST_KEYS

CLOUD_ADDRESS = "jamla24-prod.a1b2c.tmprl.cloud:7233"
CLOUD_NAMESPACE = "jamla24-prod.a1b2c"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No TEMPORAL_* variable from the machine, and no profile file unless a test writes one."""
    for name in list(os.environ):
        if name.startswith("TEMPORAL_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", str(tmp_path / "absent.toml"))


def test_without_configuration_it_is_the_local_dev_server() -> None:
    assert connect_config() == {"target_host": "localhost:7233", "namespace": "default"}


def test_temporal_cloud_with_an_api_key_turns_tls_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", CLOUD_ADDRESS)
    monkeypatch.setenv("TEMPORAL_NAMESPACE", CLOUD_NAMESPACE)
    monkeypatch.setenv("TEMPORAL_API_KEY", "secret-key")
    assert connect_config() == {
        "target_host": CLOUD_ADDRESS,
        "namespace": CLOUD_NAMESPACE,
        "api_key": "secret-key",
        "tls": True,
    }


def test_an_api_key_without_tls_when_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_API_KEY", "secret-key")
    monkeypatch.setenv("TEMPORAL_TLS", "false")  # e.g. a sidecar that terminates TLS
    config = connect_config()
    assert (config["api_key"], config["tls"]) == ("secret-key", False)


def test_mutual_tls_with_certificate_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    files = {"ca.pem": b"CA", "client.pem": b"CERT", "client.key": b"KEY"}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    monkeypatch.setenv("TEMPORAL_ADDRESS", "temporal.internal:7233")
    monkeypatch.setenv("TEMPORAL_TLS_SERVER_CA_CERT_PATH", str(tmp_path / "ca.pem"))
    monkeypatch.setenv("TEMPORAL_TLS_CLIENT_CERT_PATH", str(tmp_path / "client.pem"))
    monkeypatch.setenv("TEMPORAL_TLS_CLIENT_KEY_PATH", str(tmp_path / "client.key"))
    monkeypatch.setenv("TEMPORAL_TLS_SERVER_NAME", "temporal.internal")
    tls = connect_config()["tls"]
    assert isinstance(tls, TLSConfig)
    assert (tls.server_root_ca_cert, tls.client_cert, tls.client_private_key) == (b"CA", b"CERT", b"KEY")
    assert tls.domain == "temporal.internal"


def test_a_profile_from_the_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config_file = tmp_path / "temporal.toml"
    config_file.write_text(
        f'[profile.cloud]\naddress = "{CLOUD_ADDRESS}"\nnamespace = "{CLOUD_NAMESPACE}"\napi_key = "k"\n'
    )
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", str(config_file))
    monkeypatch.setenv("TEMPORAL_PROFILE", "cloud")
    # The profile's address and namespace stand: Settings' defaults only fill gaps.
    assert connect_config() == {
        "target_host": CLOUD_ADDRESS,
        "namespace": CLOUD_NAMESPACE,
        "api_key": "k",
        "tls": True,
    }


def test_explicit_settings_win_and_keep_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", CLOUD_ADDRESS)
    monkeypatch.setenv("TEMPORAL_API_KEY", "secret-key")
    config = connect_config(Settings(temporal_address="127.0.0.1:7999", temporal_namespace="test"))
    assert config == {
        "target_host": "127.0.0.1:7999",
        "namespace": "test",
        "api_key": "secret-key",
        "tls": True,
    }


async def test_connect_passes_the_config_and_our_data_converter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_API_KEY", "secret-key")
    seen: dict[str, Any] = {}

    async def fake_connect(**kwargs: Any) -> Client:
        seen.update(kwargs)
        return object()  # type: ignore[return-value]  # never used: nothing is contacted

    monkeypatch.setattr(Client, "connect", fake_connect)
    await connect(Settings(temporal_address="temporal:7233"))
    converter = seen.pop("data_converter")
    assert seen == {
        "target_host": "temporal:7233",
        "namespace": "default",
        "api_key": "secret-key",
        "tls": True,
        "runtime": None,  # the SDK's default runtime; the worker passes one serving its metrics
    }
    # Encrypting with the environment's keys (the tests': conftest), failure messages included.
    assert converter.payload_converter_class is PayloadConverter
    assert isinstance(converter.payload_codec, EncryptionCodec)
    assert converter.payload_codec.key_id == TEST_KEYS[0].key_id
    assert converter.failure_converter_class is DefaultFailureConverterWithEncodedAttributes


async def test_without_payload_keys_it_refuses_and_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAYLOAD_KEYS")

    async def fake_connect(**kwargs: Any) -> Client:
        raise AssertionError("connected without keys")

    monkeypatch.setattr(Client, "connect", fake_connect)
    with pytest.raises(PayloadKeyError, match=r"set PAYLOAD_KEYS .* or PAYLOAD_KEY_FILE"):
        await connect(Settings(temporal_address="temporal:7233"))
