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

Initialisation:

* "k-means||" (the default for Dask input, as in dask-ml) is the scalable
  k-means++ of Bahmani et al. (2012), run on the cluster. The first
  candidate is one row drawn with probability proportional to its weight
  (an exponential race: every block proposes the row minimising
  :math:`-\\log(1 - u_i) / w_i`). Then, for ``init_max_iter`` rounds (5 by
  default), one pass over the blocks: each block updates, for every row,
  the squared distance :math:`D(x_i)^2` to the nearest candidate (C
  assignment kernel, only against the candidates added in the last round;
  the per-row distance and nearest candidate stay on the worker between
  passes) and keeps row i with probability
  :math:`\\min(1, \\ell w_i D(x_i)^2 / \\phi)`, :math:`\\phi = \\sum_i w_i D(x_i)^2`,
  :math:`\\ell` = ``oversampling_factor * n_clusters``. The uniforms come
  from a generator seeded by (a seed drawn from ``random_state``, the
  round, the block index) only, so the candidates are the same for any
  number of workers or threads and any task order (for a fixed chunking).
  Because :math:`\\phi` is only known once the pass is over, each block
  returns its rows with the smallest keys :math:`u_i / (w_i D(x_i)^2)` and
  the client keeps those below :math:`\\ell / \\phi` (a block whose list
  may be cut short is asked again for all of them: one pass per round).
  A last pass weights every candidate by the weight of the rows nearest to
  it; the client reduces the (few) weighted candidates to ``n_clusters``
  centres with pyml's weighted greedy k-means++ followed by weighted Lloyd
  iterations on the candidates (as Spark MLlib does).
* "k-means++" runs pyml's in-memory greedy k-means++ (C) on the rows
  brought to the client when ``n_samples <= init_max_samples`` (then the
  result equals the in-memory fit), else on a uniform random sample of
  ``init_max_samples`` rows.
* "random", an array or a callable behave as in memory ("random" gathers
  only the k chosen rows).
"""
import contextlib
import operator
import numbers
import warnings

import numpy as np

from pyml.cluster import _cluster_kernels as _k
from pyml.cluster._kmeans import (
    KMeans as _KMeans, _ALGORITHMS, _check_n_clusters, _kmeanspp,
)
from pyml.dask import _core
from pyml.exceptions import ConvergenceWarning, compatible_class
from pyml.utils.callbacks import IterationHook, fit_callbacks
from pyml.utils.validation import check_array, check_random_state, check_scalar

__all__ = ["KMeans", "kmeans_parallel"]


# ---- tasks (on the workers) --------------------------------------------------------------------------------
def _prep(Xb, x_mean, dtype):
    X = _core.as_block(Xb, dtype)
    return np.ascontiguousarray(X - x_mean) if x_mean is not None else X


def _describe_block(Xb, wb, dtype):
    """(rows, max |x|, sum of x in float64, sum of weights); NaN/inf and bad weights are reported here,
    on the worker."""
    X = check_array(Xb, caller="KMeans")
    wsum = float(X.shape[0])
    if wb is not None:
        w = np.asarray(wb, dtype=np.float64)
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError("KMeans: sample_weight must be finite and non-negative")
        wsum = float(w.sum())
    return X.shape[0], float(np.max(np.abs(X))) if X.size else 0.0, X.sum(axis=0, dtype=np.float64), wsum


def _combine_describe(a, b):
    return a[0] + b[0], max(a[1], b[1]), a[2] + b[2], a[3] + b[3]


def _describe(blocks, dtype):
    """(rows, max |x|, column sums, total weight) of X in one pass; all-zero weights are rejected."""
    parts = [_core.task(_describe_block)(xb, wb, dtype) for xb, wb in blocks]
    n, max_abs, col_sum, wsum = _core.compute(_core.tree_reduce(parts, _combine_describe))[0]
    if not wsum > 0:
        raise ValueError("KMeans: sample_weight are all zero: at least one sample needs a positive weight")
    return n, max_abs, col_sum


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


# ---- k-means|| tasks (see the module docstring) ---------------------------------------------------------------
def _block_rng(seed, stream, index):
    """The generator of one block in one round: a function of (seed, round, block index) only."""
    return np.random.default_rng([seed, stream, index])


def _race_block(Xb, wb, x_mean, dtype, seed, index, offset):
    """The block's entry in the race for the first candidate: (-log(1 - u) / w minimal, global row, row)."""
    X = _prep(Xb, x_mean, dtype)
    e = -np.log1p(-_block_rng(seed, 0, index).random(X.shape[0]))  # Exp(1): argmin of e / w ~ w / sum(w)
    if wb is not None:
        w = np.asarray(wb, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            e = np.where(w > 0, e / w, np.inf)
    i = int(np.argmin(e))  # the first on ties
    return float(e[i]), int(offset + i), X[i].copy()


def _race_min(a, b):
    return a if (a[0], a[1]) <= (b[0], b[1]) else b


def _weighted_d2(dmin, wb):
    wd = dmin.astype(np.float64)
    return wd if wb is None else wd * np.asarray(wb, dtype=np.float64)


def _sampling_keys(wd, seed, round_, index):
    """Keys u_i / (w_i D_i^2), u_i uniform from the block's generator of round ``round_`` (stream
    round_ + 1; stream 0 is the first candidate's race): row i is sampled iff its key < l / phi, i.e.
    with probability min(1, l w_i D_i^2 / phi); rows with w_i D_i^2 = 0 never are."""
    u = _block_rng(seed, round_ + 1, index).random(wd.shape[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(wd > 0, u / wd, np.inf)


def _parallel_pass_block(Xb, wb, x_mean, prev, new, first_id, n_jobs, seed, round_, index, offset, n_keep,
                         n_cand):
    """One k-means|| pass over a block: (state, summary).

    state = (D^2 to the nearest candidate, its id) per row, updated with the
    candidates ``new`` (ids first_id, first_id + 1, ...; ties keep the older
    one); ``prev`` is the previous pass's result on this block (None at first).
    summary = (phi_b, the n_keep smallest keys, their global rows, the rows)
    in a sampling round, (phi_b, weight attracted by each candidate) in the
    final pass (``round_`` None).
    """
    X = _prep(Xb, x_mean, new.dtype)
    if prev is not None:
        dmin, near = prev[0]
    if new.shape[0]:
        labels, dist = _k.assign(X, new, False, _core.task_threads(n_jobs, X.shape[0], 2048))
        labels = labels + np.int32(first_id)
        if prev is None:
            dmin, near = dist, labels
        else:
            closer = dist < dmin
            dmin, near = np.where(closer, dist, dmin), np.where(closer, labels, near)
    wd = _weighted_d2(dmin, wb)
    phi = float(wd.sum())
    if round_ is None:
        w = None if wb is None else np.asarray(wb, dtype=np.float64)
        return (dmin, near), (phi, np.bincount(near, weights=w, minlength=n_cand).astype(np.float64))
    keys = _sampling_keys(wd, seed, round_, index)
    top = np.argpartition(keys, n_keep - 1)[:n_keep] if keys.shape[0] > n_keep else np.arange(keys.shape[0])
    top = top[np.lexsort((top, keys[top]))]  # smallest key first, ties -> lowest row
    return (dmin, near), (phi, keys[top], offset + top, X[top])


def _select_block(Xb, x_mean, dtype, wb, prev, seed, round_, index, offset, tau):
    """Every row of the block with key < tau (when its n_keep smallest keys were not enough)."""
    X = _prep(Xb, x_mean, dtype)
    keys = _sampling_keys(_weighted_d2(prev[0][0], wb), seed, round_, index)
    sel = np.flatnonzero(keys < tau)
    return keys[sel], offset + sel, X[sel]


def _keep_per_block(ell):
    """Smallest keys each block returns per round. A round samples l rows in expectation over all blocks
    (sum_i min(1, l w_i D_i^2 / phi) <= l), so more than 2 l + 16 in one block almost never happens; when
    it does, that block is asked again (exact either way)."""
    return int(np.ceil(2.0 * ell)) + 16


def _kmeans_parallel(blocks, offsets, shift, dtype, n_clusters, rng, oversampling_factor, n_rounds, n_jobs):
    """k-means|| on the cluster (see the module docstring): initial centres (n_clusters, d) in the
    coordinates of the blocks minus ``shift``."""
    k = int(n_clusters)
    seed = int(rng.integers(np.iinfo(np.int64).max))
    n_keep = _keep_per_block(float(oversampling_factor) * k)
    located = [(i, xb, wb, int(off)) for i, ((xb, wb), off) in enumerate(zip(blocks, offsets))]
    first = _core.compute(_core.tree_reduce(
        [_core.task(_race_block)(xb, wb, shift, dtype, seed, i, off) for i, xb, wb, off in located],
        _race_min))[0][2]
    new = np.ascontiguousarray(first[None, :], dtype=dtype)
    cands, n_cand, prev, r = [new], 1, [None] * len(blocks), 0
    while True:  # rounds 0 .. n_rounds - 1 sample; the last pass (r = None) weights the candidates
        prev = _core.persist_calls([
            _core.task(_parallel_pass_block)(xb, wb, shift, p, new, n_cand - new.shape[0], n_jobs, seed, r, i,
                                             off, n_keep, n_cand)
            for (i, xb, wb, off), p in zip(located, prev)])
        summaries = _core.gather_items(prev, 1)
        if r is None:
            weights = _core._pairwise([s[1] for s in summaries], operator.add)
            break
        phi = _core._pairwise([s[0] for s in summaries], operator.add)
        new = _sampled_rows(located, prev, summaries, float(oversampling_factor) * k / phi, n_keep, shift, dtype,
                            seed, r) if phi > 0 else np.empty((0, first.shape[0]), dtype=dtype)
        cands.append(new)
        n_cand += new.shape[0]
        # phi = 0: every row sits on a candidate, nothing is left to sample
        r = None if r + 1 == n_rounds or not phi > 0 else r + 1
    C = np.ascontiguousarray(np.concatenate(cands), dtype=dtype)
    del prev  # the per-row state is released on the workers
    return _reduce_candidates(C, weights, k, rng, blocks, offsets, shift, n_jobs)


def _sampled_rows(located, prev, summaries, tau, n_keep, shift, dtype, seed, r):
    """The rows with key < tau = l / phi, in the order of their global row; a block whose n_keep smallest
    keys are all below tau is asked for all of its rows below it."""
    rows, xs = [], []
    for (i, xb, wb, off), p, (_, keys, grow, xrow) in zip(located, prev, summaries):
        if keys.shape[0] == n_keep and keys[-1] < tau:
            keys, grow, xrow = _core.compute(_core.task(_select_block)(xb, shift, dtype, wb, p, seed, r, i, off,
                                                                       tau))[0]
        m = keys < tau
        rows.append(grow[m])
        xs.append(xrow[m])
    order = np.argsort(np.concatenate(rows), kind="stable")
    return np.ascontiguousarray(np.concatenate(xs)[order], dtype=dtype)


def _reduce_candidates(C, weights, k, rng, blocks, offsets, shift, n_jobs):
    """k centres from the weighted candidates: weighted greedy k-means++, then weighted Lloyd on them.
    Fewer candidates than k (tiny or duplicate-heavy data): the rows farthest from them are added."""
    if C.shape[0] < k:
        need = k - C.shape[0]
        parts = [_core.task(_farthest_block)(xb, wb, shift, C, int(off), need)
                 for (xb, wb), off in zip(blocks, offsets)]
        far = _core.compute(_core.tree_reduce(parts, _concat))[0]
        far.sort(key=lambda c: (-c[0], c[1]))
        return np.ascontiguousarray(np.vstack([C] + [c[3][None, :] for c in far[:need]]), dtype=C.dtype)
    if C.shape[0] == k:
        return C
    w = np.ascontiguousarray(weights, dtype=C.dtype)
    nt = _core.task_threads(n_jobs, C.shape[0], 2048)
    centers, _ = _kmeanspp(C, k, w, rng, None, nt)
    centers = np.ascontiguousarray(centers)
    _k.fit(C, w, centers, _ALGORITHMS["lloyd"], 30, 0.0, False, nt, IterationHook())
    return centers


def kmeans_parallel(X, n_clusters, *, sample_weight=None, oversampling_factor=2.0, n_rounds=5, random_state=None,
                    n_jobs=None):
    """k-means|| seeding (the scalable k-means++ of Bahmani et al., 2012) of a Dask array, on the cluster.

    Round 0 draws one row with probability proportional to its weight; each
    of ``n_rounds`` rounds is one pass over the blocks on the workers that
    keeps every row independently with probability
    :math:`\\min(1, \\ell w_i D(x_i)^2 / \\phi)`, where :math:`D(x_i)` is
    the distance to the nearest candidate so far,
    :math:`\\phi = \\sum_i w_i D(x_i)^2` and
    :math:`\\ell` = ``oversampling_factor * n_clusters``; a last pass weights
    every candidate by the rows nearest to it, and the client reduces the
    weighted candidates to ``n_clusters`` centres (weighted greedy k-means++,
    then weighted Lloyd iterations). The random draws depend only on
    ``random_state``, the round and the block index: the same centres for
    any number of workers or threads, for a fixed chunking.

    Parameters
    ----------
    X : dask array of shape (n_samples, n_features), chunked by rows
        (a NumPy array is one block, seeded in this process).
    n_clusters : int
    sample_weight : array-like or dask array of shape (n_samples,), optional
    oversampling_factor : float, default=2.0
        :math:`\\ell / k`, the expected candidates per round over
        ``n_clusters`` (Bahmani et al.'s :math:`\\ell = 2k`; dask-ml's
        ``oversampling_factor`` is :math:`\\ell` itself).
    n_rounds : int, default=5
    random_state : int, numpy Generator or None
    n_jobs : int, optional
        Threads of the client-side reduction (tasks use their worker's threads).

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features)
        In X's coordinates (:class:`KMeans` runs the same seeding on the
        data it centres when they sit far from the origin, or are float32).
    """
    import dask
    import dask.array as da

    if not _core.is_dask_collection(X):  # one block, seeded in this process (not sent to a cluster)
        X = check_array(X, caller="kmeans_parallel")
        if _core.is_dask_collection(sample_weight):
            sample_weight = sample_weight.compute()
        with dask.config.set(scheduler="synchronous"):
            return kmeans_parallel(da.from_array(X, chunks=X.shape), n_clusters, sample_weight=sample_weight,
                                   oversampling_factor=oversampling_factor, n_rounds=n_rounds,
                                   random_state=random_state, n_jobs=n_jobs)
    _core.check_row_chunked(X, "kmeans_parallel")
    _check_parallel_params(oversampling_factor, n_rounds, "kmeans_parallel", "n_rounds")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    w = _core.aligned_vector(sample_weight, X, KMeans(), "sample_weight")
    X, w = _core.persist_if_fits(X, w)
    blocks = _core.aligned_blocks(X, w)
    n = _describe(blocks, X.dtype)[0]
    k = _check_n_clusters(n_clusters, n, KMeans())
    return _kmeans_parallel(blocks, _core.row_offsets(X), None, X.dtype, k, check_random_state(random_state),
                            oversampling_factor, n_rounds, n_jobs).astype(X.dtype, copy=False)


def _check_parallel_params(oversampling_factor, n_rounds, caller, rounds_name):
    check_scalar(oversampling_factor, "oversampling_factor", numbers.Real, min_val=0.0, include_min=False,
                 caller=caller)
    check_scalar(n_rounds, rounds_name, numbers.Integral, min_val=1, max_val=1000, caller=caller)


def _labels_block(Xb, x_mean, centers, n_jobs):
    X = _prep(Xb, x_mean, centers.dtype)
    return _k.assign(X, centers, False, _core.task_threads(n_jobs, X.shape[0], 2048))[0].astype(np.intp)


# ---- estimator ---------------------------------------------------------------------------------------------
class KMeans(_KMeans):
    """:class:`pyml.cluster.KMeans` that also fits Dask arrays (Lloyd's algorithm, distributed).

    Same parameters and fitted attributes as the in-memory estimator, plus
    ``init_max_samples``, ``oversampling_factor`` and ``init_max_iter``
    (the k-means|| seeding, the default as in dask-ml). On a Dask array X
    chunked by rows, every Lloyd
    iteration is one distributed pass (see the module docstring); the data
    stay on the workers. ``labels_`` is then a lazy Dask array, and
    ``predict`` / ``transform`` of a Dask array return lazy Dask arrays.
    Every ``algorithm`` runs Lloyd on Dask arrays (Hamerly's bounds would
    have to live on the workers between iterations). Float64 results match
    the in-memory fit from the same initial centres to about 1e-12 relative
    (the row sums are added in another order).

    Parameters
    ----------
    init : {"k-means||", "k-means++", "random"}, callable or array, default="k-means||"
        "k-means||": the scalable k-means++ of Bahmani et al. (2012) on the
        cluster (module docstring; :func:`kmeans_parallel`). On a NumPy X
        (the in-memory path) "k-means||" runs pyml's in-memory k-means++,
        which it approximates, so the model equals
        ``pyml.cluster.KMeans(init="k-means++")``'s.
    n_init : "auto" or int, default="auto"
        "auto" is 1 for "k-means||", "k-means++" or an array, 10 for
        "random". On a Dask X the restarts run one after the other, each
        one distributed over the whole cluster.
    n_clusters, max_iter, tol, algorithm, random_state, n_jobs, verbose
        As :class:`pyml.cluster.KMeans`.
    oversampling_factor : float, default=2.0
        k-means||: :math:`\\ell` = ``oversampling_factor * n_clusters`` rows
        expected per round (dask-ml's parameter of this name is
        :math:`\\ell` itself).
    init_max_iter : int, default=5
        k-means||: the number of sampling rounds (passes over X).
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

    def __init__(self, n_clusters=8, *, init="k-means||", n_init="auto", max_iter=300, tol=1e-4,
                 algorithm="lloyd", random_state=None, n_jobs=None, verbose=0, oversampling_factor=2.0,
                 init_max_iter=5, init_max_samples=100_000):
        super().__init__(n_clusters, init=init, n_init=n_init, max_iter=max_iter, tol=tol, algorithm=algorithm,
                         random_state=random_state, n_jobs=n_jobs, verbose=verbose)
        self.oversampling_factor = oversampling_factor
        self.init_max_iter = init_max_iter
        self.init_max_samples = init_max_samples

    def _is_parallel_init(self):
        return isinstance(self.init, str) and self.init == "k-means||"

    @contextlib.contextmanager
    def _as_kmeanspp(self):
        """init="k-means||" read as "k-means++" by the in-memory code (its checks, its fit)."""
        if not self._is_parallel_init():
            yield
            return
        self.init = "k-means++"
        try:
            yield
        finally:
            self.init = "k-means||"

    def _check_iteration_params(self, n_features):
        if isinstance(self.init, str) and self.init not in ("k-means||", "k-means++", "random"):
            raise ValueError(f"KMeans: init must be 'k-means||', 'k-means++', 'random', an array of shape "
                             f"(n_clusters, n_features) or a callable, got {self.init!r}")
        with self._as_kmeanspp():
            super()._check_iteration_params(n_features)

    def _n_init(self):
        with self._as_kmeanspp():
            return super()._n_init()

    # ---- fit ------------------------------------------------------------------------------------------------
    def fit(self, X, y=None, sample_weight=None, callbacks=None):
        """Compute the clustering (distributed for a Dask X); returns self."""
        if not _core.is_dask_collection(X):
            # the in-memory fit never reads the k-means|| parameters: check them here, as the Dask path does
            self._check_init_params()
            if _core.is_dask_collection(sample_weight):
                sample_weight = sample_weight.compute()
            with self._as_kmeanspp():
                return super().fit(X, y, sample_weight=sample_weight, callbacks=callbacks)
        X, w = self._dask_validate(X, sample_weight)
        dtype = X.dtype
        rng = check_random_state(self.random_state)
        blocks, offsets = _core.aligned_blocks(X, w), _core.row_offsets(X)
        n, max_abs, col_sum = _describe(blocks, dtype)
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
        cb = fit_callbacks(callbacks, type(self).__name__, self.verbose, self.max_iter)
        best = None
        cb.on_fit_begin(self)
        for _ in range(self._n_init()):
            centers = self._dask_init(X, w, n, rng, x_mean, blocks, offsets, shift)
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
        self._check_init_params()
        w = _core.aligned_vector(sample_weight, X, self, "sample_weight")
        return _core.persist_if_fits(X, w)

    def _check_init_params(self):
        """``oversampling_factor`` (a finite number > 0), ``init_max_iter`` and ``init_max_samples``."""
        check_scalar(self.init_max_samples, "init_max_samples", numbers.Integral, min_val=1, caller=self)
        _check_parallel_params(self.oversampling_factor, self.init_max_iter, self, "init_max_iter")

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

    def _dask_init(self, X, w, n, rng, x_mean, blocks, offsets, shift):
        """Initial centres in the centred coordinates (see the module docstring)."""
        k, dtype = self.n_clusters, X.dtype
        if self._is_parallel_init():
            return _kmeans_parallel(blocks, offsets, shift, dtype, k, rng, self.oversampling_factor,
                                    self.init_max_iter, self.n_jobs)
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
