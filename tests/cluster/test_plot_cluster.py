"""k-means plots draw what they computed (headless) and the c3-unsup tour chapter runs."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from pyml.datasets import make_blobs  # noqa: E402
from pyml.plot import ElbowDisplay, ImageCompressionDisplay, KMeansProgressDisplay  # noqa: E402


def test_progress_display_paths():
    X, _ = make_blobs(200, 2, centers=3, random_state=0)
    disp = KMeansProgressDisplay.from_run(X, X[:3], max_iters=5)
    assert disp.history.shape == (6, 3, 2)
    assert len(disp.artists_["paths"]) == 3
    np.testing.assert_allclose(disp.artists_["paths"][0].get_xdata(), disp.history[:, 0, 0])
    plt.close("all")


def test_elbow_display_decreasing():
    X, _ = make_blobs(500, 2, centers=4, random_state=1)
    disp = ElbowDisplay.from_data(X, range(1, 6))
    assert np.all(np.diff(disp.inertias) < 0)
    np.testing.assert_allclose(disp.artists_["line"].get_ydata(), disp.inertias)
    plt.close("all")


def test_image_compression_display():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, size=(20, 16, 3), dtype=np.uint8)
    disp = ImageCompressionDisplay.from_image(img, n_colors=4)
    assert disp.compressed.shape == img.shape and disp.compressed.dtype == np.uint8
    assert disp.palette.shape == (4, 3)
    assert set(disp.artists_) == {"original", "compressed", "palette"}
    plt.close("all")


def test_tour_chapter_runs(tmp_path):
    import io

    from pyml.cli.tour import run_tour

    out = io.StringIO()
    assert run_tour(out=str(tmp_path), chapters=["c3-unsup"], stream=out) == 0
    text = out.getvalue()
    assert "compress_image" in text and "select_threshold" in text
    assert len(list(tmp_path.glob("c3-unsup-*.png"))) == 5


def test_progress_display_legend_names_each_cluster():
    X, _ = make_blobs(120, 2, centers=3, random_state=0)
    disp = KMeansProgressDisplay.from_run(X, X[:3], max_iters=5, feature_names=("a (cm)", "b (cm)"))
    texts = [t.get_text() for t in disp.ax_.get_legend().get_texts()]
    counts = np.bincount(disp.labels, minlength=3)
    assert texts[:3] == [f"cluster {j + 1} ({counts[j]} examples)" for j in range(3)]
    assert disp.ax_.get_xlabel() == "a (cm)" and disp.ax_.get_ylabel() == "b (cm)"
    np.testing.assert_allclose(disp.artists_["points"][1].get_offsets(), X[disp.labels == 1])
    plt.close("all")
