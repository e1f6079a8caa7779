"""Random forests: bagged CART trees with per-node feature sampling.

Tree t is grown on a bootstrap sample (``max_samples`` draws with replacement,
as multiplicities) from its own generator seeded by ``(random_state, t)``;
each node draws ``max_features`` candidate features. Trees are built in
parallel in C (one tree per thread); since a tree depends only on its seed,
the forest is identical for any ``n_jobs``. Prediction averages the trees'
class proportions (classification) or means (regression):

    p(x) = (1/T) sum_t p_t(x)
"""
import numbers

import numpy as np

from pyml.base import ProbaClassifierMixin, RegressorMixin
from pyml.tree import _tree_kernels as _k
from pyml.tree._classes import (
    BaseCART, _int_or_frac, base_seed, build, fit_weights, prepare_data, store_params, tree_capacity,
)
from pyml.tree._tree import Tree, pack_trees, predict_packed, seed_for
from pyml.utils._threads import joblib_backend_active, joblib_map, resolve_n_jobs
from pyml.utils.callbacks import fit_callbacks
from pyml.utils.validation import check_allocation, check_is_fitted

__all__ = ["RandomForestClassifier", "RandomForestRegressor"]

_BATCH_BYTES = 128 * 2**20


def _build_batch(data, params, y_class, y, seeds, cap, bootstrap, n_draw, sample_weight):
    """One joblib task: the trees of ``seeds``, with the threads of the process that runs it."""
    return build(data, params, y_class, y, seeds, cap, resolve_n_jobs(None), bootstrap, n_draw, sample_weight)


class BaseForest(BaseCART):
    """Shared fit / predict logic of the two forests."""

    def _validate(self, n, d):
        owner = type(self).__name__
        if isinstance(self.n_estimators, bool) or not isinstance(self.n_estimators, numbers.Integral) \
                or self.n_estimators < 1:
            raise ValueError(f"{owner}: n_estimators={self.n_estimators!r} must be an int >= 1")
        self._check_criterion_splitter(owner)
        if not self.bootstrap and self.oob_score:
            raise ValueError(f"{owner}: oob_score=True needs bootstrap=True (without bootstrap no sample is "
                             "out of bag)")
        if self.max_samples is None or not self.bootstrap:
            n_draw = n
        else:
            n_draw = _int_or_frac(self.max_samples, "max_samples", n, owner, 1)
            if n_draw > n:
                raise ValueError(f"{owner}: max_samples={self.max_samples} exceeds n_samples={n}")
        return dict(self._check_growth(n, d, owner), n_draw=n_draw)

    def _fit(self, X, y_class, y, n_classes, sample_weight=None):
        n, d = X.shape
        v = self._validate(n, d)
        sample_weight = fit_weights(self, sample_weight, n, y_class)
        n_threads = resolve_n_jobs(self.n_jobs)
        if not (self.warm_start and hasattr(self, "estimators_")):
            self.estimators_ = []
            self._seed_base = base_seed(self.random_state)
        elif getattr(self, "n_features_in_", d) != d:
            raise ValueError(f"{type(self).__name__}: X has {d} features but the trees kept by warm_start=True were "
                             f"fitted on {self.n_features_in_}; refit with warm_start=False for new features")
        elif self.n_estimators < len(self.estimators_):
            raise ValueError(f"{type(self).__name__}: n_estimators={self.n_estimators} must be >= the "
                             f"{len(self.estimators_)} trees already fitted when warm_start=True")
        data = prepare_data(X, self.splitter, v["max_bins"], n_threads, self._seed_base, sample_weight)
        params = self._kernel_params(v, y_class, n_classes, d, data["binning"]["nb_max"])
        cap = tree_capacity(v["n_draw"] if self.bootstrap else n, v["max_depth"])
        node_bytes = 60 + 8 * (n_classes if y_class is not None else 1)
        batch = max(n_threads, int(_BATCH_BYTES // max(1, cap * node_bytes)))
        start = len(self.estimators_)
        # every fitted tree costs at least ~1 KiB (its node arrays and Python objects), whatever its size
        check_allocation(1024 * int(self.n_estimators), f"{type(self).__name__}: n_estimators={self.n_estimators} "
                         "trees", "lower n_estimators")
        # progress only (no user callbacks): a line per batch of trees when verbose
        cb = fit_callbacks(None, type(self).__name__, self.verbose, self.n_estimators, "tree")
        cb.on_fit_begin(self)
        self._seeds = [seed_for(self._seed_base, t) for t in range(self.n_estimators)]
        if self.n_jobs is None and joblib_backend_active(processes_only=True) and self.n_estimators - start > 1:
            # Inside joblib.parallel_backend(...) (e.g. "dask", "loky"; not "threading", where OpenMP is
            # the better in-process path): batches of trees become joblib tasks.
            # A tree depends only on its seed, so the forest is the same as the in-process one.
            per_task = max(1, -(-(self.n_estimators - start) // 16))
            tasks = [(data, params, y_class, y, self._seeds[b0:min(self.n_estimators, b0 + per_task)], cap,
                      bool(self.bootstrap), v["n_draw"], sample_weight)
                     for b0 in range(start, self.n_estimators, per_task)]
            for arrays in joblib_map(_build_batch, tasks, None):
                self.estimators_.extend(Tree(a, d) for a in arrays)
            batch = self.n_estimators  # nothing left for the in-process loop below
            start = self.n_estimators
        for b0 in range(start, self.n_estimators, batch):
            seeds = self._seeds[b0:min(self.n_estimators, b0 + batch)]
            arrays = build(data, params, y_class, y, seeds, cap, n_threads, bool(self.bootstrap), v["n_draw"],
                           sample_weight)
            self.estimators_.extend(Tree(a, d) for a in arrays)
            cb.on_iteration_end(self, len(self.estimators_) - 1, {})
        self.n_features_in_ = d
        self._n_draw = v["n_draw"]
        self._packed = pack_trees(self.estimators_)
        if self.oob_score:
            self._compute_oob(X, y_class, y, n_threads)
        cb.on_fit_end(self)
        return self

    def _oob_sum(self, X, n_out, n_threads):
        """Sum of each tree's prediction over the samples it did not see, and the count."""
        n = X.shape[0]
        acc = np.zeros((n, n_out))
        seen = np.zeros(n)
        for t, tree in enumerate(self.estimators_):
            oob = _k.bootstrap_counts(self._seeds[t], n, self._n_draw) == 0
            if oob.any():
                acc[oob] += tree.predict(np.ascontiguousarray(X[oob]), n_threads)
                seen[oob] += 1
        return acc, seen

    def _raw_mean(self, X, n_out):
        n_threads = resolve_n_jobs(self.n_jobs)
        return predict_packed(X, self._packed, n_out, 1.0 / len(self.estimators_), n_threads)

    def apply(self, X):
        """Leaf index of every sample in every tree, shape (n_samples, n_estimators)."""
        X = self._check_X(X)
        n_threads = resolve_n_jobs(self.n_jobs)
        return np.column_stack([t.apply(X, n_threads) for t in self.estimators_])

    @property
    def feature_importances_(self):
        """Mean over trees of the normalised impurity decrease per feature."""
        check_is_fitted(self)
        imp = np.mean([t.compute_feature_importances() for t in self.estimators_], axis=0)
        s = imp.sum()
        return imp / s if s > 0 else imp


_FOREST_DOC_PARAMS = """
    n_estimators : int, default=100
    criterion : str
    max_depth : int or None, default=None
    min_samples_split, min_samples_leaf : int or float
    min_weight_fraction_leaf : float in [0, 0.5], default=0.0
        Each child must hold at least this fraction of its tree's total sample weight.
    min_impurity_decrease : float, default=0.0
    max_features : "sqrt", "log2", int, float or None
        Features drawn at each node.
    bootstrap : bool, default=True
    max_samples : int, float or None
        Bootstrap draws per tree (None: n_samples).
    oob_score : bool, default=False
        Out-of-bag estimate in ``oob_score_`` (accuracy or R²).
    n_jobs : int or None
        Trees grown in parallel; the forest does not depend on it.
    random_state : int, Generator or None
    verbose : int
    warm_start : bool, default=False
        Keep fitted trees and add ``n_estimators - len(estimators_)`` more.
    splitter : {"hist", "exact"}, default="hist"
    max_bins : int in [2, 255], default=255
    class_weight : None, "balanced" or dict {label: weight} (classifier only)
        Multiplies the weights of a class's samples; "balanced": ``n / (n_classes · n_k)``.
"""


class RandomForestClassifier(ProbaClassifierMixin, BaseForest):
    __doc__ = ("""Random forest classifier (course C2 W4) on C kernels.

    ``predict_proba`` averages the trees' leaf class proportions.

    Parameters
    ----------""" + _FOREST_DOC_PARAMS + """
    Attributes
    ----------
    estimators_ : list of Tree
    classes_ : ndarray
    feature_importances_ : ndarray of shape (n_features,)
    oob_score_, oob_decision_function_ : with oob_score=True

    Examples
    --------
    >>> from pyml.ensemble import RandomForestClassifier
    >>> X = [[0, 0], [0, 1], [1, 0], [1, 1]] * 5
    >>> RandomForestClassifier(n_estimators=10, random_state=0).fit(X, [0, 0, 1, 1] * 5).predict([[1, 0]]).tolist()
    [1]
    """)
    _criteria = ("gini", "entropy")

    def __init__(self, n_estimators=100, criterion="gini", max_depth=None, min_samples_split=2, min_samples_leaf=1,
                 min_weight_fraction_leaf=0.0, min_impurity_decrease=0.0, max_features="sqrt", bootstrap=True,
                 max_samples=None, oob_score=False, n_jobs=None, random_state=None, verbose=0, warm_start=False,
                 splitter="hist", max_bins=255, class_weight=None):
        store_params(self, locals())

    def fit(self, X, y, sample_weight=None):
        """Grow the forest on X (n_samples, n_features) and labels y; returns self.

        sample_weight (n_samples,), optional: multiplies each tree's bootstrap counts."""
        return self._fit_classifier(X, y, sample_weight)

    def _check_classes(self, classes):
        if self.warm_start and hasattr(self, "classes_") and not np.array_equal(classes, self.classes_):
            raise ValueError(f"{type(self).__name__}: warm_start needs the same classes as the first fit")
        if isinstance(self.class_weight, str) and self.class_weight == "balanced_subsample":
            raise ValueError(f"{type(self).__name__}: class_weight='balanced_subsample' is not supported; use "
                             "'balanced' (weights from the whole training set)")

    def _compute_oob(self, X, y_class, y, n_threads):
        acc, seen = self._oob_sum(X, self.n_classes_, n_threads)
        ok = seen > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            self.oob_decision_function_ = acc / seen[:, None]
        self.oob_score_ = float(np.mean(np.argmax(acc[ok], axis=1) == y_class[ok])) if ok.any() else np.nan

    def predict_proba(self, X):
        """Mean of the trees' class proportions, shape (n_samples, n_classes)."""
        X = self._check_X(X)
        return self._raw_mean(X, self.n_classes_).astype(X.dtype, copy=False)


class RandomForestRegressor(RegressorMixin, BaseForest):
    __doc__ = ("""Random forest regressor on C kernels: the mean of the trees' leaf means.

    Parameters
    ----------""" + _FOREST_DOC_PARAMS + """
    Examples
    --------
    >>> from pyml.ensemble import RandomForestRegressor
    >>> X = [[0.], [1.], [2.], [3.]] * 5
    >>> r = RandomForestRegressor(n_estimators=10, random_state=0).fit(X, [0., 0., 1., 1.] * 5)
    >>> round(float(r.predict([[3.]])[0]), 6)
    1.0
    """)
    _criteria = ("squared_error",)

    def __init__(self, n_estimators=100, criterion="squared_error", max_depth=None, min_samples_split=2,
                 min_samples_leaf=1, min_weight_fraction_leaf=0.0, min_impurity_decrease=0.0, max_features=1.0,
                 bootstrap=True, max_samples=None, oob_score=False, n_jobs=None, random_state=None, verbose=0,
                 warm_start=False, splitter="hist", max_bins=255):
        store_params(self, locals())

    def fit(self, X, y, sample_weight=None):
        """Grow the forest on X (n_samples, n_features) and targets y; returns self.

        sample_weight (n_samples,), optional: multiplies each tree's bootstrap counts."""
        return self._fit_regressor(X, y, sample_weight)

    def _compute_oob(self, X, y_class, y, n_threads):
        acc, seen = self._oob_sum(X, 1, n_threads)
        ok = seen > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            self.oob_prediction_ = acc[:, 0] / seen
        if ok.any():
            yy, pp = y[ok], self.oob_prediction_[ok]
            ss = np.sum((yy - yy.mean()) ** 2)
            self.oob_score_ = float(1 - np.sum((yy - pp) ** 2) / ss) if ss > 0 else np.nan
        else:
            self.oob_score_ = np.nan

    def predict(self, X):
        """Mean of the trees' predictions, shape (n_samples,), float64 (the targets' precision)."""
        X = self._check_X(X)
        return self._raw_mean(X, 1)[:, 0]
