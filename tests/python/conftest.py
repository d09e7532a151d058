"""Shared fixtures: the repository's paths, the shared data sets and the `annlab` CLI.

The CLI is taken from $ANNLAB_CLI, else build/release/annlab (scripts/test.sh builds it before
the Python stage), else it is built in build/python, the folder pip's build configured.
The data sets are in ../shared/data (the C++ tests' location) or $ANNLAB_SHARED_DATA.
"""

import os
import subprocess
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")  # plots are drawn off screen under the tests

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SHARED_DATA = Path(os.environ.get("ANNLAB_SHARED_DATA", ROOT.parent / "shared" / "data"))


def _cli_path():
    env = os.environ.get("ANNLAB_CLI")
    if env:
        return Path(env)
    release = ROOT / "build" / "release" / "annlab"
    if release.exists():
        return release
    build = ROOT / "build" / "python"
    if (build / "CMakeCache.txt").exists():
        subprocess.run(["cmake", "--build", str(build), "--target", "annlab"], check=True,
                       stdout=subprocess.DEVNULL)
        return build / "annlab"
    raise RuntimeError("no annlab CLI: set ANNLAB_CLI, build build/release (cmake --preset "
                       "release && cmake --build --preset release) or pip install . first")


@pytest.fixture(scope="session")
def cli():
    """Runs the annlab CLI: cli("train", ...) -> CompletedProcess (text, checked)."""
    path = _cli_path()

    def run(*args, check=True):
        r = subprocess.run([str(path), *map(str, args)], capture_output=True, text=True)
        if check and r.returncode != 0:
            raise AssertionError(f"annlab {' '.join(map(str, args))} exited {r.returncode}:\n"
                                 f"{r.stderr}")
        return r

    return run


def _data(relative):
    path = SHARED_DATA / relative
    if not path.exists():
        raise RuntimeError(f"missing data set {path}: set ANNLAB_SHARED_DATA to the folder "
                           "with geodatasets/ and classic/")
    return path


@pytest.fixture(scope="session")
def well_csv():
    return _data("geodatasets/unconv_MV_v4.csv")


@pytest.fixture(scope="session")
def digits_csv():
    return _data("classic/digits.csv")


@pytest.fixture(scope="session")
def iris_csv():
    return _data("classic/iris.csv")


@pytest.fixture(scope="session")
def well(well_csv):
    """The well data as the CLI reads it (round-trip float parsing: the same doubles)."""
    import pandas as pd

    df = pd.read_csv(well_csv, float_precision="round_trip")
    return df.drop(columns=["Well", "Prod"]), df["Prod"]


@pytest.fixture(scope="session")
def digits(digits_csv):
    import pandas as pd

    df = pd.read_csv(digits_csv, float_precision="round_trip")
    return df.drop(columns=["digit"]), df["digit"]
