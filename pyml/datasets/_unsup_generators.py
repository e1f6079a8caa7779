"""Seeded generators for the Course 3 week 1 labs (clustering, anomaly detection)."""
import numbers

import numpy as np

from pyml.datasets._checks import check_bytes, count, flag, real, real_array
from pyml.utils.validation import check_random_state, legacy_random_state

__all__ = ["make_blobs", "make_server_metrics"]


def _blob_centers(centers, d, caller):
    """The number of blobs (int) or the validated (k, d) centre array."""
    if isinstance(centers, numbers.Integral) and not isinstance(centers, (bool, np.bool_)):
        return count(centers, "centers", caller)
    if isinstance(centers, (str, bytes, bool, np.bool_)) or isinstance(centers, numbers.Number):
        raise TypeError(f"{caller}: centers must be an int (the number of blobs) or an array of shape "
                        f"(n_centers, {d}), got {centers!r}")
    C = real_array(centers, "centers", caller, f"an int or an array of shape (n_centers, {d})")
    if C.ndim != 2 or C.shape[1] != d or C.shape[0] == 0:
        raise ValueError(f"{caller}: centers must be an int or an array of shape (n_centers, {d}), got shape "
                         f"{C.shape}")
    return C


def _blob_std(cluster_std, k, caller):
    """cluster_std as k finite non-negative standard deviations (a scalar is shared by every blob)."""
    std = real_array(cluster_std, "cluster_std", caller, f"a standard deviation >= 0 or {k} of them")
    if std.ndim > 1 or (std.ndim == 1 and std.shape[0] not in (1, k)):
        raise ValueError(f"{caller}: cluster_std must be a real number or an array of shape ({k},) (one per "
                         f"blob), got shape {std.shape}")
    if np.any(std < 0):
        raise ValueError(f"{caller}: cluster_std must be non-negative, got {cluster_std!r}")
    return np.broadcast_to(std, (k,))


def _center_box(center_box, caller):
    """(low, high) with finite low <= high."""
    try:
        low, high = center_box
    except (TypeError, ValueError):
        raise TypeError(f"{caller}: center_box must be a pair (low, high), got {center_box!r}") from None
    low = real(low, "center_box[0]", caller)
    high = real(high, "center_box[1]", caller)
    if low > high:
        raise ValueError(f"{caller}: center_box must be (low, high) with low <= high, got {center_box!r}; "
                         "swap the bounds")
    return low, high


def make_blobs(n_samples=100, n_features=2, *, centers=3, cluster_std=1.0, center_box=(-10.0, 10.0),
               shuffle=True, random_state=None):
    """Isotropic Gaussian blobs for clustering (same parameters as scikit-learn's).

    Centres are drawn uniformly in ``center_box``; cluster ``j`` gets
    ``n_samples // centers`` rows (the first ``n_samples % centers`` one more)
    drawn from :math:`\\mathcal{N}(c_j, \\sigma_j^2 I)`.

    Parameters
    ----------
    n_samples : int, default=100
    n_features : int, default=2
    centers : int or array-like of shape (n_centers, n_features), default=3
    cluster_std : float or array-like of shape (n_centers,), default=1.0
    center_box : (float, float), default=(-10, 10)
    shuffle : bool, default=True
    random_state : int, numpy Generator or None
        An int (or None: NumPy's global seed) draws the same rows as
        scikit-learn's ``make_blobs``.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Blob index of each row.
    """
    caller = "make_blobs"
    n = count(n_samples, "n_samples", caller)
    d = count(n_features, "n_features", caller)
    # X, its shuffled copy and the per-blob draws: about three (n, d) float64 arrays at the peak
    check_bytes(3 * 8 * n * d, f"n_samples={n} rows of n_features={d}", "pass a smaller n_samples or "
                "n_features", caller)
    shuffle = flag(shuffle, "shuffle", caller)
    low, high = _center_box(center_box, caller)
    C = _blob_centers(centers, d, caller)
    k = C if isinstance(C, int) else C.shape[0]
    std = _blob_std(cluster_std, k, caller)
    # every check is done before the first draw: valid input draws exactly scikit-learn's rows
    rng = legacy_random_state(random_state)
    if isinstance(C, int):
        C = rng.uniform(low, high, size=(k, d))
    counts = np.full(k, n // k)
    counts[: n % k] += 1
    y = np.repeat(np.arange(k), counts)
    # One normal draw per blob, in blob order, then one shuffle: scikit-learn's draws.
    X = np.concatenate([rng.normal(loc=C[j], scale=std[j], size=(counts[j], d)) for j in range(k)])
    if shuffle:
        perm = np.arange(n)
        rng.shuffle(perm)
        X, y = X[perm], y[perm]
    return X, y


def make_server_metrics(n_samples=1000, *, random_state=None, anomaly_fraction=0.02, n_features=2):
    """Server monitoring data like the anomaly-detection lab: throughput and latency.

    Normal servers: throughput (mb/s) around 15 and latency (ms) around 14,
    mildly correlated; anomalies (``anomaly_fraction`` of the rows) are
    overloaded (high latency, low throughput) or stalled (both low) servers.
    With ``n_features > 2`` (the lab's high-dimensional part uses 11) the
    extra metrics are Gaussian with random scales and the anomalies deviate
    by 3-6 standard deviations in a random subset of them.

    Parameters
    ----------
    n_samples : int, default=1000
    random_state : int, numpy Generator or None
    anomaly_fraction : float in [0, 0.5), default=0.02
    n_features : int >= 2, default=2

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Columns 0 and 1 are latency (ms) and throughput (mb/s), as in the lab.
    y : ndarray of shape (n_samples,)
        1 for injected anomalies, 0 otherwise.
    """
    caller = "make_server_metrics"
    n = count(n_samples, "n_samples", caller)
    d = count(n_features, "n_features", caller)
    if d < 2:
        raise ValueError(f"{caller}: n_features must be >= 2 (latency, throughput), got {d}")
    check_bytes(3 * 8 * n * d, f"n_samples={n} rows of n_features={d}", "pass a smaller n_samples or "
                "n_features", caller)
    anomaly_fraction = real(anomaly_fraction, "anomaly_fraction", caller, low=0.0, high=0.5, include_high=False)
    rng = check_random_state(random_state)
    n_anom = int(round(n * anomaly_fraction))
    cov = np.array([[1.8, 0.3], [0.3, 1.7]])
    X = np.empty((n, d))
    X[:, :2] = rng.multivariate_normal([14.1, 15.0], cov, size=n)
    if d > 2:
        scales = rng.uniform(0.5, 5.0, size=d - 2)
        X[:, 2:] = rng.uniform(-10, 10, size=d - 2) + rng.standard_normal((n, d - 2)) * scales
    y = np.zeros(n, dtype=np.int64)
    if n_anom:
        idx = rng.choice(n, n_anom, replace=False)
        y[idx] = 1
        kind = rng.random(n_anom) < 0.5
        # overloaded: latency up, throughput down; stalled: both far down
        X[idx, 0] = np.where(kind, rng.uniform(20, 26, n_anom), rng.uniform(2, 8, n_anom))
        X[idx, 1] = np.where(kind, rng.uniform(4, 10, n_anom), rng.uniform(2, 8, n_anom))
        if d > 2:
            shift = rng.uniform(3, 6, size=(n_anom, d - 2)) * rng.choice([-1, 1], size=(n_anom, d - 2))
            mask = rng.random((n_anom, d - 2)) < 0.5
            X[np.ix_(idx, np.arange(2, d))] += shift * mask * scales
    return X, y
