"""Recommender plots: item vectors through PCA, rating histograms, predicted vs actual."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from pyml import plot  # noqa: E402
from pyml.decomposition import PCA  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _vectors(seed=0):
    rng = np.random.default_rng(seed)
    V = rng.normal(size=(120, 8))
    V[:40, :2] += 4
    return V


def test_item_embedding_from_vectors_is_pca():
    V = _vectors()
    titles = [f"Movie {i}" for i in range(len(V))]
    d = plot.ItemEmbeddingDisplay.from_vectors(V, titles, n_annotate=5)
    Z = PCA(2).fit_transform(V)
    np.testing.assert_allclose(d.artists_["items"].get_offsets(), Z, atol=1e-10)
    assert len(d.artists_["titles"]) == 5 and len(d.annotate) == 5
    for text, i in zip(d.artists_["titles"], d.annotate):
        assert text.get_text() == titles[i]
        np.testing.assert_allclose(text.xy, Z[i], atol=1e-10)
    # the first annotated item is the one farthest from the centre
    assert int(np.argmax((Z ** 2).sum(1))) in d.annotate
    assert "principal component 1" in d.ax_.get_xlabel() and "% of variance" in d.ax_.get_ylabel()
    assert d.ax_.get_legend() is not None


def test_item_embedding_from_estimator_and_explicit_annotations():
    class CF:
        item_features_ = _vectors(1)
        item_ids_ = np.arange(100, 220)

    titles = {100: "Toy Story", 105: "Heat"}
    d = plot.ItemEmbeddingDisplay.from_estimator(CF(), titles=titles, annotate=[0, 5, 7])
    assert [t.get_text() for t in d.artists_["titles"]] == ["Toy Story", "Heat", "107"]
    with pytest.raises(ValueError, match="item_features_"):
        plot.ItemEmbeddingDisplay.from_estimator(object())
    with pytest.raises(ValueError, match="titles"):
        plot.ItemEmbeddingDisplay.from_vectors(_vectors(), ["a", "b"])


def test_rating_histogram_counts():
    rng = np.random.default_rng(0)
    y = rng.integers(1, 11, 500) / 2
    p = np.clip(y + rng.normal(0, 0.5, 500), 0.5, 5)
    d = plot.RatingHistogramDisplay(y, p).plot()
    heights = [b.get_height() for b in d.artists_["actual"]]
    np.testing.assert_array_equal(heights, np.histogram(y, bins=d.bins_)[0])
    np.testing.assert_allclose(d.rmse_, np.sqrt(np.mean((p - y) ** 2)))
    assert d.ax_.get_xlabel() == "rating" and [t.get_text() for t in d.ax_.get_legend().get_texts()] == [
        "actual", "predicted"]


def test_predicted_vs_actual_scatter_and_identity():
    rng = np.random.default_rng(0)
    y = rng.integers(1, 6, 8000).astype(float)
    p = y + rng.normal(0, 0.3, 8000)
    d = plot.PredictedVsActualDisplay(y, p, max_points=1000).plot(histogram=True)
    pts = d.artists_["points"].get_offsets()
    assert pts.shape == (1000, 2)
    np.testing.assert_array_equal(pts[:, 0], y[d.shown_])
    np.testing.assert_array_equal(pts[:, 1], p[d.shown_])
    xs, ys = d.artists_["identity"].get_data()
    np.testing.assert_array_equal(xs, ys)
    np.testing.assert_allclose(d.mae_, np.mean(np.abs(p - y)))
    assert d.hist_display_.rmse_ == pytest.approx(d.rmse_)
    assert d.ax_.get_xlabel() == "actual rating" and d.ax_.get_ylabel() == "predicted rating"


def test_from_estimator_and_bad_input():
    class Model:
        def predict(self, X):
            return np.asarray(X, dtype=float)[:, 0] * 0 + 3.0

    X = np.zeros((10, 2))
    y = np.arange(10) % 5 + 1.0
    d = plot.PredictedVsActualDisplay.from_estimator(Model(), X, y)
    np.testing.assert_allclose(d.rmse_, np.sqrt(np.mean((3.0 - y) ** 2)))
    assert plot.RatingHistogramDisplay.from_estimator(Model(), X, y).rmse_ == pytest.approx(d.rmse_)
    with pytest.raises(ValueError, match="equal length"):
        plot.RatingHistogramDisplay([1, 2], [1])
    with pytest.raises(ValueError, match="NaN"):
        plot.PredictedVsActualDisplay([1, np.nan], [1, 2])
