"""The Temporal client, made the same way by the worker, the API, the tests and the replayer.

Where to connect comes from the SDK's own environment configuration, so a remote cluster or Temporal
Cloud needs no code: ``TEMPORAL_ADDRESS``, ``TEMPORAL_NAMESPACE``, ``TEMPORAL_API_KEY``, ``TEMPORAL_TLS``
and ``TEMPORAL_TLS_*`` (certificates, server name), ``TEMPORAL_GRPC_META_*``, or a profile
(``TEMPORAL_PROFILE``) of a TOML file (``TEMPORAL_CONFIG_FILE``, default
``~/.config/temporalio/temporal.toml``). Values set explicitly on ``Settings`` win over all of that.
Its data converter encrypts every payload with the keys of ``PAYLOAD_KEYS`` or ``PAYLOAD_KEY_FILE``.
"""

from __future__ import annotations

from collections.abc import Sequence

from temporalio.client import Client
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.envconfig import ClientConfig, ClientConnectConfig
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from infra import loop_lag
from infra.codec import EncryptionCodec, PayloadConverter
from infra.payload_keys import PayloadKey, load_keys
from infra.settings import PayloadKeySettings, Settings


def data_converter(keys: Sequence[PayloadKey]) -> DataConverter:
    """The one data converter, everywhere (client, worker, replayer, tests, benchmarks): pydantic's JSON,
    then every payload encrypted under ``keys[0]`` (``infra.codec``), failures' messages and stack traces
    included (moved into an encoded payload; a client with the same keys restores them)."""
    return DataConverter(
        payload_converter_class=PayloadConverter,
        payload_codec=EncryptionCodec(keys),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def configured_data_converter(settings: PayloadKeySettings | None = None) -> DataConverter:
    """The data converter with the keys the environment configures (``PAYLOAD_KEYS`` or
    ``PAYLOAD_KEY_FILE``); ``infra.payload_keys.PayloadKeyError`` saying what to set without any."""
    return data_converter(load_keys(settings))


def connect_config(settings: Settings | None = None) -> ClientConnectConfig:
    """``Client.connect``'s arguments, without connecting: the SDK's environment configuration, under the
    address and namespace ``settings`` was given explicitly.

    ``Settings`` reads ``TEMPORAL_ADDRESS`` and ``TEMPORAL_NAMESPACE`` too, so the two agree on those;
    its defaults (``localhost:7233``, ``default``) only fill in what no profile says.
    """
    settings = settings or Settings()
    config = ClientConfig.load_client_connect_config()
    explicit = settings.model_fields_set
    if "temporal_address" in explicit or "target_host" not in config:
        config["target_host"] = settings.temporal_address
    if "temporal_namespace" in explicit or "namespace" not in config:
        config["namespace"] = settings.temporal_namespace
    return config


async def connect(
    settings: Settings | None = None,
    *,
    converter: DataConverter | None = None,
    runtime: Runtime | None = None,
) -> Client:
    """A client with ``converter`` (default: ``configured_data_converter()``); ``runtime`` (default: the
    SDK's) is where its workers' metrics go."""
    converter = converter or configured_data_converter()
    return await Client.connect(**connect_config(settings), data_converter=converter, runtime=runtime)


def prometheus_runtime(bind_address: str) -> Runtime:
    """A runtime serving its metrics for Prometheus at ``http://<bind_address>/metrics``."""
    buckets = {loop_lag.METRIC: [float(b) for b in loop_lag.BUCKETS_MS]}
    metrics = PrometheusConfig(bind_address=bind_address, histogram_bucket_overrides=buckets)
    return Runtime(telemetry=TelemetryConfig(metrics=metrics))
