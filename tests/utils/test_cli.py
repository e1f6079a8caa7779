"""The pyml command line: version flag, clear errors (exit code 2) before any work."""
import os
import subprocess
import sys
import tempfile

import pytest


def _pyml(*args, **kw):
    # cwd outside the source tree: `python -m` puts the cwd first on sys.path
    kw.setdefault("cwd", tempfile.gettempdir())
    return subprocess.run([sys.executable, "-m", "pyml.cli", *args], capture_output=True, text=True, timeout=120,
                          **kw)


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version_flag(flag):
    import pyml

    out = _pyml(flag)
    assert out.returncode == 0 and out.stdout.strip() == f"pyml {pyml.__version__}"


def test_unknown_chapter_is_listed_plainly(tmp_path):
    out = _pyml("tour", "--chapter", "nope", "--out", str(tmp_path / "t"))
    assert out.returncode == 2
    assert "unknown chapter nope; choose from: c1," in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "t").exists()


def test_out_that_is_a_file(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    out = _pyml("tour", "--chapter", "c1", "--out", str(target))
    assert out.returncode == 2 and "is a file, not a folder" in out.stderr


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root can write anywhere")
def test_out_not_writable(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    out = _pyml("tour", "--chapter", "c1", "--out", str(ro / "figs"))
    assert out.returncode == 2 and "not writable" in out.stderr


def test_check_out_dir_unit(tmp_path, monkeypatch):
    from pyml.cli import tour

    assert tour.check_out_dir(str(tmp_path / "new" / "deeper")) is None
    monkeypatch.setattr(tour.os, "access", lambda path, mode: False)
    assert "not writable" in tour.check_out_dir(str(tmp_path / "figs"))


def test_info_reports_simd_paths():
    out = _pyml("info")
    assert out.returncode == 0 and "simd nn gemm" in out.stdout and "openmp" in out.stdout


def test_chapter_titles_punctuated_alike():
    from pyml.cli.tour import discover_chapters

    for mod in discover_chapters():
        head, _, rest = mod.TITLE.partition(": ")
        assert head.startswith("Course ") and rest, mod.TITLE


def test_package_docstring_names_families_and_entry_points():
    import pyml

    for word in ("linear_model", "neural_network", "recommender", "rl", "pyml tour", "pyml info"):
        assert word in pyml.__doc__


def test_tour_chapters_emit_no_warning_of_their_own(tmp_path):
    """The tour's own settings (max_iter, NumPy error state) must not print warnings (issue 14)."""
    proc = subprocess.run([sys.executable, "-W", "error", "-m", "pyml.cli", "tour", "--chapter", "c1", "--chapter",
                           "c2-nn", "--out", str(tmp_path)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Warning" not in proc.stderr and "Warning" not in proc.stdout


def test_without_sklearn_the_tour_says_why_the_columns_are_empty(tmp_path, monkeypatch):
    import io
    import types

    from pyml.cli import tour

    stub = types.SimpleNamespace(NAME="stub", TITLE="Course 0: stub", ORDER=1,
                                 run=lambda ctx: ctx.row("d", "m", "metric", 1.0, 0.0))
    monkeypatch.setattr(tour, "discover_chapters", lambda: [stub])
    monkeypatch.setattr(tour, "_sklearn_available", lambda: False)
    out = io.StringIO()
    assert tour.run_tour(out=str(tmp_path), stream=out) == 0
    lines = [ln for ln in out.getvalue().splitlines() if "scikit-learn" in ln]
    assert len(lines) == 1 and "install scikit-learn to see its figures beside pyml's" in lines[0]
    out = io.StringIO()
    tour.run_tour(out=str(tmp_path), stream=out, use_sklearn=False)  # --no-sklearn: chosen, nothing to explain
    assert "scikit-learn" not in out.getvalue()


def test_no_sklearn_flag_is_documented():
    out = _pyml("tour", "--help")
    assert out.returncode == 0 and "--no-sklearn" in out.stdout and "scikit-learn" in out.stdout


def test_other_chapters_emit_no_warning_under_w_error(tmp_path):
    """The remaining chapters under ``-W error`` (LunarLander, whose Box2D import warns, trained briefly)."""
    code = ("import pyml.cli.chapters.c3_rl as rl, sys; rl.LUNAR_LANDER_MAX_EPISODES = 3; "
            "from pyml.cli.tour import run_tour; "
            f"sys.exit(run_tour(out={str(tmp_path)!r}, chapters=['c2-trees', 'c3-unsup', 'c3-recsys', 'c3-rl']))")
    proc = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Warning" not in proc.stderr and "Warning" not in proc.stdout
