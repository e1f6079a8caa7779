"""The Course 3 week 1 k-means lab as plain functions (C kernels underneath).

``find_closest_centroids`` and ``compute_centroids`` are the two steps of
the lab; ``run_kmeans`` alternates them for exactly ``max_iters`` iterations
and also returns the history of the centroids (for the trajectory plot);
``kmeans_init_centroids`` picks K distinct random rows; ``compress_image``
reduces an image to ``n_colors`` colours with k-means.
"""
import numbers
import warnings

import numpy as np

from pyml.cluster import _cluster_kernels as _k
from pyml.utils._threads import resolve_n_jobs, threads_for_work
from pyml.utils.validation import check_array, check_random_state

__all__ = ["find_closest_centroids", "compute_centroids", "run_kmeans", "kmeans_init_centroids", "compress_image"]


def _threads(n):
    return threads_for_work(resolve_n_jobs(None), n, min_items_per_thread=2048)


def _check_centroids(centroids, X, caller):
    C = check_array(centroids, name="centroids", caller=caller)
    if C.shape[1] != X.shape[1]:
        raise ValueError(f"{caller}: centroids have {C.shape[1]} features but X has {X.shape[1]}")
    return np.ascontiguousarray(C, dtype=X.dtype)


def find_closest_centroids(X, centroids):
    """Index of the closest centroid of every example (course step 1).

    .. math:: c^{(i)} = \\arg\\min_j \\|x^{(i)} - \\mu_j\\|^2

    computed with the direct formula (as the lab does), ties going to the
    lowest index.

    Parameters
    ----------
    X : array-like of shape (m, n)
    centroids : array-like of shape (K, n)

    Returns
    -------
    idx : ndarray of shape (m,), dtype intp
    """
    X = check_array(X, caller="find_closest_centroids")
    C = _check_centroids(centroids, X, "find_closest_centroids")
    labels, _ = _k.assign(X, C, True, _threads(X.shape[0]))
    return labels.astype(np.intp)


def compute_centroids(X, idx, K, *, previous=None):
    """Mean of the examples assigned to each centroid (course step 2).

    .. math:: \\mu_k = \\frac{1}{|C_k|} \\sum_{i \\in C_k} x^{(i)}

    Empty clusters: the lab's formula divides by zero there. Here an empty
    cluster keeps its ``previous`` position when given, otherwise it is placed
    at the mean of all of X; either way a RuntimeWarning names it.

    Parameters
    ----------
    X : array-like of shape (m, n)
    idx : array-like of shape (m,)
        Cluster index of each example, in [0, K).
    K : int
    previous : array-like of shape (K, n), optional

    Returns
    -------
    centroids : ndarray of shape (K, n)
    """
    X = check_array(X, caller="compute_centroids")
    if isinstance(K, bool) or not isinstance(K, numbers.Integral) or K < 1:
        raise ValueError(f"compute_centroids: K must be a positive integer, got {K!r}")
    idx = np.asarray(idx)
    if idx.ndim != 1 or idx.shape[0] != X.shape[0]:
        raise ValueError(f"compute_centroids: idx must have shape ({X.shape[0]},), got {idx.shape}")
    if idx.dtype.kind not in "iu" and not (idx.dtype.kind == "f" and np.all(idx == np.round(idx))):
        raise ValueError("compute_centroids: idx must hold integer cluster indices")
    if idx.size and (idx.min() < 0 or idx.max() >= K):
        raise ValueError(f"compute_centroids: idx has values outside [0, K) = [0, {K}): "
                         f"min {idx.min()}, max {idx.max()}")
    if previous is not None:
        centers = np.array(check_array(previous, name="previous", caller="compute_centroids"), dtype=X.dtype,
                           order="C")
        if centers.shape != (K, X.shape[1]):
            raise ValueError(f"compute_centroids: previous must have shape ({K}, {X.shape[1]})")
    else:
        centers = np.tile(X.mean(axis=0), (K, 1)).astype(X.dtype)
    wsum = _k.centroids(X, np.ascontiguousarray(idx, dtype=np.int32), None, centers, _threads(X.shape[0]))
    empty = np.flatnonzero(wsum == 0)
    if empty.size:
        where = "its previous position" if previous is not None else "the mean of X"
        warnings.warn(f"compute_centroids: cluster(s) {empty.tolist()} have no examples; kept at {where}",
                      RuntimeWarning, stacklevel=2)
    return centers


def run_kmeans(X, initial_centroids, max_iters=10):
    """The lab's k-means loop: ``max_iters`` times assign, then update.

    Exactly the course's loop (no early stop): ``idx`` is the assignment made
    in the last iteration (to the centroids before its update), and an empty
    cluster keeps its previous position.

    Parameters
    ----------
    X : array-like of shape (m, n)
    initial_centroids : array-like of shape (K, n)
    max_iters : int, default=10

    Returns
    -------
    centroids : ndarray of shape (K, n)
    idx : ndarray of shape (m,)
    history : ndarray of shape (max_iters + 1, K, n)
        Centroids before the first and after every iteration.
    """
    X = check_array(X, caller="run_kmeans")
    C = np.array(_check_centroids(initial_centroids, X, "run_kmeans"), order="C", copy=True)
    if isinstance(max_iters, bool) or not isinstance(max_iters, numbers.Integral) or max_iters < 0:
        raise ValueError(f"run_kmeans: max_iters must be a non-negative integer, got {max_iters!r}")
    n_threads = _threads(X.shape[0])
    history = [C.copy()]
    idx = np.zeros(X.shape[0], dtype=np.intp)
    # A Python loop over iterations (max_iters is small in the lab); each
    # step is one pass of a C kernel over X.
    for _ in range(int(max_iters)):
        labels, _ = _k.assign(X, C, True, n_threads)
        _k.centroids(X, labels, None, C, n_threads)  # empty clusters keep their position
        history.append(C.copy())
        idx = labels.astype(np.intp)
    return C, idx, np.stack(history)


def kmeans_init_centroids(X, K, random_state=None):
    """K distinct random examples of X as initial centroids (the lab's rule).

    Parameters
    ----------
    X : array-like of shape (m, n)
    K : int
    random_state : int, numpy Generator or None

    Returns
    -------
    centroids : ndarray of shape (K, n)
    """
    X = check_array(X, caller="kmeans_init_centroids")
    if isinstance(K, bool) or not isinstance(K, numbers.Integral) or K < 1:
        raise ValueError(f"kmeans_init_centroids: K must be a positive integer, got {K!r}")
    if K > X.shape[0]:
        raise ValueError(f"kmeans_init_centroids: K={K} is larger than the number of examples {X.shape[0]}")
    rng = check_random_state(random_state)
    return X[rng.permutation(X.shape[0])[:K]].copy()


def compress_image(image, n_colors=16, *, max_iter=10, random_state=None, n_init=1):
    """Reduce an image to ``n_colors`` colours with k-means on its pixels.

    Each pixel (a row of its channel values) is replaced by the centre of its
    cluster: the image is then stored as a palette of ``n_colors`` colours
    plus one small index per pixel (4 bits for 16 colours instead of 24).

    Parameters
    ----------
    image : array-like of shape (height, width, channels) or (height, width)
        uint8 (0-255) or float values.
    n_colors : int, default=16
    max_iter : int, default=10
    random_state : int, numpy Generator or None
    n_init : int, default=1

    Returns
    -------
    compressed : ndarray, same shape and dtype as ``image``
    palette : ndarray of shape (n_colors, channels)
        In the image's value scale.
    """
    from pyml.cluster._kmeans import KMeans

    img = np.asarray(image)
    if img.ndim not in (2, 3) or img.size == 0:
        raise ValueError(f"compress_image: image must have shape (height, width[, channels]), got {img.shape}")
    gray = img.ndim == 2
    if isinstance(n_colors, bool) or not isinstance(n_colors, numbers.Integral) or n_colors < 1:
        raise ValueError(f"compress_image: n_colors must be an integer >= 1, got {n_colors!r}")
    n_pixels = img.shape[0] * img.shape[1]
    if n_colors > n_pixels:
        raise ValueError(f"compress_image: n_colors={n_colors} is more than the image's {n_pixels} pixels; "
                         f"ask for fewer colours")
    pixels = check_array(img.reshape(-1, 1 if gray else img.shape[2]), name="image", caller="compress_image",
                         dtype=np.float64)
    if np.abs(pixels).max(initial=0.0) > np.finfo(np.float32).max:
        raise ValueError("compress_image: image has values beyond float32's range; rescale it (e.g. to [0, 1])")
    pixels = pixels.astype(np.float32)
    km = KMeans(n_clusters=n_colors, init="k-means++", n_init=n_init, max_iter=max_iter, tol=0.0,
                random_state=random_state).fit(pixels)
    palette = km.cluster_centers_
    out = palette[km.labels_].reshape(img.shape)
    if img.dtype.kind in "ui":
        info = np.iinfo(img.dtype)
        out = np.clip(np.rint(out), info.min, info.max)
        palette = np.clip(np.rint(palette), info.min, info.max).astype(img.dtype)
    else:
        palette = palette.astype(img.dtype if img.dtype.kind == "f" else np.float64)
    return out.astype(img.dtype if img.dtype.kind in "uif" else np.float64), palette
