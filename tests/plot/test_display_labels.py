"""Displays take the caller's feature names / units and colour series from pyml.plot._style (issue 14)."""
import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

from pyml import plot  # noqa: E402
from pyml.plot import _style as style  # noqa: E402


def _same_colour(a, b):
    return mcolors.to_rgba(a) == mcolors.to_rgba(b)


def test_training_history_names_and_colours():
    hist = {"loss": [1.0, 0.5, 0.25], "val_loss": [1.2, 0.7, 0.6]}
    d = plot.TrainingHistoryDisplay.from_history(hist).plot(ylabel="loss (MSE)", labels={"val_loss": "test loss"})
    assert [t.get_text() for t in d.ax_.get_legend().get_texts()] == ["training loss", "test loss"]
    assert _same_colour(d.artists_["loss"].get_color(), style.TRAIN)
    assert _same_colour(d.artists_["val_loss"].get_color(), style.CV)
    assert d.ax_.get_ylabel() == "loss (MSE)" and list(d.artists_["loss"].get_xdata()) == [1, 2, 3]
    d0 = plot.TrainingHistoryDisplay({"train": [3.0, 2.0]}, keys=["train"]).plot(start=0, xlabel="boosting round")
    assert list(d0.artists_["train"].get_xdata()) == [0, 1] and d0.ax_.get_xlabel() == "boosting round"
    plt.close("all")


def test_cost_history_series_colours_and_labels():
    d = plot.CostHistoryDisplay.from_histories({"a": [3.0, 2.0], "b": [4.0, 1.0]}).plot(
        xlabel="gradient-descent iteration", ylabel="cost J(w, b)")
    assert [_same_colour(d.artists_[k].get_color(), style.SERIES[i]) for i, k in enumerate("ab")] == [True, True]
    assert d.ax_.get_ylabel() == "cost J(w, b) (log scale)" and d.ax_.get_yscale() == "log"
    plt.close("all")


def test_decision_boundary_legend_has_classes_and_boundary():
    from pyml.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    clf = LogisticRegression().fit(X, y)
    d = plot.DecisionBoundaryDisplay.from_estimator(clf, X, y).plot(
        feature_names=("temperature (°C)", "duration (minutes)"), class_names=("bad", "good"), legend_loc="outside")
    legend = d.ax_.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["bad", "good", "decision boundary (p = 0.5)"]
    d.figure_.canvas.draw()
    # "outside": the legend lies right of the axes
    assert legend.get_window_extent().x0 >= d.ax_.get_window_extent().x1
    assert d.ax_.get_xlabel() == "temperature (°C)" and d.ax_.get_ylabel() == "duration (minutes)"
    plt.close("all")


def test_cost_pictures_take_parameter_units():
    x = np.array([1.0, 2.0, 3.0])
    y = 2 * x + 1
    c = plot.CostCurveDisplay.from_data(x, y, b=1.0, w_marked=2.0).plot(w_label="w ($1000s per 1000 sqft)")
    assert c.ax_.get_xlabel() == "w ($1000s per 1000 sqft)"
    assert len(c.ax_.get_legend().get_texts()) == 2
    s = plot.CostSurfaceDisplay.from_data(x, y, (0, 4), (-1, 3), n_points=10).plot(
        w_label="w (a)", b_label="b (b)", cost_label="J ($²)")
    assert (s.ax_.get_xlabel(), s.ax_.get_ylabel(), s.ax_.get_zlabel()) == ("w (a)", "b (b)", "J ($²)")
    plt.close("all")


def test_feature_importance_axis_names():
    d = plot.FeatureImportanceDisplay([0.2, 0.8], ["px(0,0)", "px(0,1)"]).plot(ylabel="pixel (row, column)")
    assert d.ax_.get_ylabel() == "pixel (row, column)" and d.ax_.get_title() == "Feature importances"
    assert [t.get_text() for t in d.ax_.get_yticklabels()] == ["px(0,1)", "px(0,0)"]
    plt.close("all")
