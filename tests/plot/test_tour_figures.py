"""Every figure ``pyml tour`` writes, inspected as matplotlib objects (issue 14).

The chapters run exactly as in the tour (same data, same figure code) with a context that inspects each
Figure instead of writing a PNG, without the scikit-learn comparison fits, and the slow agent
(LunarLander) trains for a few episodes only. For
every figure: each axes that shows data has a title and x / y (/ z) labels naming a real quantity (not
"x", "y", "feature 0", "x0"), a legend with one entry per series wherever more than one series is
drawn, the figure uses constrained layout at 150 dpi. ``figure_problems`` is tested on figures built
to break each rule, so these checks can fail.
"""
import re

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.layout_engine import ConstrainedLayoutEngine  # noqa: E402

from pyml.cli.tour import TourContext, discover_chapters  # noqa: E402
from pyml.plot._style import DPI  # noqa: E402

# a bare symbol or an index is not a quantity's name
GENERIC = re.compile(r"^\s*(\$?\s*[a-z](_?\{?\d*\}?)?\s*\$?|feature\s*_?\d+|x\s*\[\d+\]|x\d+|values?|data)\s*$",
                     re.IGNORECASE)

# every PNG the tour writes (the LunarLander pair only where gymnasium has Box2D)
EXPECTED = {
    "c1": ["linear-fit-and-contour", "cost-surface", "cost-vs-w", "learning-rates", "diabetes-predictions",
           "logistic-boundary-and-sigmoid", "regularisation", "newton-cost-history"],
    "c2-nn": ["coffee", "digits", "bias-variance"],
    "c2-trees": ["mushroom-tree", "feature-importances", "boosting-loss"],
    "c3-unsup": ["kmeans-progress", "elbow", "image-compression", "density-contours", "f1-vs-epsilon"],
    "c3-recsys": ["cost-history", "item-features-pca", "predicted-vs-actual", "two-tower-loss"],
    "c3-rl": ["mars-rover", "cartpole-returns", "lunar-lander-returns", "lunar-lander-filmstrip"],
}


def _series(ax):
    """Artists that each show one series: lines, scatters, bar / histogram containers."""
    lines = [ln for ln in ax.get_lines() if len(np.atleast_1d(ln.get_xdata())) >= 2]
    scatters = [c for c in ax.collections if isinstance(c, PathCollection) and len(c.get_offsets())]
    return lines + scatters + list(ax.containers)


def _shows_data(ax):
    axes_drawn = ax.axison or getattr(ax, "name", "") == "3d"  # a 3-D axes turns its 2-D frame off
    return axes_drawn and ax.get_visible() and bool(_series(ax) or ax.collections or ax.images or ax.patches)


def axes_problems(ax, has_suptitle=False):
    """What a data axes lacks: labels naming quantities, a title, a legend for several series."""
    problems = []
    axis_labels = [("x", ax.get_xlabel()), ("y", ax.get_ylabel())]
    if getattr(ax, "name", "") == "3d":
        axis_labels.append(("z", ax.get_zlabel()))
    for axis, label in axis_labels:
        if not label.strip():
            problems.append(f"no {axis} label")
        elif GENERIC.match(label):
            problems.append(f"generic {axis} label {label!r}")
    if not (ax.get_title() or ax.get_title("left") or ax.get_title("right") or has_suptitle):
        problems.append("no title")
    n_series = len(_series(ax))
    legend = ax.get_legend()
    if n_series > 1:
        entries = [t.get_text() for t in legend.get_texts()] if legend is not None else []
        if len(entries) < 2:
            problems.append(f"{n_series} series drawn but {len(entries)} legend entries")
        elif any(not e.strip() for e in entries):
            problems.append("an empty legend entry")
    return problems


def figure_problems(fig):
    """Every problem of one figure, as readable strings (empty when the figure is fine)."""
    problems = []
    if not isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):
        problems.append("not constrained_layout")
    if fig.get_dpi() != DPI:
        problems.append(f"dpi {fig.get_dpi()} (want {DPI})")
    has_suptitle = bool(getattr(fig, "_suptitle", None) and fig._suptitle.get_text())
    data_axes = [ax for ax in fig.axes if _shows_data(ax)]
    for i, ax in enumerate(data_axes):
        problems += [f"axes {i} ({ax.get_title() or 'untitled'}): {p}" for p in axes_problems(ax, has_suptitle)]
    if not data_axes and not has_suptitle and not any(ax.get_title() for ax in fig.axes):
        problems.append("no title anywhere")
    return problems


class _KeepingContext(TourContext):
    """A tour context that inspects each figure instead of writing it (no PNG encoding: fast)."""

    def __init__(self, *args, found, **kwargs):
        super().__init__(*args, **kwargs)
        self._found = found

    def savefig(self, fig, name):
        self._found[f"{self.chapter}-{name}"] = figure_problems(fig)
        self.figures.append(name)
        plt.close(fig)
        return name


@pytest.fixture(scope="module")
def tour_figures(tmp_path_factory):
    """Run every chapter once; {figure name: its problems}."""
    import io

    import pyml.cli.chapters.c3_rl as rl

    found = {}
    mp = pytest.MonkeyPatch()
    mp.setattr(rl, "LUNAR_LANDER_MAX_EPISODES", 8)  # the picture's code, not a solved agent
    out = str(tmp_path_factory.mktemp("tour"))
    try:
        for mod in discover_chapters():
            # scikit-learn's comparison fits add seconds and no figure code of their own (the diabetes
            # sklearn panel is drawn by the same loop as pyml's)
            mod.run(_KeepingContext(out, mod.NAME, use_sklearn=False, found=found, stream=io.StringIO()))
    finally:
        mp.undo()
        plt.close("all")
    return found


def _has_lunar_lander():
    try:
        import gymnasium as gym

        gym.make("LunarLander-v3").close()
    except Exception:
        return False
    return True


@pytest.mark.parametrize("name", [f"{ch}-{fig}" for ch, figs in EXPECTED.items() for fig in figs])
def test_tour_figure_is_labelled_and_laid_out(tour_figures, name):
    if name.startswith("c3-rl-lunar") and not _has_lunar_lander():
        pytest.skip("LunarLander-v3 needs gymnasium with Box2D")
    assert name in tour_figures, f"the tour no longer writes {name}; it wrote {sorted(tour_figures)}"
    assert tour_figures[name] == [], f"{name}: " + "; ".join(tour_figures[name])


def test_no_unchecked_tour_figure(tour_figures):
    expected = {f"{ch}-{fig}" for ch, figs in EXPECTED.items() for fig in figs}
    assert set(tour_figures) <= expected, f"add these to EXPECTED: {sorted(set(tour_figures) - expected)}"


# the checker itself: each rule fails on a figure that breaks it


def test_checker_flags_missing_and_generic_labels_and_legend():
    fig, ax = plt.subplots(layout="constrained", dpi=DPI)
    ax.plot([0, 1, 2], [1, 0, 1])
    ax.plot([0, 1, 2], [0, 1, 0])
    ax.set_xlabel("x")
    problems = figure_problems(fig)
    plt.close(fig)
    assert "axes 0 (untitled): generic x label 'x'" in problems
    assert "axes 0 (untitled): no y label" in problems
    assert "axes 0 (untitled): no title" in problems
    assert "axes 0 (untitled): 2 series drawn but 0 legend entries" in problems


@pytest.mark.parametrize("label", ["x", "y", "feature 0", "x0", "$x_1$", "x[3]", "w", "z"])
def test_generic_labels_are_rejected(label):
    assert GENERIC.match(label)


@pytest.mark.parametrize("label", ["size (1000 sqft)", "price ($1000s)", "temperature (°C)", "iteration",
                                   "cost J(w, b)", "episode", r"feature $x_1$ (synthetic blobs, no unit)"])
def test_real_labels_are_accepted(label):
    assert not GENERIC.match(label)


def test_checker_reads_3d_axes():
    from pyml.plot import figure

    fig = figure()
    ax = fig.add_subplot(projection="3d")
    W, B = np.meshgrid(np.arange(3.0), np.arange(3.0))
    ax.plot_surface(W, B, W * B)
    ax.set(xlabel="w", ylabel="b ($1000s)", title="cost")
    problems = figure_problems(fig)
    plt.close(fig)
    assert problems == ["axes 0 (cost): generic x label 'w'", "axes 0 (cost): no z label"]


def test_checker_flags_layout_dpi_and_one_entry_legend():
    fig, ax = plt.subplots(dpi=100)
    ax.plot([0, 1], [0, 1], label="model")
    ax.scatter([0, 1], [1, 0])
    ax.set(xlabel="size (1000 sqft)", ylabel="price ($1000s)", title="t")
    ax.legend()
    problems = figure_problems(fig)
    plt.close(fig)
    assert problems == ["not constrained_layout", f"dpi 100 (want {DPI})",
                        "axes 0 (t): 2 series drawn but 1 legend entries"]


def test_pyml_figures_default_to_constrained_layout_and_150_dpi(tmp_path):
    from PIL import Image

    from pyml.plot import figure, save_figure, subplots

    fig, ax = subplots()
    assert isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine) and fig.get_dpi() == DPI
    ax.plot([0, 1], [0, 1])
    path = save_figure(fig, str(tmp_path / "f.png"))
    assert Image.open(path).info["dpi"] == pytest.approx((DPI, DPI), abs=0.05)
    fig = figure(constrained_layout=False)  # the caller's setting wins
    assert not isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
    plt.close("all")
