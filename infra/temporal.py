"""The Temporal client, made the same way by the worker, the API, the tests and the replayer."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter

from infra.settings import Settings

# One data converter everywhere: changing it (e.g. adding a payload codec) changes it for all.
DATA_CONVERTER: DataConverter = pydantic_data_converter


async def connect(settings: Settings | None = None) -> Client:
    settings = settings or Settings()
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=DATA_CONVERTER,
    )
