"""Settings read from the environment; the one place that knows the service's variable names and defaults.

The local stack's own (ports, data folder) are ``devstack.settings``'.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from infra.holidays import moroccan_business_calendar
from workflows import patches
from workflows.sla_policy import Duration, SlaPolicy

TASK_QUEUE = "disputes"


class SlaSettings(BaseSettings, SlaPolicy):
    """``SLA_*`` variables: durations as ISO 8601 (``PT24H``, ``P5D``) or seconds (``86400``).

    ``SLA_CLOCK=business`` counts every clock in Jamla24's hours, closed on Morocco's public holidays;
    operators correct those with JSON lists of dates: ``SLA_HOLIDAYS_ADDED='["2026-03-20"]'``,
    ``SLA_HOLIDAYS_MOVED='{"2026-05-27": "2026-05-28"}'``, ``SLA_HOLIDAYS_REMOVED``.
    """

    model_config = SettingsConfigDict(env_prefix="SLA_", frozen=True)

    clock: Literal["calendar", "business"] = "calendar"
    holidays_added: list[date] = []
    holidays_moved: dict[date, date] = {}
    holidays_removed: list[date] = []

    def policy(self, today: date | None = None) -> SlaPolicy:
        """The policy to copy into a dispute opened ``today``."""
        fields = self.model_dump(include=set(SlaPolicy.model_fields))
        if self.clock == "business" and self.business_hours is None:
            year = (today or datetime.now(UTC).date()).year
            fields["business_hours"] = moroccan_business_calendar(
                [year, year + 1], self.holidays_added, self.holidays_moved, self.holidays_removed
            )
        return SlaPolicy.model_validate(fields)


class Settings(BaseSettings):
    """Connections. ``DATABASE_URL`` unset means: use the embedded PostgreSQL of the local stack."""

    model_config = SettingsConfigDict(env_prefix="", frozen=True)

    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    database_url: str | None = None
    task_queue: str = TASK_QUEUE
    # The worker's Prometheus endpoint (the SDK's worker metrics and the dispute counters), host:port;
    # empty turns it off. Inside a container, bind 0.0.0.0 for a scraper outside it to reach.
    metrics_bind: str = "127.0.0.1:9464"


class WorkerSettings(BaseSettings):
    """``WORKER_*``: how a worker process takes on work. The defaults were chosen by measurement
    (``bench/deadline_burst.py``, ``bench/open_disputes.py``; README, Performance)."""

    model_config = SettingsConfigDict(env_prefix="WORKER_", frozen=True)

    # Disputes kept in memory between their tasks; one not cached is replayed from its history.
    max_cached_workflows: int = Field(default=1000, ge=0)
    # How long a task waits for the worker that has its dispute cached before any worker takes it and
    # replays it. It must outlast a burst, whose tasks wait their turn on that worker: each one timed out
    # is replayed in full, which makes the burst longer still. The SDK's 10 s made 1 000 deadlines due
    # together a replay storm; 60 s held for 1 000 but not for 3 000, more than the cache holds (1 376
    # timeouts, 159 s to clear); 300 s: none, 96 s. The price: a worker killed outright (a stop tells the
    # server) holds the tasks already sent to it this long; the server sends later ones to other workers
    # once it sees that worker no longer polling.
    sticky_timeout: Duration = timedelta(seconds=300)  # ISO 8601 (`PT300S`) or seconds (`300`)
    # Deliveries at a time (short SMTP and webhook calls; the database writes are local activities): the
    # delivery activities, and as many events' first attempts, run locally (``activities.first_delivery``).
    # Few at a time leaves the CPU to the workflow tasks that record what is due: in a burst of 1 000
    # escalations, 8 cleared it in 14 s, 16 in 17 s, the SDK's default (unbounded) in 19 s. Deliveries
    # beyond it wait their turn on the server.
    max_concurrent_activities: int = Field(default=8, ge=1)
    # Workflow tasks a worker holds at a time (the SDK's default). Each activation runs on a thread, and
    # the threads share the process's one interpreter with its event loop. 16 held a new dispute's task
    # 214-251 ms instead of 860-1 171 ms, at the same processing rate (27.5-29.9 /s), and cleared a burst of
    # 1 000 escalations no faster (19.9 and 23.6 s, against 18.9 and 15.8 s): the worker's CPU is the limit,
    # not how many tasks it holds. Tasks beyond it wait on the server.
    max_concurrent_workflow_tasks: int = Field(default=100, ge=2)
    # Workflow code runs in the SDK's sandbox, which catches non-deterministic calls as they happen; off,
    # it runs as plain Python, at about two thirds of the CPU per task (README, Performance), with determinism
    # kept by the code's rules and the replay tests alone.
    sandbox: bool = True
    # Patch ids (``workflows/patches.py``) this worker leaves off in the disputes it starts, while workers
    # of the previous release, which would not replay them, still run (README, upgrading the workflow).
    held_patches: frozenset[str] = frozenset()

    @field_validator("held_patches")
    @classmethod
    def _known_patches(cls, held: frozenset[str]) -> frozenset[str]:
        if unknown := held - patches.IDS:
            raise ValueError(f"not patch ids of workflows/patches.py: {sorted(unknown)}")
        return held


class PayloadKeySettings(BaseSettings):
    """The keys that encrypt every payload the service stores in Temporal (``infra.payload_keys``): one of
    ``PAYLOAD_KEYS`` (``k2:<base64>,k1:<base64>``, the first encrypts) or ``PAYLOAD_KEY_FILE``."""

    model_config = SettingsConfigDict(env_prefix="", frozen=True)

    payload_keys: SecretStr | None = None
    payload_key_file: Path | None = None


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


class CodecServerSettings(BaseSettings):
    """``CODEC_*``: who may call the API's codec endpoint (``/codec``) from a browser.

    ``CODEC_UI_ORIGINS``: the Temporal UI origins (comma-separated) whose pages may call it (CORS), e.g.
    ``https://cloud.temporal.io``. ``CODEC_TRUST_LOCAL_UI``: the local stack's only, which sets it: a
    request from one of those origins needs no operator key (the local UI cannot send one); allowed only
    when every origin is on this machine (localhost). ``CODEC_JWT_*``, ``CODEC_JWKS_*``: the identity
    provider whose access tokens (those Temporal UI forwards) name an operator (README, Customer data).
    """

    model_config = SettingsConfigDict(env_prefix="CODEC_", frozen=True)

    ui_origins: str = "http://localhost:8233"
    trust_local_ui: bool = False
    # The access token Temporal UI forwards ("pass access token"), accepted as a bearer when it comes from
    # this identity provider (its ``iss``), signed by one of its keys (a JWKS, at a URL or in a file), for
    # this audience (optional) and of a listed operator: e-mails or subjects, comma-separated. Without an
    # issuer, only operator keys decode.
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwks_url: str | None = None
    jwks_file: Path | None = None
    jwt_operators: str = ""

    @property
    def origins(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.ui_origins.split(",") if origin.strip()]

    @property
    def operators(self) -> frozenset[str]:
        """The listed e-mails and subjects, as ``api.codec_tokens`` compares them (case aside)."""
        return frozenset(name.strip().lower() for name in self.jwt_operators.split(",") if name.strip())

    @model_validator(mode="after")
    def _tokens_configured_whole(self) -> Self:
        """Half a token setup fails at start rather than refusing every token at the first decode."""
        keys = [name for name, value in (("URL", self.jwks_url), ("FILE", self.jwks_file)) if value]
        if not self.jwt_issuer:
            if keys or self.jwt_audience or self.operators:
                raise ValueError("the CODEC_JWT_* and CODEC_JWKS_* settings need CODEC_JWT_ISSUER")
            return self
        if len(keys) != 1:
            raise ValueError("CODEC_JWT_ISSUER needs its keys: one of CODEC_JWKS_URL or CODEC_JWKS_FILE")
        if not self.operators:
            raise ValueError("CODEC_JWT_ISSUER needs CODEC_JWT_OPERATORS: the e-mails or subjects who decode")
        return self

    @model_validator(mode="after")
    def _trust_local_only(self) -> Self:
        remote = [origin for origin in self.origins if urlsplit(origin).hostname not in LOOPBACK_HOSTS]
        if self.trust_local_ui and remote:
            raise ValueError(
                f"CODEC_TRUST_LOCAL_UI is for the local stack only, and {', '.join(remote)} is not local: "
                "unset it (operators then send their key)"
            )
        return self


class RetentionSettings(BaseSettings):
    """``DATA_RETENTION``: how long a closed dispute keeps its customer's personal data (law 09-08), ISO
    8601 (``P730D``) or seconds; then the daily erasure replaces it by ``[erased]``. Independent of the
    ``SLA_*`` policy. Temporal's namespace retention must be shorter (README, Retention and erasure)."""

    model_config = SettingsConfigDict(env_prefix="DATA_", frozen=True)

    retention: Duration = timedelta(days=730)
