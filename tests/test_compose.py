"""docker-compose.yml and the Dockerfile agree with the code: Docker is not needed to check that.

Start order, published ports, the variables our processes read (derived from the settings classes),
the search attributes Temporal is given, and the modules the containers run.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import tomllib
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic_settings import BaseSettings

from devstack.processes import STOP_GRACE
from devstack.temporal_dev import _CLI_TYPES
from infra.customer_links import CustomerLinkSettings
from infra.delivery_settings import DeliverySettings, WhatsAppWebhookSettings
from infra.settings import CodecServerSettings, PayloadKeySettings, Settings, SlaSettings
from workflows.search_attributes import ALL

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
OUR_IMAGE = ("migrate", "worker", "api")
# The settings each of our processes reads: its connections, then what passes through from the shell.
READS: dict[str, tuple[type[BaseSettings], ...]] = {
    "migrate": (Settings,),
    "worker": (Settings, DeliverySettings, PayloadKeySettings, CustomerLinkSettings),
    "api": (
        Settings,
        SlaSettings,
        PayloadKeySettings,
        CodecServerSettings,
        CustomerLinkSettings,
        WhatsAppWebhookSettings,
    ),
}
COMPLETED, HEALTHY = "service_completed_successfully", "service_healthy"


def env_names(settings: type[BaseSettings]) -> set[str]:
    prefix = settings.model_config.get("env_prefix", "")
    return {f"{prefix}{name}".upper() for name in settings.model_fields}


def env(service: str) -> dict[str, str | None]:
    environment: dict[str, str | None] = SERVICES[service].get("environment", {})
    assert isinstance(environment, dict), f"{service}: write environment as a mapping"
    return environment


def depends_on(service: str) -> dict[str, str]:
    return {name: spec["condition"] for name, spec in SERVICES[service].get("depends_on", {}).items()}


def test_the_stack_has_every_piece() -> None:
    assert set(SERVICES) >= {
        "temporal-db", "temporal-schema", "temporal", "temporal-setup", "temporal-ui",
        "app-db", "migrate", "worker", "api",
    }  # fmt: skip


def test_start_order_is_a_graph_of_existing_services_without_cycles() -> None:
    graph = {name: set(depends_on(name)) for name in SERVICES}
    for name, needs in graph.items():
        assert needs <= set(SERVICES), f"{name} depends on unknown {needs - set(SERVICES)}"
    order = list(TopologicalSorter(graph).static_order())  # raises CycleError on a cycle
    assert order.index("temporal-schema") < order.index("temporal") < order.index("temporal-setup")


def test_waiting_on_health_needs_a_health_check() -> None:
    for name in SERVICES:
        for needed, condition in depends_on(name).items():
            assert condition in (COMPLETED, HEALTHY), f"{name} → {needed}: say what to wait for"
            if condition == HEALTHY:
                assert "healthcheck" in SERVICES[needed], f"{name} waits for {needed}'s health check"


def test_worker_and_api_start_after_migrations_and_temporal_setup_succeeded() -> None:
    for name in ("worker", "api"):
        assert depends_on(name) == {"migrate": COMPLETED, "temporal-setup": COMPLETED}
    assert depends_on("temporal") == {"temporal-schema": COMPLETED}
    assert depends_on("temporal-setup") == {"temporal": HEALTHY}
    assert depends_on("migrate") == {"app-db": HEALTHY}
    # One-shots run to completion: a restart policy would make "completed" never come.
    for name in ("temporal-schema", "temporal-setup", "migrate"):
        assert SERVICES[name].get("restart", "no") == "no", name


@pytest.mark.parametrize("service", OUR_IMAGE)
def test_our_processes_get_the_variables_their_code_reads(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    connections, *passed_through = READS[service]
    given = env(service)
    fixed = {name for name, value in given.items() if value is not None}
    # Connections are set here; everything else the process reads passes through from the shell
    # (unset: the code's default), each variable of its settings, so none can be forgotten.
    assert fixed <= env_names(connections), f"{fixed - env_names(connections)} are read by nothing"
    assert set(given) - fixed == set().union(*map(env_names, passed_through))
    for name in fixed:
        monkeypatch.setenv(name, str(given[name]))
    assert Settings().database_url == given["DATABASE_URL"]
    if service != "migrate":
        assert {"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE"} <= fixed


def seconds(duration: str) -> float:
    """A compose duration such as ``90s`` or ``1m30s``."""
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?", duration)
    assert match and duration, f"unexpected duration {duration!r}"
    hours, minutes, secs = (float(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + secs


def test_docker_waits_for_the_worker_to_finish_its_sends(monkeypatch: pytest.MonkeyPatch) -> None:
    # Compose passes SMTP_TIMEOUT and WEBHOOK_TIMEOUT through: unset, the code's defaults apply.
    for name in env_names(DeliverySettings):
        monkeypatch.delenv(name, raising=False)
    grace = DeliverySettings().longest_attempt.total_seconds()
    # Docker SIGKILLs the worker after stop_grace_period: a send cut off then is sent twice. After its
    # own grace the worker still has to report and close, in the time any of our processes gets for that.
    assert seconds(SERVICES["worker"]["stop_grace_period"]) >= grace + STOP_GRACE
    assert seconds("1m30s") == 90 and seconds("45s") == 45


def test_connections_point_at_the_stacks_own_servers() -> None:
    for name in ("worker", "api"):
        host, port = str(env(name)["TEMPORAL_ADDRESS"]).split(":")
        assert (host, port) == ("temporal", "7233")
        assert env(name)["TEMPORAL_NAMESPACE"] == env("temporal-setup")["TEMPORAL_NAMESPACE"]
    for name in OUR_IMAGE:
        url = urlsplit(str(env(name)["DATABASE_URL"]))
        db = env("app-db")
        assert (url.hostname, url.port) == ("app-db", 5432)
        assert (url.username, url.password) == (db["POSTGRES_USER"], db["POSTGRES_PASSWORD"])
        assert url.path == f"/{db['POSTGRES_DB']}"
    assert env("temporal")["POSTGRES_SEEDS"] == env("temporal-schema")["POSTGRES_HOST"] == "temporal-db"


def test_published_ports() -> None:
    published = {name: SERVICES[name].get("ports", []) for name in SERVICES}
    assert published["api"] == ["8000:8000"]
    assert published["temporal-ui"] == ["8233:8080"]
    assert published["temporal"] == ["7233:7233"]
    assert SERVICES["api"]["command"][-2:] == ["--port", "8000"]
    assert "http://127.0.0.1:8000/readyz" in " ".join(SERVICES["api"]["healthcheck"]["test"])


def test_temporal_setup_creates_our_search_attributes() -> None:
    created = dict(item.split("=") for item in str(env("temporal-setup")["SEARCH_ATTRIBUTES"]).split())
    assert created == {key.name: _CLI_TYPES[key.indexed_value_type] for key in ALL}
    script = (ROOT / "deploy/temporal/setup-namespace.sh").read_text()
    assert "temporal operator search-attribute create" in script and "$SEARCH_ATTRIBUTES" in script


def test_mounted_files_exist() -> None:
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
        entrypoint = service.get("entrypoint", [])
        for part in entrypoint[1:]:
            if part.startswith("/deploy/"):
                assert (ROOT / "deploy/temporal" / part.removeprefix("/deploy/")).is_file(), part


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (INSTRUCTION, arguments), continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def assert_runnable(argv: list[str]) -> None:
    """A container command names a module, a file or an ASGI app that exists in the image."""
    if argv[:2] == ["python", "-m"]:
        assert importlib.util.find_spec(argv[2]) is not None, argv
    elif argv[0] == "python":
        assert (ROOT / argv[1]).is_file(), argv
    elif argv[0] == "uvicorn":
        module, attribute = argv[1].split(":")
        assert hasattr(importlib.import_module(module), attribute), argv
    else:
        raise AssertionError(f"unexpected command {argv}")


def test_the_image_runs_what_exists() -> None:
    instructions = dockerfile()
    base = next(args for op, args in instructions if op == "FROM")
    assert base.startswith("python:3.11-slim")
    assert_runnable(json.loads(next(args for op, args in instructions if op == "CMD")))
    for name in OUR_IMAGE:
        assert SERVICES[name]["build"] == "."
        assert_runnable(SERVICES[name]["command"])


def test_the_image_holds_the_project_and_runs_as_a_user() -> None:
    instructions = dockerfile()
    copied = {args.split()[0] for op, args in instructions if op == "COPY"}
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    top_level = {name.split(".")[0] for name in setuptools["packages"]}
    assert top_level | {f"{module}.py" for module in setuptools["py-modules"]} <= copied
    installs = [args for op, args in instructions if op == "RUN" and "pip install" in args]
    assert installs and not any("[dev]" in args or " -e " in args for args in installs)
    users = [args for op, args in instructions if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    ignored = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    assert {".venv", ".data", ".git"} <= ignored
    assert not copied & ignored, "the Dockerfile copies what .dockerignore leaves out"
