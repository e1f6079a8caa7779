"""Course 1 plots: check what was drawn, not only that it ran."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib.pyplot as plt  # noqa: E402

from pyml import plot  # noqa: E402
from pyml.linear_model import LogisticRegression, gradient_descent  # noqa: E402
from pyml.plot._linear import linear_cost_grid  # noqa: E402
from pyml.preprocessing import map_feature  # noqa: E402


@pytest.fixture
def line_data(rng):
    x = rng.uniform(0, 3, 40)
    return x, 2.0 * x + 1.0 + 0.1 * rng.standard_normal(40)


def test_fit_display_draws_data_and_model_line(line_data):
    x, y = line_data
    disp = plot.FitDisplay.from_params(x, y, 2.0, 1.0).plot()
    line = disp.artists_["line"]
    np.testing.assert_allclose(line.get_ydata(), 2.0 * line.get_xdata() + 1.0)
    assert disp.artists_["data"].get_offsets().shape == (40, 2)


def test_cost_grid_equals_compute_cost(line_data):
    from pyml.linear_model import compute_cost

    x, y = line_data
    for w, b in [(0.0, 0.0), (2.0, 1.0), (-3.5, 7.0)]:
        assert linear_cost_grid(x, y, np.array(w), np.array(b)) == pytest.approx(compute_cost(x, y, w, b))


def test_contour_with_gradient_descent_path(line_data):
    x, y = line_data
    res = gradient_descent(x, y, 0.0, 0.0, 0.1, 100)
    disp = plot.CostContourDisplay.from_data(x, y, (-1, 4), (-2, 3), path=res.p_history, n_points=40).plot()
    np.testing.assert_allclose(disp.artists_["path"].get_xdata(), res.p_history[:, 0])
    np.testing.assert_allclose(disp.artists_["path"].get_ydata(), res.p_history[:, 1])
    assert disp.J.shape == (40, 40)
    i, j = np.unravel_index(np.argmin(disp.J), disp.J.shape)
    assert disp.W[i, j] == pytest.approx(2.0, abs=0.2)


def test_surface_needs_3d_axes(line_data):
    x, y = line_data
    disp = plot.CostSurfaceDisplay.from_data(x, y, (0, 4), (-1, 3), n_points=10)
    with pytest.raises(ValueError, match="3-D"):
        disp.plot(ax=plt.subplots()[1])
    assert "surface" in disp.plot().artists_


def test_cost_curve_minimum_and_history(line_data):
    x, y = line_data
    disp = plot.CostCurveDisplay.from_data(x, y, b=1.0, w_marked=2.0).plot()
    assert disp.w_values[np.argmin(disp.costs)] == pytest.approx(2.0, abs=0.1)
    hist = plot.CostHistoryDisplay.from_histories({"a": [3.0, 2.0, 1.0], "b": [4.0, 1.0]}).plot()
    np.testing.assert_array_equal(hist.artists_["b"].get_ydata(), [4.0, 1.0])
    assert hist.ax_.get_yscale() == "log"


def test_decision_boundary_linear_and_polynomial(rng):
    X = rng.uniform(-1, 1, (200, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    clf = LogisticRegression(reg_lambda=0.01).fit(X, y)
    disp = plot.DecisionBoundaryDisplay.from_estimator(clf, X, y, grid_resolution=50).plot()
    # p >= 0.5 exactly on the side x0 + x1 > 0 (up to the grid)
    expected = (disp.xx + disp.yy) > 0
    agree = np.mean((disp.response >= 0.5) == expected)
    assert agree > 0.97
    r = (X ** 2).sum(axis=1) < 0.5
    poly = LogisticRegression(reg_lambda=0.1).fit(map_feature(X[:, 0], X[:, 1]), r)
    disp = plot.DecisionBoundaryDisplay.from_estimator(
        poly, X, r, feature_map=lambda A: map_feature(A[:, 0], A[:, 1]), grid_resolution=50).plot()
    inside = (disp.xx ** 2 + disp.yy ** 2) < 0.5
    assert np.mean((disp.response >= 0.5) == inside) > 0.9
    with pytest.raises(ValueError, match="two features"):
        plot.DecisionBoundaryDisplay.from_estimator(clf, np.zeros((3, 3)))


def test_sigmoid_display():
    disp = plot.SigmoidDisplay.from_range(-5, 5, 11).plot()
    np.testing.assert_allclose(disp.artists_["curve"].get_ydata(), 1 / (1 + np.exp(-np.linspace(-5, 5, 11))))
def test_decision_boundary_classes_markers_names_and_missing_boundary():
    import matplotlib.pyplot as plt

    from pyml.linear_model import LogisticRegression
    from pyml.plot import DecisionBoundaryDisplay

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    disp = DecisionBoundaryDisplay.from_estimator(LogisticRegression().fit(X, y), X, y).plot(
        feature_names=("exam 1", "exam 2"), class_names=("not admitted", "admitted"))
    neg, pos = disp.artists_["data"]
    assert neg.get_label() == "not admitted" and pos.get_label() == "admitted"
    assert len(neg.get_offsets()) == (y == 0).sum() and len(pos.get_offsets()) == (y == 1).sum()
    assert disp.ax_.get_xlabel() == "exam 1" and disp.boundary_visible_ and "boundary" in disp.artists_
    # a boundary outside the grid is said, not silently missing
    shifted = LogisticRegression().fit(X, y)
    shifted.intercept_ = np.asarray(shifted.intercept_) + 50
    far = DecisionBoundaryDisplay.from_estimator(shifted, X, y).plot()
    assert not far.boundary_visible_ and "every point predicted y = 1" in far.artists_["no_boundary"].get_text()
    plt.close("all")
