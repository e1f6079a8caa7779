"""Plots for k-means (Course 3, week 1): progress with centroid trajectories,
the elbow curve, and image compression (original / compressed / palette)."""
import numpy as np

from pyml.plot import _style as style
from pyml.plot._base import Display, subplots

__all__ = ["KMeansProgressDisplay", "ElbowDisplay", "ImageCompressionDisplay"]


class KMeansProgressDisplay(Display):
    """Points coloured by cluster, with each centroid's path over the iterations.

    Parameters
    ----------
    X : ndarray of shape (m, 2) (only the first two features are drawn)
    labels : ndarray of shape (m,)
    history : ndarray of shape (n_steps, K, n_features)
        Centroids before the first and after every iteration (``run_kmeans``).
    """

    def __init__(self, X, labels, history):
        self.X = np.asarray(X)
        self.labels = np.asarray(labels)
        self.history = np.asarray(history)

    @classmethod
    def from_run(cls, X, initial_centroids, max_iters=10, ax=None, **plot_kwargs):
        """Run the lab's ``run_kmeans`` and draw it."""
        from pyml.cluster import run_kmeans

        _, idx, history = run_kmeans(X, initial_centroids, max_iters)
        return cls(X, idx, history).plot(ax=ax, **plot_kwargs)

    def _draw(self, ax, cmap=style.CATEGORICAL, title=None, feature_names=(r"feature $x_1$", r"feature $x_2$")):
        """``feature_names``: the two drawn features' names with units."""
        import matplotlib

        K = self.history.shape[1]
        colours = matplotlib.colormaps[cmap](np.arange(K) % 10)
        # one scatter per cluster, so that the legend names each cluster's colour
        self.artists_["points"] = [ax.scatter(self.X[self.labels == j, 0], self.X[self.labels == j, 1],
                                              color=colours[j], s=12, alpha=0.45,
                                              label=f"cluster {j + 1} ({int(np.sum(self.labels == j))} examples)")
                                   for j in range(K)]
        # each centroid's path in its cluster's colour, one marker per iteration
        self.artists_["paths"] = [ax.plot(self.history[:, j, 0], self.history[:, j, 1], "-o", color=colours[j],
                                          mec="black", mew=0.6, ms=5, lw=1.5)[0] for j in range(K)]
        self.artists_["start"] = ax.scatter(self.history[0, :, 0], self.history[0, :, 1], marker="s", s=50,
                                            facecolors="none", edgecolors="black", zorder=3, label="start")
        self.artists_["centroids"] = ax.scatter(self.history[-1, :, 0], self.history[-1, :, 1], marker="X", s=160,
                                                c=colours, edgecolors="black", linewidths=1, zorder=4,
                                                label="final centroids")
        inertia = float(((self.X - self.history[-1][self.labels]) ** 2).sum())
        self.inertia_ = inertia
        ax.set_title(title or f"k-means: {self.history.shape[0] - 1} iterations, inertia {inertia:.4g}")
        ax.set_xlabel(feature_names[0])
        ax.set_ylabel(feature_names[1])
        ax.legend(loc="best", fontsize=8)


class ElbowDisplay(Display):
    """Inertia against the number of clusters (choose k at the "elbow").

    Parameters
    ----------
    k_values : sequence of int
    inertias : sequence of float
    """

    def __init__(self, k_values, inertias):
        self.k_values = np.asarray(k_values)
        self.inertias = np.asarray(inertias, dtype=float)

    @classmethod
    def from_data(cls, X, k_values=range(1, 11), random_state=0, n_init=3, ax=None, **plot_kwargs):
        """Fit ``KMeans`` for every k and draw the curve."""
        from pyml.cluster import KMeans

        ks = list(k_values)
        inertias = [KMeans(k, n_init=n_init, random_state=random_state).fit(X).inertia_ for k in ks]
        return cls(ks, inertias).plot(ax=ax, **plot_kwargs)

    def _draw(self, ax, title="Elbow method: choose k where the curve bends"):
        self.artists_["line"] = ax.plot(self.k_values, self.inertias, "-o", c=style.PRIMARY)[0]
        ax.set_xlabel("number of clusters k")
        ax.set_ylabel(r"inertia $\sum_i \|x^{(i)} - \mu_{c^{(i)}}\|^2$")
        ax.set_title(title)


class ImageCompressionDisplay(Display):
    """Original image, its k-means compressed version and the palette.

    Parameters
    ----------
    original, compressed : ndarray of shape (h, w, channels)
    palette : ndarray of shape (n_colors, channels)
    """

    def __init__(self, original, compressed, palette):
        self.original = np.asarray(original)
        self.compressed = np.asarray(compressed)
        self.palette = np.asarray(palette)

    @classmethod
    def from_image(cls, image, n_colors=16, random_state=0, axes=None):
        """Compress with :func:`pyml.cluster.compress_image` and draw."""
        from pyml.cluster import compress_image

        out, palette = compress_image(image, n_colors, random_state=random_state)
        return cls(image, out, palette).plot(axes=axes)

    def plot(self, axes=None):
        """Draw onto three axes (created when ``axes`` is None); returns self."""
        if axes is None:
            _, axes = subplots(1, 3, figsize=(9, 4), gridspec_kw={"width_ratios": [4, 4, 1]})
        self.ax_ = axes
        self.figure_ = axes[0].figure
        self.artists_ = {}
        scale = 255.0 if self.original.dtype.kind in "ui" else 1.0
        self.artists_["original"] = axes[0].imshow(self.original)
        axes[0].set_title("original")
        self.artists_["compressed"] = axes[1].imshow(self.compressed)
        axes[1].set_title(f"compressed to {len(self.palette)} colours")
        pal = np.clip(self.palette.astype(float) / scale, 0, 1)
        self.artists_["palette"] = axes[2].imshow(pal.reshape(-1, 1, pal.shape[-1]) if pal.ndim == 2 else pal,
                                                  aspect="auto")
        axes[2].set_title("palette")
        for a in axes:
            a.set_axis_off()
        return self
