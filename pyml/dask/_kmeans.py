"""KMeans (Lloyd) on Dask arrays: per-block per-cluster sums and counts from the C kernels, fixed-order combine.

Per iteration t every row block, on its worker, assigns its rows to the
nearest centre with pyml's C assignment kernel (the same tiled expansion
as the in-memory Lloyd loop, ties to the lowest index) and returns, per
cluster j, the weighted sum :math:`S_j = \\sum_{i \\in b, a_i = j} w_i x_i`,
the weight :math:`W_j = \\sum w_i` and the block's inertia. The partials are
added in a fixed binary tree; the driver sets :math:`c_j = S_j / W_j`,
moves empty clusters to the rows farthest from their centres (an extra
pass, only when a cluster is empty: each block proposes its farthest rows),
and stops as the in-memory loop does (total squared shift <= tol, which
covers "no label changed": the same labels give bitwise the same centres).

Initialisation: "k-means++" runs pyml's in-memory greedy k-means++ (C) on
the rows brought to the client when ``n_samples <= init_max_samples``
(then the result equals the in-memory fit), else on a uniform random sample
of ``init_max_samples`` rows (k-means|| is not implemented). "random",
an array or a callable behave as in memory ("random" gathers only the k
chosen rows).
"""
import numbers
import warnings

import numpy as np

from pyml.cluster import _cluster_kernels as _k
from pyml.cluster._kmeans import (
    KMeans as _KMeans, _ALGORITHMS, _check_n_clusters, _kmeanspp,
)
from pyml.dask import _core
from pyml.exceptions import ConvergenceWarning, compatible_class
from pyml.utils.callbacks import CallbackList, IterationHook, ProgressLogger
from pyml.utils.validation import check_array, check_random_state, check_scalar

__all__ = ["KMeans"]


# ---- tasks (on the workers) --------------------------------------------------------------------------------
def _prep(Xb, x_mean, dtype):
    X = _core.as_block(Xb, dtype)
    return np.ascontiguousarray(X - x_mean) if x_mean is not None else X


def _describe_block(Xb, wb, dtype):
    """(rows, max |x|, sum of x in float64); NaN/inf and bad weights are reported here, on the worker."""
    X = check_array(Xb, caller="KMeans")
    if wb is not None:
        w = np.asarray(wb, dtype=np.float64)
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError("KMeans: sample_weight must be finite and non-negative")
    return X.shape[0], float(np.max(np.abs(X))) if X.size else 0.0, X.sum(axis=0, dtype=np.float64)


def _combine_describe(a, b):
    return a[0] + b[0], max(a[1], b[1]), a[2] + b[2]


def _moments_block(Xb, x_mean, dtype, n_jobs):
    """(rows, mean, sum of squared deviations) of one block from the C moments kernel."""
    from pyml.anomaly import _anomaly_kernels

    X = _prep(Xb, x_mean, dtype)
    mean, var = _anomaly_kernels.fit_diag(X, _core.task_threads(n_jobs, X.shape[0], 8192))
    n = X.shape[0]
    return n, mean.astype(np.float64), var.astype(np.float64) * n


def chan_combine(a, b):
    """Chan et al.'s pairwise update of (count, mean, M2 = sum of squared deviations)."""
    na, ma, sa = a
    nb, mb, sb = b
    n = na + nb
    delta = mb - ma
    return n, ma + delta * (nb / n), sa + sb + delta * delta * (na * nb / n)


def _lloyd_block(Xb, wb, x_mean, centers, n_jobs):
    """(per-cluster weighted sums (k, d), weights (k,), inertia) of one block for the given centres."""
    X = _prep(Xb, x_mean, centers.dtype)
    nt = _core.task_threads(n_jobs, X.shape[0], 2048)
    w = None if wb is None else np.ascontiguousarray(wb, dtype=X.dtype)
    labels, dist = _k.assign(X, centers, False, nt)
    means = np.zeros_like(centers)
    wsum = _k.centroids(X, labels, w, means, nt)
    inertia = float(dist.astype(np.float64) @ (np.ones(X.shape[0]) if w is None else w.astype(np.float64)))
    return means.astype(np.float64) * wsum[:, None], wsum, inertia


def _farthest_block(Xb, wb, x_mean, centers, offset, n_far):
    """The n_far rows of one block farthest from their nearest centre: (dist, global row, label, row, weight)."""
    X = _prep(Xb, x_mean, centers.dtype)
    labels, _ = _k.assign(X, centers, False, 1)
    dist = ((X - centers[labels]) ** 2).sum(axis=1)
    top = np.lexsort((np.arange(X.shape[0]), -dist))[:n_far]  # largest first, ties -> lowest row
    w = np.ones(X.shape[0]) if wb is None else np.asarray(wb, dtype=np.float64)
    return [(float(dist[i]), int(offset + i), int(labels[i]), X[i].astype(np.float64), float(w[i])) for i in top]


def _concat(a, b):
    return a + b


def _labels_block(Xb, x_mean, centers, n_jobs):
    X = _prep(Xb, x_mean, centers.dtype)
    return _k.assign(X, centers, False, _core.task_threads(n_jobs, X.shape[0], 2048))[0].astype(np.intp)


# ---- estimator ---------------------------------------------------------------------------------------------
class KMeans(_KMeans):
    """:class:`pyml.cluster.KMeans` that also fits Dask arrays (Lloyd's algorithm, distributed).

    Same parameters and fitted attributes as the in-memory estimator, plus
    ``init_max_samples``. On a Dask array X chunked by rows, every Lloyd
    iteration is one distributed pass (see the module docstring); the data
    stay on the workers. ``labels_`` is then a lazy Dask array, and
    ``predict`` / ``transform`` of a Dask array return lazy Dask arrays.
    Every ``algorithm`` runs Lloyd on Dask arrays (Hamerly's bounds would
    have to live on the workers between iterations). Float64 results match
    the in-memory fit from the same initial centres to about 1e-12 relative
    (the row sums are added in another order).

    Parameters
    ----------
    n_clusters, init, n_init, max_iter, tol, algorithm, random_state, n_jobs, verbose
        As :class:`pyml.cluster.KMeans`.
    init_max_samples : int, default=100_000
        "k-means++" on a Dask array runs on at most this many rows, gathered
        on the client (all rows when X has fewer: the in-memory result).

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
    labels_ : ndarray or lazy dask array of shape (n_samples,)
        Lazy after a Dask fit (pickling the estimator computes it).
    inertia_ : float
    n_iter_ : int
    n_features_in_ : int
    """

    def __init__(self, n_clusters=8, *, init="k-means++", n_init="auto", max_iter=300, tol=1e-4,
                 algorithm="lloyd", random_state=None, n_jobs=None, verbose=0, init_max_samples=100_000):
        super().__init__(n_clusters, init=init, n_init=n_init, max_iter=max_iter, tol=tol, algorithm=algorithm,
                         random_state=random_state, n_jobs=n_jobs, verbose=verbose)
        self.init_max_samples = init_max_samples

    # ---- fit ------------------------------------------------------------------------------------------------
    def fit(self, X, y=None, sample_weight=None, callbacks=None):
        """Compute the clustering (distributed for a Dask X); returns self."""
        if not _core.is_dask_collection(X):
            if _core.is_dask_collection(sample_weight):
                sample_weight = sample_weight.compute()
            return super().fit(X, y, sample_weight=sample_weight, callbacks=callbacks)
        X, w = self._dask_validate(X, sample_weight)
        dtype = X.dtype
        rng = check_random_state(self.random_state)
        blocks, offsets = _core.aligned_blocks(X, w), _core.row_offsets(X)
        n, max_abs, col_sum = self._describe(blocks, dtype)
        _check_n_clusters(self.n_clusters, n, self)
        limit = np.sqrt(np.finfo(dtype).max / (4.0 * max(1, X.shape[1])))
        if max_abs > limit:
            raise ValueError(f"KMeans: X has values up to {max_abs:.3g}, too large for squared distances in "
                             f"{dtype} (limit {limit:.3g}); rescale X (e.g. StandardScaler)")
        x_mean = self._dask_center(X, n, col_sum)
        shift = x_mean if np.any(x_mean) else None
        tol = 0.0
        if self.tol > 0 and n > 1:
            parts = [_core.task(_moments_block)(xb, shift, dtype, self.n_jobs) for xb, _ in blocks]
            _, _, m2 = _core.compute(_core.tree_reduce(parts, chan_combine))[0]
            tol = float(np.mean((m2 / n).astype(dtype), dtype=np.float64)) * self.tol
        cbs = list(callbacks or [])
        if self.verbose:
            cbs.append(ProgressLogger(total=self.max_iter, verbose=self.verbose, name="iteration"))
        cb = CallbackList(cbs)
        best = None
        cb.on_fit_begin(self)
        for _ in range(self._n_init()):
            centers = self._dask_init(X, w, n, rng, x_mean)
            inertia, n_iter, counts = self._lloyd(blocks, offsets, shift, centers, tol, IterationHook(self, cb))
            if best is None or inertia < best[0]:
                best = (inertia, n_iter, centers, counts)
        inertia, n_iter, centers, counts = best
        self.cluster_centers_ = (centers + x_mean).astype(dtype)
        self._x_mean = x_mean
        self.inertia_ = float(inertia)
        self.n_iter_ = int(n_iter)
        self.n_features_in_ = X.shape[1]
        self.labels_ = X.map_blocks(_labels_block, shift, centers, self.n_jobs, drop_axis=1, dtype=np.intp,
                                    chunks=(X.chunks[0],), meta=np.empty((0,), dtype=np.intp))
        cb.on_fit_end(self)
        distinct = int(np.count_nonzero(counts > 0))
        if distinct < self.n_clusters:
            warnings.warn(f"Number of distinct clusters ({distinct}) found smaller than n_clusters "
                          f"({self.n_clusters}). Possibly due to duplicate points in X.",
                          compatible_class(ConvergenceWarning), stacklevel=2)
        return self

    def _dask_validate(self, X, sample_weight):
        _core.check_row_chunked(X, self)
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)
        if self.algorithm not in _ALGORITHMS:
            raise ValueError(f"KMeans: algorithm must be one of {sorted(_ALGORITHMS)}, got {self.algorithm!r}")
        self._check_iteration_params(X.shape[1])
        check_scalar(self.init_max_samples, "init_max_samples", numbers.Integral, min_val=1, caller=self)
        w = _core.aligned_vector(sample_weight, X, self, "sample_weight")
        return _core.persist_if_fits(X, w)

    def _describe(self, blocks, dtype):
        parts = [_core.task(_describe_block)(xb, wb, dtype) for xb, wb in blocks]
        return _core.compute(_core.tree_reduce(parts, _combine_describe))[0]

    def _dask_center(self, X, n, col_sum):
        """The in-memory rule of pyml.cluster._kmeans._center: the same 1000-row sample decides."""
        dtype = X.dtype
        if dtype == np.float64:
            S = np.asarray(X[:: max(1, n // 1000)].compute())
            offset = float(np.abs(S.mean(axis=0)).max())
            spread = float(np.sqrt(S.var(axis=0).mean()))
            if offset <= 1e2 * spread:
                return np.zeros(X.shape[1], dtype=dtype)
        return (col_sum / n).astype(dtype)

    def _dask_init(self, X, w, n, rng, x_mean):
        """Initial centres in the centred coordinates (see the module docstring)."""
        k, dtype = self.n_clusters, X.dtype
        if isinstance(self.init, str) and self.init == "k-means++":
            if n <= self.init_max_samples:
                Xs, ws = np.asarray(X.compute()), None if w is None else np.asarray(w.compute())
            else:
                idx = np.sort(rng.choice(n, size=int(self.init_max_samples), replace=False))
                Xs, ws = np.asarray(X[idx].compute()), None if w is None else np.asarray(w[idx].compute())
            Xs = np.ascontiguousarray(Xs - x_mean) if np.any(x_mean) else np.ascontiguousarray(Xs)
            ws = None if ws is None else np.ascontiguousarray(ws, dtype=dtype)
            centers, _ = _kmeanspp(Xs, k, ws, rng, None, _core.task_threads(self.n_jobs, Xs.shape[0], 2048))
            return centers
        if isinstance(self.init, str) and self.init == "random":
            idx = rng.permutation(n)[:k]
            rows = np.asarray(X[idx].compute())
            return np.ascontiguousarray(rows - x_mean if np.any(x_mean) else rows, dtype=dtype)
        init = self.init(X, k, rng) if callable(self.init) else self.init
        if _core.is_dask_collection(init):
            init = init.compute()
        init = check_array(init, name="init", caller=self).astype(dtype, copy=False)
        if init.shape != (k, X.shape[1]):
            raise ValueError(f"KMeans: the init callable returned centres of shape {init.shape}; "
                             f"expected (n_clusters, n_features) = ({k}, {X.shape[1]})")
        return np.ascontiguousarray(init - x_mean, dtype=dtype)

    def _pass(self, blocks, shift, centers):
        parts = [_core.task(_lloyd_block)(xb, wb, shift, centers, self.n_jobs) for xb, wb in blocks]
        return _core.compute(_core.tree_reduce(parts, _core.sum_partials))[0]

    def _relocate_empty(self, blocks, offsets, shift, old, sums, wsum):
        """Empty clusters take the rows farthest from their (old) centres, largest first (as in C)."""
        empty = np.flatnonzero(~(wsum > 0))
        parts = [_core.task(_farthest_block)(xb, wb, shift, old, int(off), len(empty))
                 for (xb, wb), off in zip(blocks, offsets)]
        cands = _core.compute(_core.tree_reduce(parts, _concat))[0]
        cands.sort(key=lambda c: (-c[0], c[1]))
        for j, (_, _, label, row, wi) in zip(empty, cands):
            sums[label] -= wi * row
            wsum[label] -= wi
            sums[j] = wi * row
            wsum[j] = wi

    def _lloyd(self, blocks, offsets, shift, centers, tol, hook):
        """The in-memory C Lloyd loop with each pass distributed; centres updated in place."""
        dtype = centers.dtype
        last_inertia, shift_tot, n_iter, wsum = 0.0, np.inf, 0, np.zeros(self.n_clusters)
        for it in range(int(self.max_iter)):
            old = centers.copy()
            sums, wsum, inertia = self._pass(blocks, shift, old)
            if np.any(~(wsum > 0)):
                self._relocate_empty(blocks, offsets, shift, old, sums, wsum)
            nz = wsum > 0
            centers[nz] = (sums[nz] / wsum[nz, None]).astype(dtype)
            shift_tot = float(np.sum((centers[nz].astype(np.float64) - old[nz].astype(np.float64)) ** 2))
            n_iter, last_inertia = it + 1, inertia
            if not np.isfinite(shift_tot):
                raise ValueError("KMeans: the centres became non-finite; rescale X (e.g. StandardScaler)")
            if hook.on_iteration(it, inertia):
                break
            if shift_tot <= tol:
                break
        if shift_tot == 0.0:  # the last pass already scored these centres
            return last_inertia, n_iter, wsum
        _, wsum, inertia = self._pass(blocks, shift, centers)
        return inertia, n_iter, wsum

    def __getstate__(self):
        # a lazy labels_ points at blocks that live on this cluster only: pickle the computed labels
        state = super().__getstate__()
        if _core.is_dask_collection(state.get("labels_")):
            state["labels_"] = np.asarray(state["labels_"].compute())
        return state

    # ---- prediction -------------------------------------------------------------------------------------------
    def _in_memory(self):
        """A plain pyml.cluster.KMeans with the fitted state (no lazy labels_), cheap to ship to workers."""
        est = _KMeans.__new__(_KMeans)
        est.__dict__.update({k: v for k, v in self.__dict__.items()
                             if not _core.is_dask_collection(v)})
        return est

    def predict(self, X):
        """Index of the nearest centre; a lazy Dask array for a Dask X."""
        if _core.is_dask_collection(X):
            return _core.lazy_method(self._in_memory().predict, X, self)
        return super().predict(X)

    def transform(self, X):
        """Distances to every centre; a lazy Dask array for a Dask X."""
        if _core.is_dask_collection(X):
            return _core.lazy_method(self._in_memory().transform, X, self)
        return super().transform(X)

    def score(self, X, y=None, sample_weight=None):
        """Opposite of the inertia of X (computed block by block for a Dask X)."""
        if not _core.is_dask_collection(X):
            return super().score(X, y, sample_weight)
        _core.check_row_chunked(X, self)
        w = _core.aligned_vector(sample_weight, X, self, "sample_weight")
        est = self._in_memory()
        shift = est._x_mean if np.any(est._x_mean) else None
        centers = np.ascontiguousarray(est.cluster_centers_ - est._x_mean, dtype=est.cluster_centers_.dtype)
        parts = [_core.task(_lloyd_block)(xb, wb, shift, centers, self.n_jobs)
                 for xb, wb in _core.aligned_blocks(X, w)]
        return -float(_core.compute(_core.tree_reduce(parts, _core.sum_partials))[0][2])
