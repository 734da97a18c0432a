"""Settings read from the environment; the one place that knows variable names and defaults."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from workflows.models import SlaPolicy

TASK_QUEUE = "disputes"


class SlaSettings(BaseSettings, SlaPolicy):
    """``SLA_*`` variables: durations as ISO 8601 (``PT24H``, ``P5D``) or seconds (``86400``)."""

    model_config = SettingsConfigDict(env_prefix="SLA_", frozen=True)

    def policy(self) -> SlaPolicy:
        return SlaPolicy.model_validate(self.model_dump())


class Settings(BaseSettings):
    """Connections. ``DATABASE_URL`` unset means: use the embedded PostgreSQL of the local stack."""

    model_config = SettingsConfigDict(env_prefix="", frozen=True)

    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    database_url: str | None = None
    task_queue: str = TASK_QUEUE


class DevStackSettings(BaseSettings):
    """The local stack of ``make run``: its ports and the folder its servers keep their data in."""

    model_config = SettingsConfigDict(env_prefix="", frozen=True)

    api_port: int = 8000
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    devstack_data_dir: Path = Path(__file__).resolve().parents[1] / ".data"
