"""k-means++ seeding equals a NumPy greedy reference fed the same random numbers."""
import numpy as np
import pytest

from pyml.cluster import kmeans_plusplus
from pyml.datasets import make_blobs


def greedy_reference(X, k, seed):
    """Greedy k-means++ (scikit-learn's variant) drawing numbers exactly as pyml does."""
    n = len(X)
    trials = 2 + int(np.log(k))
    rng = np.random.default_rng(seed)
    first = int(rng.integers(n))
    uniforms = rng.random((k - 1, trials))
    chosen = [first]
    closest = ((X - X[first]) ** 2).sum(axis=1)
    for c in range(1, k):
        cand = np.minimum(np.searchsorted(np.cumsum(closest), uniforms[c - 1] * closest.sum(), side="left"), n - 1)
        dist = ((X[None, :, :] - X[cand][:, None, :]) ** 2).sum(axis=-1)
        new = np.minimum(closest[None, :], dist)
        best = int(np.argmin(new.sum(axis=1)))
        chosen.append(int(cand[best]))
        closest = new[best]
    return np.array(chosen)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_kmeanspp_matches_greedy_reference(seed, n_jobs):
    X, _ = make_blobs(3000, 5, centers=12, random_state=4)
    centers, indices = kmeans_plusplus(X, 12, random_state=seed, n_jobs=n_jobs)
    np.testing.assert_array_equal(indices, greedy_reference(X, 12, seed))
    np.testing.assert_array_equal(centers, X[indices])
