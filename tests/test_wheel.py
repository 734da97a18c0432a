"""The service as a wheel: built without a warning, installed, it finds its notification templates and
the customer's page's.

The image runs ``pip install .``; a template left out of the wheel fails only when a message is sent, so
this builds the wheel from a copy of the checkout, installs it into an empty folder and renders a message
from there, outside the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What the checkout holds besides the project: caches, builds, local data, the tooling.
NOT_THE_PROJECT = shutil.ignore_patterns(
    ".git", ".venv", ".data", "build", "*.egg-info", "__pycache__", ".*_cache", "tests", "bench"
)

RENDER = """
import json, sys
from datetime import UTC, datetime
import activities.templating as templating
import api.customer_html as pages
from workflows.deadlines import compute_deadlines
from workflows.events import RecipientKind
from workflows.models import Language
from workflows.sla_policy import SlaPolicy

due = compute_deadlines(SlaPolicy(), datetime(2025, 6, 10, tzinfo=UTC))
context = {"ref": "D-2025-0042", "name": "Salma", "team": None, "data": {}, "dispute": {},
           "deadlines": {d.kind.value: d.due_at for d in due}}
message = templating.render(RecipientKind.CUSTOMER, "acknowledgement", Language.FR, context)
page = bytes(pages.message("not_found", None, 404).body).decode()
found = {"module": templating.__file__, "subject": message.subject, "html": message.html, "page": page}
json.dump(found, sys.stdout)
"""


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_the_wheel_builds_quietly_and_renders_a_message_once_installed(tmp_path: Path) -> None:
    # A copy: setuptools builds in the source folder and would reuse a stale build/ found there.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=NOT_THE_PROJECT)
    dist, installed, elsewhere = tmp_path / "dist", tmp_path / "installed", tmp_path / "elsewhere"
    elsewhere.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]

    # The build backend and the dependencies are the virtualenv's: nothing is downloaded.
    offline = ["--no-deps", "--no-index"]
    build = run([*pip, "wheel", str(source), *offline, "--no-build-isolation", "-w", str(dist)], ROOT)
    assert "BuildBackendWarning" not in build.stdout + build.stderr, build.stderr
    [wheel] = dist.glob("jamla24_disputes-*.whl")
    run([*pip, "install", *offline, "--target", str(installed), str(wheel)], ROOT)

    # Run from elsewhere with the installed copy first on the path: the checkout is not importable there.
    env = {**os.environ, "PYTHONPATH": str(installed)}
    result = json.loads(run([sys.executable, "-c", RENDER], elsewhere, env).stdout)
    assert Path(result["module"]).is_relative_to(installed), result["module"]
    assert result["subject"] == "[Jamla24 #D-2025-0042] Nous avons bien reçu votre réclamation"
    assert 'lang="fr"' in result["html"] and "D-2025-0042" in result["html"]  # layout.html and _common.txt
    assert "Page introuvable" in result["page"] and "<style>" in result["page"]  # base.html, page.css
