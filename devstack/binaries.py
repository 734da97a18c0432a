"""Find the server binaries the project installs as Python packages (the Temporal CLI, its test server).

They are never downloaded at run time: a missing binary means the project is not installed.
"""

from __future__ import annotations

import os
import shutil
import sysconfig
from pathlib import Path


class BinaryNotFoundError(FileNotFoundError):
    pass


def find_binary(name: str) -> str:
    """The path of ``name``: first beside the running interpreter (its virtualenv), then on PATH."""
    # Beside the interpreter first, so the pinned version wins over whatever else is on PATH.
    scripts = Path(sysconfig.get_path("scripts"))
    for candidate in (scripts / name, scripts / f"{name}.exe"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise BinaryNotFoundError(
        f"{name!r} was found neither in {scripts} nor on PATH; run `make install` to install it"
    )
