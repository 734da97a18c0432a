"""The real servers come with the project's packages and are found beside the interpreter."""

import sysconfig
from pathlib import Path

import pytest

from devstack.binaries import BinaryNotFoundError, find_binary


@pytest.mark.parametrize("name", ["temporal", "temporal-test-server"])
def test_binaries_are_found_beside_the_interpreter(name: str) -> None:
    path = Path(find_binary(name))
    assert path.parent == Path(sysconfig.get_path("scripts"))
    assert path.is_file()


def test_a_missing_binary_says_how_to_install_it() -> None:
    with pytest.raises(BinaryNotFoundError, match="make install"):
        find_binary("no-such-binary-jamla24")
