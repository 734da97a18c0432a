"""What the service runs never imports the local stack, and the plumbing under it never imports the API.

Read from the source (every ``import`` statement, in functions too), so a new module is checked as soon
as it exists, without importing anything.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICE = ("api", "activities", "workflows", "infra", "worker.py")


def sources(*places: str) -> list[Path]:
    found: list[Path] = []
    for place in places:
        path = ROOT / place
        found += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return found


def imported(path: Path) -> set[str]:
    """The modules ``path`` imports, by their full dotted names."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return names


def importers(places: tuple[str, ...], package: str) -> dict[str, set[str]]:
    """The files under ``places`` importing ``package`` or one of its modules, and what they import."""
    found: dict[str, set[str]] = {}
    for path in sources(*places):
        hits = {name for name in imported(path) if name == package or name.startswith(f"{package}.")}
        if hits:
            found[str(path.relative_to(ROOT))] = hits
    return found


def test_the_reader_sees_imports_in_functions_and_of_submodules(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text("def later() -> None:\n    from devstack import stack\n    import devstack.mailbox\n")
    assert imported(module) == {"devstack", "devstack.stack", "devstack.mailbox"}


def test_the_service_never_imports_the_local_stack() -> None:
    assert len(sources(*SERVICE)) > 40  # the walk found the code
    assert importers(SERVICE, "devstack") == {}


def test_infra_never_imports_the_api() -> None:
    assert importers(("infra",), "api") == {}


def test_the_local_stack_is_neither_installed_with_the_service_nor_in_its_image() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert not [name for name in setuptools["packages"] if name.split(".")[0] == "devstack"]
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    copies = [line.split()[1:] for line in lines if line.startswith("COPY")]
    assert copies and not [args for args in copies if args[0].rstrip("/") == "devstack"]
