"""Shared fixtures: the aisle binary and a small generated demo dataset."""
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def aisle_bin() -> str:
    b = os.environ.get("AISLE_BIN")
    if b:
        return b
    target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/aisle/target"))
    return str(Path(target) / "debug" / "aisle")


@pytest.fixture(scope="session")
def aisle():
    path = aisle_bin()
    assert Path(path).exists(), f"{path} not built: run `cargo build` first"
    return path


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory, aisle):
    out = tmp_path_factory.mktemp("demo") / "data"
    subprocess.run([aisle, "generate", "--scale", "0.05", "--seed", "11", "--out", str(out), "--quiet"],
                   check=True, capture_output=True)
    return out
