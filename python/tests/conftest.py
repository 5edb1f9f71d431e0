"""Shared fixtures: the repository's paths. The tests run against the
package as installed (`pip install ./python`), never against the source tree
alone."""

import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def repo() -> pathlib.Path:
    return REPO


@pytest.fixture(scope="session")
def gemdoc_labs(repo) -> str:
    """Normal liver tests and counts for gemcitabine-docetaxel (docs/examples)."""
    return str(repo / "docs" / "examples" / "gemdoc-labs.toml")
