"""Shared fixtures: the repository, and the `chemodose` binary the Python
results are compared with (built by `cargo build`; `CHEMODOSE_BIN` names
another, else it is looked for in `$CARGO_TARGET_DIR` and `target/`)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Batch rows carry no labs; docetaxel requires bilirubin, AST, ALT and ALP
# (gemcitabine-docetaxel 1.1.0): a batch run gives up those inputs with their
# documented overrides, one code each, as scripts/bench_batch.sh does.
NO_LABS = {
    code: "batch rows carry no labs: checked at the bedside"
    for code in ("missing-bilirubin", "missing-ast", "missing-alt", "missing-alp")
}


def _binary() -> Path | None:
    if os.environ.get("CHEMODOSE_BIN"):
        return Path(os.environ["CHEMODOSE_BIN"])
    dirs = [os.environ.get("CARGO_TARGET_DIR"), str(REPO / "target")]
    for d in filter(None, dirs):
        for profile in ("debug", "release"):
            p = Path(d) / profile / "chemodose"
            if p.exists():
                return p
    return None


@pytest.fixture(scope="session")
def chemodose_bin() -> Path:
    b = _binary()
    if b is None:
        pytest.fail("no chemodose binary: run `cargo build` (or set CHEMODOSE_BIN)")
    return b


@pytest.fixture(autouse=True)
def in_empty_folder(tmp_path, monkeypatch):
    """Every test runs in an empty folder, without a site configuration or a
    regimen folder from the environment: the Python package and the command
    line then read the same bundled library and built-in defaults."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CHEMODOSE_CONFIG", raising=False)
    monkeypatch.delenv("CHEMODOSE_REGIMENS", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def run_cli(chemodose_bin):
    """Runs the command line in the test's folder and environment; gives
    (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        p = subprocess.run([str(chemodose_bin), *args], capture_output=True, text=True)
        return p.returncode, p.stdout, p.stderr

    return run


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def gemdoc_labs(repo) -> str:
    """Normal liver tests and counts for gemcitabine-docetaxel (docs/examples)."""
    return str(repo / "docs" / "examples" / "gemdoc-labs.toml")
