"""The local stack's settings: its ports and data folder, read from the environment like the service's."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1] / ".data"


class DevStackSettings(BaseSettings):
    """The local stack of ``make run``: its ports and the folder its servers keep their data in."""

    model_config = SettingsConfigDict(env_prefix="", frozen=True)

    api_port: int = 8000
    mailbox_port: int = 1025
    phone_inbox_port: int = 1026  # WhatsApp and SMS, kept beside the mailbox's e-mail
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    # Worker processes; each serves its Prometheus endpoint on 127.0.0.1, the first on
    # ``worker_metrics_port``, the next ones on the ports after it.
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=64)
    worker_metrics_port: int = 9464
    devstack_data_dir: Path = DEFAULT_DATA_DIR

    @property
    def postgres_dir(self) -> Path:
        """The embedded PostgreSQL's data folder, where it also puts its socket."""
        return self.devstack_data_dir.resolve() / "postgres"
