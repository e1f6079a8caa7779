"""Anomaly plots draw what they computed (headless)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from pyml.anomaly import GaussianAnomalyDetector, select_threshold  # noqa: E402
from pyml.datasets import make_server_metrics  # noqa: E402
from pyml.plot import DensityContourDisplay, F1ThresholdDisplay  # noqa: E402


def test_density_contours_circle_anomalies():
    X, y = make_server_metrics(300, random_state=0, anomaly_fraction=0.03)
    det = GaussianAnomalyDetector().fit(X).fit_threshold(X, y)
    disp = DensityContourDisplay.from_estimator(det, X, grid_resolution=40)
    assert disp.log_density.shape == (40, 40)
    flagged = disp.artists_["anomalies"].get_offsets()
    np.testing.assert_allclose(flagged, X[det.predict(X) == 1])
    plt.close("all")


def test_f1_threshold_display():
    X, y = make_server_metrics(300, random_state=1, anomaly_fraction=0.05)
    p = GaussianAnomalyDetector().fit(X).density(X)
    disp = F1ThresholdDisplay.from_predictions(y, p)
    eps, f1 = select_threshold(y, p)
    assert disp.best_epsilon == eps and disp.best_f1 == f1
    assert disp.f1.max() == f1
    np.testing.assert_allclose(disp.artists_["curve"].get_ydata(), disp.f1)
    disp2 = F1ThresholdDisplay.from_predictions(y, p, method="log-grid")
    assert disp2.ax_.get_xscale() == "log"
    plt.close("all")


def test_f1_curve_uses_a_log_axis_when_thresholds_span_decades():
    from pyml.plot import F1ThresholdDisplay, use_headless

    use_headless()
    rng = np.random.default_rng(0)
    p = np.exp(rng.uniform(-30, 0, 500))
    y = (p < 1e-9).astype(int)
    disp = F1ThresholdDisplay.from_predictions(y, p)
    assert disp.ax_.get_xscale() == "log" and "log scale" in disp.ax_.get_xlabel()
    narrow = F1ThresholdDisplay(np.linspace(0.1, 0.5, 20), np.linspace(0, 1, 20), 0.3, 0.6).plot()
    assert narrow.ax_.get_xscale() == "linear"


def test_exact_f1_curve_matches_brute_force():
    from pyml.plot._anomaly import exact_f1_curve

    rng = np.random.default_rng(3)
    p = np.round(rng.exponential(size=200), 2)  # rounded: ties must be flagged together
    y = (rng.random(200) < 0.1).astype(int)
    eps, f1 = exact_f1_curve(y, p)
    assert np.all(np.diff(eps) > 0)
    for e, f in zip(eps, f1):  # a threshold just above e flags every p <= e
        pred = p <= e
        tp = np.sum(pred & (y == 1))
        ref = 2 * tp / (pred.sum() + y.sum())
        assert f == pytest.approx(ref)


def test_f1_display_draws_exact_curve_and_names_epsilon():
    X, y = make_server_metrics(300, random_state=1, anomaly_fraction=0.05)
    p = GaussianAnomalyDetector().fit(X).density(X)
    disp = F1ThresholdDisplay.from_predictions(y, p)
    texts = [t.get_text() for t in disp.ax_.get_legend().get_texts()]
    assert texts[0] == "every threshold (exact)" and texts[1] == "lab's grid (1000 steps)" and "best ε" in texts[2]
    assert disp.artists_["exact"].get_drawstyle() == "steps-post"
    # the exact scan is never worse than the lab's grid
    assert disp.artists_["exact"].get_ydata().max() >= disp.best_f1 - 1e-12
    plt.close("all")


def test_density_contours_take_feature_names():
    X, y = make_server_metrics(200, random_state=0, anomaly_fraction=0.03)
    det = GaussianAnomalyDetector().fit(X).fit_threshold(X, y)
    disp = DensityContourDisplay.from_estimator(det, X, grid_resolution=20,
                                                feature_names=("latency (ms)", "throughput (mb/s)"))
    assert disp.ax_.get_xlabel() == "latency (ms)" and disp.ax_.get_ylabel() == "throughput (mb/s)"
    assert [t.get_text() for t in disp.ax_.get_legend().get_texts()][0] == "examples (200)"
    plt.close("all")
