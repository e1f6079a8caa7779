"""Course 3 week 1 practice labs: k-means and anomaly detection, with the labs' spellings.

::

    from pyml.labs.c3_w1 import (find_closest_centroids, compute_centroids, run_kMeans,
                                 kMeans_init_centroids, estimate_gaussian, multivariate_gaussian,
                                 select_threshold)
    centroids, idx = run_kMeans(X, initial_centroids, max_iters=10)

k-means: idx_i = argmin_k ‖x_i − μ_k‖², μ_k = mean of the examples assigned to k.
Anomaly: p(x) = Π_j N(x_j; μ_j, σ_j²); an example is flagged when p < ε, with ε the F1-best
threshold on the validation set (the lab's grid of 1000 steps).
"""
import numpy as np

from pyml.anomaly import estimate_gaussian, multivariate_gaussian, select_threshold
from pyml.cluster import compute_centroids, find_closest_centroids, run_kmeans
from pyml.utils.validation import check_array

__all__ = ["find_closest_centroids", "compute_centroids", "run_kMeans", "kMeans_init_centroids",
           "estimate_gaussian", "multivariate_gaussian", "select_threshold"]


def run_kMeans(X, initial_centroids, max_iters=10, plot_progress=False):
    """The lab's k-means loop: prints ``K-Means iteration i/(max_iters-1)`` and returns ``(centroids, idx)``.

    With ``plot_progress=True`` the points and each centroid's path are drawn
    on the current matplotlib axes (:class:`pyml.plot.KMeansProgressDisplay`).
    """
    centroids, idx, history = run_kmeans(X, initial_centroids, max_iters)
    for i in range(int(max_iters)):
        print("K-Means iteration %d/%d" % (i, max_iters - 1))
    if plot_progress:
        from pyml.plot import KMeansProgressDisplay

        KMeansProgressDisplay(check_array(X, caller="run_kMeans"), idx, history).plot()
    return centroids, idx


def kMeans_init_centroids(X, K):
    """K distinct random examples of X, drawn with ``np.random.permutation`` as the lab does (so
    ``np.random.seed`` makes it repeatable)."""
    X = check_array(X, caller="kMeans_init_centroids")
    if not isinstance(K, (int, np.integer)) or isinstance(K, bool) or not 1 <= K <= X.shape[0]:
        raise ValueError(f"kMeans_init_centroids: K must be an integer in [1, {X.shape[0]}], got {K!r}")
    return X[np.random.permutation(X.shape[0])[:K]].copy()
