"""The Temporal client, made the same way by the worker, the API, the tests and the replayer.

Where to connect comes from the SDK's own environment configuration, so a remote cluster or Temporal
Cloud needs no code: ``TEMPORAL_ADDRESS``, ``TEMPORAL_NAMESPACE``, ``TEMPORAL_API_KEY``, ``TEMPORAL_TLS``
and ``TEMPORAL_TLS_*`` (certificates, server name), ``TEMPORAL_GRPC_META_*``, or a profile
(``TEMPORAL_PROFILE``) of a TOML file (``TEMPORAL_CONFIG_FILE``, default
``~/.config/temporalio/temporal.toml``). Values set explicitly on ``Settings`` win over all of that.
"""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.envconfig import ClientConfig, ClientConnectConfig
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from infra.settings import Settings

# One data converter everywhere: changing it (e.g. adding a payload codec) changes it for all.
DATA_CONVERTER: DataConverter = pydantic_data_converter


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


async def connect(settings: Settings | None = None, *, runtime: Runtime | None = None) -> Client:
    """A client; ``runtime`` (default: the SDK's) is where its workers' metrics go."""
    return await Client.connect(**connect_config(settings), data_converter=DATA_CONVERTER, runtime=runtime)


def prometheus_runtime(bind_address: str) -> Runtime:
    """A runtime serving its metrics for Prometheus at ``http://<bind_address>/metrics``."""
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=bind_address)))
