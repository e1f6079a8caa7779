"""Seeded generators for the Course 3 week 1 labs (clustering, anomaly detection)."""
import numbers

import numpy as np

from pyml.utils.validation import check_random_state, legacy_random_state

__all__ = ["make_blobs", "make_server_metrics"]


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


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
    n = _positive_int(n_samples, "n_samples")
    d = _positive_int(n_features, "n_features")
    rng = legacy_random_state(random_state)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        k = _positive_int(centers, "centers")
        C = rng.uniform(center_box[0], center_box[1], size=(k, d))
    else:
        C = np.asarray(centers, dtype=np.float64)
        if C.ndim != 2 or C.shape[1] != d:
            raise ValueError(f"centers must be an int or an array of shape (n_centers, {d}), got shape {C.shape}")
        k = C.shape[0]
    std = np.broadcast_to(np.asarray(cluster_std, dtype=np.float64), (k,))
    if np.any(std < 0):
        raise ValueError("cluster_std must be non-negative")
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
    n = _positive_int(n_samples, "n_samples")
    d = _positive_int(n_features, "n_features")
    if d < 2:
        raise ValueError(f"n_features must be >= 2 (latency, throughput), got {d}")
    if not 0.0 <= anomaly_fraction < 0.5:
        raise ValueError(f"anomaly_fraction must be in [0, 0.5), got {anomaly_fraction!r}")
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
