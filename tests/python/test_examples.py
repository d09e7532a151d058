"""The notebook-style example runs from start to end and prints what it should."""

import os
import subprocess
import sys

from conftest import ROOT, SHARED_DATA


def test_python_tour(tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", ANNLAB_SHARED_DATA=str(SHARED_DATA))
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "python_tour.py")],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "H4     4      1      0  0.4326372  0.6065032 -0.0073931 -0.0309781" in out
    assert "dL/dλ(4,6) = H4 · dL/dO6_in = 0.6065 · -0.2009 = -0.1218" in out
    assert "same predictions after a round trip: True" in out
    for name in ("chapter_dashboard.png", "well_dashboard.png", "digits_convergence.png",
                 "well_model.json"):
        assert (tmp_path / name).stat().st_size > 1000


def test_readme_python_example(tmp_path):
    """README.md's Python example prints what the README says it prints."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Python"):]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    printed = section.split("prints\n\n```\n", 1)[1].split("```", 1)[0]
    code = code.replace("../shared/data", str(SHARED_DATA))
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = lambda text: [line.rstrip() for line in text.strip().splitlines()]
    assert lines(r.stdout) == lines(printed)
    assert (tmp_path / "model.json").exists()
