"""K-means estimators: KMeans (Lloyd / Hamerly), MiniBatchKMeans and k-means++ seeding.

The heavy work happens in C (``csrc/cluster.c``): the whole Lloyd or Hamerly
run, the assignment of rows to centres and the k-means++ seeding. This module
validates inputs, draws the random numbers (so results do not depend on the
thread count) and picks the best of ``n_init`` runs.
"""
import math
import numbers
import warnings

import numpy as np

from pyml.base import BaseEstimator, ClusterMixin, TransformerMixin
from pyml.cluster import _cluster_kernels as _k
from pyml.exceptions import ConvergenceWarning, compatible_class
from pyml.utils._threads import resolve_n_jobs, threads_for_work
from pyml.utils.callbacks import IterationHook, ProgressLogger, fit_callbacks
from pyml.utils.validation import (
    check_array, check_is_fitted, check_n_features, check_random_state, check_sample_weight, check_scalar,
)

__all__ = ["KMeans", "MiniBatchKMeans", "kmeans_plusplus"]

_MAX_N_INIT = 100_000  # more restarts than this is a typo, not a plan (it would run for days)

_ALGORITHMS = {"lloyd": _k.ALGORITHM_LLOYD, "hamerly": _k.ALGORITHM_HAMERLY, "auto": _k.ALGORITHM_LLOYD,
               "elkan": _k.ALGORITHM_HAMERLY}


def _threads(n_jobs, n_rows):
    return threads_for_work(resolve_n_jobs(n_jobs), n_rows, min_items_per_thread=2048)


def _center(X):
    """(shift, X - shift): the coordinates the k-means kernels work in.

    The assignment uses ||x||^2 - 2 x.c + ||c||^2, which loses about
    2 log10(offset / spread) digits when the data sit far from the origin.
    float32 data are therefore always centred (as scikit-learn does); float64
    data only when a 1000-row sample shows an offset above 100 spreads
    (at most 4 of 16 digits lost otherwise), which saves a copy of X.
    """
    if X.dtype == np.float64:
        S = X[:: max(1, X.shape[0] // 1000)]
        offset = float(np.abs(S.mean(axis=0)).max())
        spread = float(np.sqrt(S.var(axis=0).mean()))
        if offset <= 1e2 * spread:
            return np.zeros(X.shape[1], dtype=X.dtype), X
    x_mean = X.mean(axis=0, dtype=np.float64).astype(X.dtype)
    return x_mean, np.ascontiguousarray(X - x_mean)


def _check_n_clusters(n_clusters, n_samples, caller):
    name = type(caller).__name__
    if isinstance(n_clusters, bool) or not isinstance(n_clusters, numbers.Integral):
        raise TypeError(f"{name}: n_clusters must be an integer, got {n_clusters!r}")
    if n_clusters < 1:
        raise ValueError(f"{name}: n_clusters={n_clusters} must be >= 1")
    if n_samples is not None and n_clusters > n_samples:
        raise ValueError(f"{name}: n_samples={n_samples} should be >= n_clusters={n_clusters}; "
                         "ask for fewer clusters or pass more rows")
    return int(n_clusters)


def _n_local_trials(n_clusters, n_local_trials):
    if n_local_trials is None:
        return min(2 + int(np.log(n_clusters)), 256)
    if isinstance(n_local_trials, bool) or not isinstance(n_local_trials, numbers.Integral) or \
            not 1 <= n_local_trials <= 256:
        raise ValueError(f"k-means++: n_local_trials must be an integer in [1, 256] (the kernel's candidate "
                         f"buffer), got {n_local_trials!r}; None picks 2 + log(n_clusters)")
    return int(n_local_trials)


def _kmeanspp_draws(n, n_clusters, sample_weight, rng, n_local_trials):
    """The random numbers of one k-means++ seeding: (first row, uniforms (n_clusters - 1, trials))."""
    trials = _n_local_trials(n_clusters, n_local_trials)
    # equal weights (e.g. sample_weight=np.ones(n)) weigh nothing: the same draws as no weights at all
    if sample_weight is None or (len(sample_weight) and np.all(sample_weight == sample_weight[0])):
        first = int(rng.integers(n))
    else:
        first = int(rng.choice(n, p=sample_weight / sample_weight.sum(dtype=np.float64)))
    uniforms = rng.random((max(n_clusters - 1, 0), trials))
    if n_clusters == 1:
        uniforms = np.zeros((0, trials))
    return first, np.ascontiguousarray(uniforms)


def _kmeanspp(X, n_clusters, sample_weight, rng, n_local_trials, n_threads):
    """Draw the random numbers in Python, run the greedy seeding in C."""
    first, uniforms = _kmeanspp_draws(X.shape[0], n_clusters, sample_weight, rng, n_local_trials)
    return _k.kmeanspp(X, sample_weight, n_clusters, first, uniforms, n_threads)


def kmeans_plusplus(X, n_clusters, *, sample_weight=None, random_state=None, n_local_trials=None, n_jobs=None):
    """Greedy k-means++ seeding (Arthur & Vassilvitskii 2007, as in scikit-learn).

    The first centre is a row drawn with probability proportional to its
    weight; each next centre is the best of ``n_local_trials`` candidates drawn
    with probability :math:`w_i D(x_i)^2 / \\sum_l w_l D(x_l)^2`, where
    :math:`D(x)` is the distance to the nearest centre chosen so far; "best"
    means lowest potential :math:`\\sum_i w_i D(x_i)^2` once it is added.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    n_clusters : int
    sample_weight : array-like of shape (n_samples,), optional
    random_state : int, numpy Generator or None
    n_local_trials : int, optional
        Candidates per centre; default ``2 + int(log(n_clusters))``.
    n_jobs : int, optional
        Threads (None = all usable cores). Results do not depend on it.

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features)
    indices : ndarray of shape (n_clusters,)
        Row of X chosen for each centre.
    """
    X = check_array(X, caller="kmeans_plusplus")
    if isinstance(n_clusters, bool) or not isinstance(n_clusters, numbers.Integral) or n_clusters < 1:
        raise ValueError(f"kmeans_plusplus: n_clusters must be a positive integer, got {n_clusters!r}")
    if n_clusters > X.shape[0]:
        raise ValueError(f"kmeans_plusplus: n_samples={X.shape[0]} should be >= n_clusters={n_clusters}")
    if n_local_trials is not None and (not isinstance(n_local_trials, numbers.Integral) or n_local_trials < 1):
        raise ValueError(f"kmeans_plusplus: n_local_trials must be a positive integer, got {n_local_trials!r}")
    w = check_sample_weight(sample_weight, X.shape[0], X.dtype, "kmeans_plusplus")
    rng = check_random_state(random_state)
    return _kmeanspp(X, int(n_clusters), w, rng, n_local_trials, _threads(n_jobs, X.shape[0]))



def _mean_feature_variance(X, n_threads):
    """Mean over features of the 1/m variance, in one pass of the C moments kernel (double
    accumulators): no float64 copy of a float32 X (np.var(..., dtype=float64) peaks at 4x X)."""
    from pyml.anomaly import _anomaly_kernels

    return float(np.mean(_anomaly_kernels.fit_diag(X, n_threads)[1], dtype=np.float64))


def _check_squares_fit(X, owner):
    """Squared distances must not overflow X's float type (|x| up to ~1e154 in float64, ~1e19 in float32):
    beyond that every distance is inf and the clustering is meaningless."""
    limit = np.sqrt(np.finfo(X.dtype).max / (4.0 * max(1, X.shape[1])))
    if X.size and float(np.max(np.abs(X))) > limit:
        raise ValueError(f"{type(owner).__name__}: X has values up to {float(np.max(np.abs(X))):.3g}, too large for "
                         f"squared distances in {X.dtype} (limit {limit:.3g}); rescale X (e.g. StandardScaler)")


# ---- n_init restarts as joblib tasks (``with joblib.parallel_backend(...)``) ---------------------------------
def _restarts_use_joblib(est, n_init, callbacks):
    """joblib's convention: with n_jobs=None inside a parallel_backend context the context decides.

    An explicit ``n_jobs`` counts OpenMP threads of this process (the fast
    default); callbacks and verbose output need the iterations in order, in
    this process, so they keep the sequential loop too.
    """
    from pyml.utils._threads import joblib_backend_active

    if not (n_init > 1 and est.n_jobs is None and not callbacks and joblib_backend_active()):
        return False
    from joblib import parallel

    backend, n_jobs = parallel.get_active_backend()
    return int(backend.effective_n_jobs(n_jobs)) > 1  # not the one-worker nested backend inside a joblib task


def _restart_spec(est, Xc, w, rng, x_mean):
    """The random draws of one restart, made here in the order of the sequential loop (so the
    generator is consumed exactly as there); the costly k-means++ seeding itself runs in the task."""
    if isinstance(est.init, str) and est.init == "k-means++":
        return ("k-means++", est.n_clusters) + _kmeanspp_draws(Xc.shape[0], est.n_clusters, w, rng, None)
    return ("centers", est._init_centers(Xc, w, rng, 1, x_mean))


def _run_restart(Xc, w, spec, algorithm, max_iter, tol, n_threads):
    """One restart (seeding + the C k-means loop) as a joblib task: (labels, inertia, n_iter, centres).

    ``n_threads=None``: resolved where the task runs (a loky or Dask worker
    sets OMP_NUM_THREADS for its share of the cores). The kernels give
    bitwise the same result for any thread count.
    """
    nt = _threads(None, Xc.shape[0]) if n_threads is None else n_threads
    if spec[0] == "k-means++":
        _, k, first, uniforms = spec
        centers = _k.kmeanspp(Xc, w, k, first, uniforms, nt)[0]
    else:
        centers = np.array(spec[1], copy=True)  # the loop moves it in place
    labels, inertia, n_iter, _ = _k.fit(Xc, w, centers, algorithm, max_iter, tol, False, nt, IterationHook())
    return labels, inertia, n_iter, centers


def _joblib_task_threads(n_threads):
    """OpenMP threads per task: a share of this process's cores under a thread-based backend, else
    None (the worker process decides)."""
    from joblib import parallel

    backend, n_jobs = parallel.get_active_backend()
    if getattr(backend, "uses_threads", False):
        return max(1, n_threads // max(1, int(backend.effective_n_jobs(n_jobs))))
    return None


def _joblib_restarts(est, Xc, w, rng, x_mean, n_init, algorithm, tol, n_threads):
    """The n_init restarts through ``joblib.Parallel``; the best as the sequential loop picks it
    (lowest inertia, the first one on ties)."""
    from pyml.utils._threads import joblib_map

    specs = [_restart_spec(est, Xc, w, rng, x_mean) for _ in range(n_init)]
    nt = _joblib_task_threads(n_threads)
    best = None
    for labels, inertia, n_iter, centers in joblib_map(
            _run_restart, [(Xc, w, s, algorithm, est.max_iter, tol, nt) for s in specs], None):
        if best is None or inertia < best[1]:
            best = (labels, inertia, n_iter, centers)
    return best


class _KMeansBase(ClusterMixin, TransformerMixin, BaseEstimator):
    """Shared validation, prediction and transform of the k-means estimators."""

    _pyml_tags = {"preserves_dtype": ["float64", "float32"]}

    def get_feature_names_out(self, input_features=None):
        """``kmeans0, kmeans1, ...``: the columns of ``transform`` (distance to each centre)."""
        from pyml.utils._feature_names import feature_names_out

        check_is_fitted(self, "cluster_centers_")
        feature_names_out(self, input_features)
        return np.asarray([f"{type(self).__name__.lower()}{i}" for i in range(self.cluster_centers_.shape[0])],
                          dtype=object)

    def _validate_common(self, X, sample_weight, reset=True):
        X = check_array(X, caller=self)
        _check_squares_fit(X, self)
        n = X.shape[0]
        _check_n_clusters(self.n_clusters, n, self)
        self._check_iteration_params(X.shape[1])
        w = check_sample_weight(sample_weight, n, X.dtype, self)
        return X, w

    def _check_iteration_params(self, n_features):
        """init (a name, an (n_clusters, n_features) array or a callable), max_iter and tol."""
        if isinstance(self.init, str):
            if self.init not in ("k-means++", "random"):
                raise ValueError(f"{type(self).__name__}: init must be 'k-means++', 'random', an array of shape "
                                 f"(n_clusters, n_features) or a callable, got {self.init!r}")
        elif not callable(self.init):
            init = np.asarray(self.init)
            if init.shape != (self.n_clusters, n_features):
                raise ValueError(f"{type(self).__name__}: the init array has shape {init.shape}; expected "
                                 f"(n_clusters, n_features) = ({self.n_clusters}, {n_features})")
            check_array(init, name="init", caller=self)
        check_scalar(self.max_iter, "max_iter", numbers.Integral, min_val=1, caller=self)
        check_scalar(self.tol, "tol", numbers.Real, min_val=0.0, caller=self)

    def _n_init(self):
        if self.n_init == "auto":
            return 1 if (not isinstance(self.init, str) or self.init == "k-means++") else 10
        check_scalar(self.n_init, "n_init", numbers.Integral, min_val=1, max_val=_MAX_N_INIT, caller=self)
        if not isinstance(self.init, str) and not callable(self.init) and self.n_init != 1:
            warnings.warn(f"Explicit initial center position passed: performing only one init in "
                          f"{type(self).__name__} instead of n_init={self.n_init}.", RuntimeWarning, stacklevel=3)
            return 1
        return int(self.n_init)

    def _init_centers(self, X, w, rng, n_threads, x_mean):
        """Initial centres in the centred coordinates of X."""
        k = self.n_clusters
        if isinstance(self.init, str) and self.init == "k-means++":
            centers, _ = _kmeanspp(X, k, w, rng, None, n_threads)
            return centers
        if isinstance(self.init, str) and self.init == "random":
            idx = rng.permutation(X.shape[0])[:k]
            return np.ascontiguousarray(X[idx])
        init = self.init(X + x_mean, k, rng) if callable(self.init) else self.init
        init = check_array(init, name="init", caller=self).astype(X.dtype, copy=False)
        if init.shape != (k, X.shape[1]):
            raise ValueError(f"{type(self).__name__}: the init callable returned centres of shape {init.shape}; "
                             f"expected (n_clusters, n_features) = ({k}, {X.shape[1]})")
        return np.ascontiguousarray(init - x_mean, dtype=X.dtype)

    def _check_test_data(self, X):
        check_is_fitted(self)
        X = check_array(X, caller=self)
        check_n_features(self, X)
        return np.ascontiguousarray(X, dtype=self.cluster_centers_.dtype)

    def _labels_inertia(self, X, sample_weight=None):
        X = self._check_test_data(X)
        # Same (possibly centred) coordinates as in fit: labels_ of the
        # training data and predict() on it agree bit for bit.
        Xc = X - self._x_mean if np.any(self._x_mean) else X
        centers = self._centred_centers(X.dtype)
        labels, dist = _k.assign(Xc, centers, False, _threads(self.n_jobs, X.shape[0]))
        w = check_sample_weight(sample_weight, X.shape[0], X.dtype, self)
        inertia = float(dist.astype(np.float64) @ (np.ones(X.shape[0]) if w is None else w.astype(np.float64)))
        return labels.astype(np.intp), inertia

    def _centred_centers(self, dtype):
        """The centres in the centred coordinates fit used. Those fit computed are kept: two centres
        that differ there by less than the rounding of ``+ x_mean`` (duplicate rows, float32) become
        equal in cluster_centers_, and re-deriving them as cluster_centers_ - x_mean turned fit's label
        into a tie won by the lower index, so predict(X) disagreed with labels_. They are only used
        while they still give cluster_centers_ (not after cluster_centers_ is changed)."""
        kept = getattr(self, "_centers_c", None)
        if kept is not None and kept.dtype == dtype and \
                np.array_equal((kept + self._x_mean).astype(self.cluster_centers_.dtype), self.cluster_centers_):
            return kept
        return np.ascontiguousarray(self.cluster_centers_ - self._x_mean, dtype=dtype)

    def predict(self, X):
        """Index of the nearest centre of every row (ties -> lowest index).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return self._labels_inertia(X)[0]

    def score(self, X, y=None, sample_weight=None):
        """Opposite of the inertia of X: :math:`-\\sum_i w_i \\min_j \\|x_i - c_j\\|^2`."""
        return -self._labels_inertia(X, sample_weight)[1]

    def transform(self, X):
        """Euclidean distance of every row to every centre, shape (n_samples, n_clusters)."""
        X = self._check_test_data(X)
        return _k.transform(X, np.ascontiguousarray(self.cluster_centers_, dtype=X.dtype),
                            _threads(self.n_jobs, X.shape[0]))

    def fit_transform(self, X, y=None, sample_weight=None):
        """``fit(X).transform(X)``."""
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def _warn_if_degenerate(self):
        distinct = int(np.count_nonzero(np.bincount(self.labels_, minlength=self.n_clusters)))
        if distinct < self.n_clusters:
            warnings.warn(f"Number of distinct clusters ({distinct}) found smaller than n_clusters "
                          f"({self.n_clusters}). Possibly due to duplicate points in X.", compatible_class(ConvergenceWarning),
                          stacklevel=3)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags


class KMeans(_KMeansBase):
    """K-means clustering (Lloyd's algorithm, or Hamerly's exact acceleration).

    Minimises the inertia :math:`J = \\sum_i w_i \\min_j \\|x_i - c_j\\|^2`
    by alternating the two course steps: assign every row to its nearest
    centre (ties go to the lowest index), then move every centre to the
    weighted mean of its rows. An empty cluster is moved to the row farthest
    from its centre (as scikit-learn does). Iterations stop after
    ``max_iter``, when no label changes, or when the total squared centre
    shift is at most ``tol`` times the mean feature variance. The data are
    centred internally (better float32 accuracy), as scikit-learn does.

    Parameters
    ----------
    n_clusters : int, default=8
    init : {"k-means++", "random"}, callable or array of shape (n_clusters, n_features)
    n_init : "auto" or int, default="auto"
        Runs from different seeds; the lowest inertia wins. "auto" is 1 for
        k-means++ or an array, 10 for "random". With ``n_jobs=None`` inside a
        ``joblib.parallel_backend(...)`` context (joblib's convention: the
        context decides), the restarts run as joblib tasks, e.g. on a Dask
        cluster with ``parallel_backend("dask")``; each is seeded as in the
        sequential loop, so the model is bitwise the same. Otherwise (and with
        callbacks or verbose) they run one after the other on OpenMP threads.
    max_iter : int, default=300
    tol : float, default=1e-4
    algorithm : {"lloyd", "hamerly", "auto"}, default="lloyd"
        "auto" is "lloyd"; "elkan" is accepted as an alias of "hamerly".
    random_state : int, numpy Generator or None
    n_jobs : int, optional
        Threads (None = all usable cores). Results are identical for any value.
    verbose : int, default=0

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
    labels_ : ndarray of shape (n_samples,)
    inertia_ : float
    n_iter_ : int
    n_features_in_ : int
    """

    def __init__(self, n_clusters=8, *, init="k-means++", n_init="auto", max_iter=300, tol=1e-4,
                 algorithm="lloyd", random_state=None, n_jobs=None, verbose=0):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.algorithm = algorithm
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def fit(self, X, y=None, sample_weight=None, callbacks=None):
        """Compute the clustering.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            float32 stays float32.
        y : ignored
        sample_weight : array-like of shape (n_samples,), optional
        callbacks : list of pyml.utils.callbacks.Callback, optional
            Called after each iteration with ``logs={"loss": inertia}``
            (Lloyd) or the total squared centre shift (Hamerly).

        Returns
        -------
        self
        """
        X, w = self._validate_common(X, sample_weight)
        if self.algorithm not in _ALGORITHMS:
            raise ValueError(f"KMeans: algorithm must be one of {sorted(_ALGORITHMS)}, got {self.algorithm!r}")
        algorithm = _ALGORITHMS[self.algorithm]
        n_init = self._n_init()
        rng = check_random_state(self.random_state)
        n_threads = _threads(self.n_jobs, X.shape[0])
        # Centre the data where the ||x||^2 - 2 x.c + ||c||^2 expansion needs it.
        x_mean, Xc = _center(X)
        # tol is relative to the mean feature variance (as scikit-learn's);
        # tol=0 skips that extra pass over X.
        tol = _mean_feature_variance(Xc, n_threads) * self.tol if self.tol > 0 and X.shape[0] > 1 else 0.0

        cb = fit_callbacks(callbacks, type(self).__name__, self.verbose, self.max_iter)
        best = None
        cb.on_fit_begin(self)
        if _restarts_use_joblib(self, n_init, cb):  # independent restarts as joblib tasks
            best = _joblib_restarts(self, Xc, w, rng, x_mean, n_init, algorithm, tol, n_threads)
        else:
            for _ in range(n_init):
                centers = self._init_centers(Xc, w, rng, n_threads, x_mean)
                hook = IterationHook(self, cb)
                labels, inertia, n_iter, _ = _k.fit(Xc, w, centers, algorithm, self.max_iter, tol, False,
                                                    n_threads, hook)
                if best is None or inertia < best[1]:
                    best = (labels, inertia, n_iter, centers)
        labels, inertia, n_iter, centers = best
        self.cluster_centers_ = (centers + x_mean).astype(X.dtype)
        self._x_mean = x_mean
        self._centers_c = np.ascontiguousarray(centers, dtype=X.dtype)
        self.labels_ = labels.astype(np.intp)
        self.inertia_ = float(inertia)
        self.n_iter_ = int(n_iter)
        self.n_features_in_ = X.shape[1]
        cb.on_fit_end(self)
        self._warn_if_degenerate()
        return self


class MiniBatchKMeans(_KMeansBase):
    """Mini-batch k-means (Sculley 2010), with ``partial_fit`` for streams.

    Each step draws ``batch_size`` rows, assigns them to their nearest centre
    (C kernel) and moves each centre towards the mean of its new rows with a
    per-centre learning rate :math:`1 / \\text{count}_j`:

    .. math:: c_j \\leftarrow c_j + \\frac{W_j}{N_j} (\\bar{x}_j - c_j), \\quad N_j \\leftarrow N_j + W_j

    where :math:`\\bar{x}_j` and :math:`W_j` are the weighted mean and weight
    of the batch rows assigned to :math:`j`, and :math:`N_j` is the total
    weight centre :math:`j` has absorbed. Training stops after ``max_iter``
    passes over the data, or earlier when the smoothed batch inertia has not
    improved for ``max_no_improvement`` steps.

    Parameters
    ----------
    n_clusters : int, default=8
    init : {"k-means++", "random"}, callable or array of shape (n_clusters, n_features)
    max_iter : int, default=100
        Maximum number of passes (epochs) over the data.
    batch_size : int, default=1024
    tol : float, default=0.0
        Stop when the mean squared centre move of a step is below
        ``tol`` times the mean feature variance (0 disables).
    max_no_improvement : int or None, default=10
    n_init : "auto" or int, default="auto"
        Initialisations tried on a subsample; the best is kept ("auto": 1 for
        k-means++ or an array, 3 for "random").
    random_state : int, numpy Generator or None
    n_jobs : int, optional
    verbose : int, default=0

    Attributes
    ----------
    cluster_centers_, labels_, inertia_, n_iter_, n_steps_, n_features_in_
    """

    def __init__(self, n_clusters=8, *, init="k-means++", max_iter=100, batch_size=1024, tol=0.0,
                 max_no_improvement=10, n_init="auto", random_state=None, n_jobs=None, verbose=0):
        self.n_clusters = n_clusters
        self.init = init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.tol = tol
        self.max_no_improvement = max_no_improvement
        self.n_init = n_init
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _n_init(self):
        if self.n_init == "auto":
            return 1 if (not isinstance(self.init, str) or self.init == "k-means++") else 3
        return super()._n_init()

    def _step(self, Xb, wb, centers, counts, n_threads):
        """One mini-batch update in place; returns the batch inertia (before the move)."""
        labels, dist = _k.assign(Xb, centers, False, n_threads)
        means = centers.copy()
        wsum = _k.centroids(Xb, labels, wb, means, n_threads)
        counts += wsum
        rate = np.divide(wsum, counts, out=np.zeros_like(counts), where=counts > 0).astype(centers.dtype)
        centers += rate[:, None] * (means - centers)
        return float(dist.astype(np.float64) @ (np.ones(len(dist)) if wb is None else wb.astype(np.float64)))

    def fit(self, X, y=None, sample_weight=None):
        """Compute the clustering with mini-batches.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self
        """
        X, w = self._validate_common(X, sample_weight)
        check_scalar(self.batch_size, "batch_size", numbers.Integral, min_val=1, caller=self)
        if self.max_no_improvement is not None:
            check_scalar(self.max_no_improvement, "max_no_improvement", numbers.Integral, min_val=0, caller=self)
        rng = check_random_state(self.random_state)
        n = X.shape[0]
        n_threads = _threads(self.n_jobs, n)
        batch = min(self.batch_size, n)
        x_mean = X.mean(axis=0, dtype=np.float64).astype(X.dtype)
        Xc = np.ascontiguousarray(X - x_mean)
        var_mean = _mean_feature_variance(X, n_threads) if n > 1 else 0.0

        # Initialisation: best of n_init on a subsample of 3 * batch_size rows.
        best = None
        sub = rng.choice(n, size=min(n, max(3 * batch, self.n_clusters)), replace=False)
        for _ in range(self._n_init()):
            centers = self._init_centers(Xc[sub], None if w is None else w[sub], rng, n_threads, x_mean)
            _, dist = _k.assign(Xc[sub], centers, False, n_threads)
            inertia = float(dist.sum(dtype=np.float64))
            if best is None or inertia < best[0]:
                best = (inertia, centers)
        centers = np.ascontiguousarray(best[1])
        counts = np.zeros(self.n_clusters, dtype=np.float64)

        n_steps = (self.max_iter * n) // batch
        ewa, best_ewa, no_improve = None, np.inf, 0
        alpha = min(1.0, 2.0 * batch / (n + 1))
        logger = ProgressLogger(total=n_steps, verbose=self.verbose, name="step") if self.verbose else None
        if logger:
            logger.on_fit_begin(self)
        step = 0
        for step in range(n_steps):
            idx = rng.integers(0, n, batch)
            old = centers.copy()
            inertia = self._step(np.ascontiguousarray(Xc[idx]), None if w is None else w[idx], centers, counts,
                                 n_threads) / batch
            ewa = inertia if ewa is None else ewa * (1 - alpha) + inertia * alpha
            if logger:
                logger.on_iteration_end(self, step, {"loss": ewa})
            if self.tol > 0 and float(np.mean((centers - old) ** 2)) <= self.tol * var_mean:
                break
            if self.max_no_improvement is not None:
                if ewa < best_ewa:
                    best_ewa, no_improve = ewa, 0
                else:
                    no_improve += 1
                    if no_improve >= self.max_no_improvement:
                        break
        self.n_steps_ = step + 1 if n_steps else 0
        self.n_iter_ = int(math.ceil(self.n_steps_ * batch / n))
        self._finish(X, Xc, w, centers, x_mean, counts, n_threads)
        return self

    def _finish(self, X, Xc, w, centers, x_mean, counts, n_threads):
        self._x_mean = x_mean
        self._counts = counts
        self.cluster_centers_ = (centers + x_mean).astype(X.dtype)
        self._centers_c = np.ascontiguousarray(centers, dtype=X.dtype)
        labels, dist = _k.assign(Xc, np.ascontiguousarray(centers), False, n_threads)
        self.labels_ = labels.astype(np.intp)
        self.inertia_ = float(dist.astype(np.float64) @ (np.ones(len(dist)) if w is None else w.astype(np.float64)))
        self.n_features_in_ = X.shape[1]

    def partial_fit(self, X, y=None, sample_weight=None):
        """Update the centres with one mini-batch (initialising them on the first call).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self
        """
        first = not hasattr(self, "cluster_centers_")
        if first:
            X, w = self._validate_common(X, sample_weight)
        else:
            X = self._check_test_data(X)
            w = check_sample_weight(sample_weight, X.shape[0], X.dtype, self)
        n_threads = _threads(self.n_jobs, X.shape[0])
        if first:
            rng = check_random_state(self.random_state)
            self._rng = rng
            x_mean = X.mean(axis=0, dtype=np.float64).astype(X.dtype)
            centers = np.ascontiguousarray(self._init_centers(np.ascontiguousarray(X - x_mean), w, rng, n_threads,
                                                              x_mean))
            counts = np.zeros(self.n_clusters, dtype=np.float64)
            self.n_steps_ = 0
        else:
            x_mean = self._x_mean
            centers = np.ascontiguousarray(self.cluster_centers_ - x_mean, dtype=X.dtype)
            counts = self._counts
        Xc = np.ascontiguousarray(X - x_mean)
        self._step(Xc, w, centers, counts, n_threads)
        self.n_steps_ += 1
        self.n_iter_ = self.n_steps_
        self._finish(X, Xc, w, centers, x_mean, counts, n_threads)
        return self
