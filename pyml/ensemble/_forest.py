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

from pyml.base import BaseEstimator, ProbaClassifierMixin, RegressorMixin
from pyml.tree import _tree_kernels as _k
from pyml.tree._classes import (
    _int_or_frac, base_seed, build, check_max_depth, check_min_impurity_decrease, check_min_weight_fraction_leaf, encode_labels, fit_weights,
    hist_slots, prepare_data, resolve_max_features, tree_capacity,
)
from pyml.tree._binning import check_max_bins
from pyml.tree._tree import Tree, pack_trees, predict_packed, seed_for
from pyml.utils._threads import joblib_backend_active, joblib_map, resolve_n_jobs
from pyml.utils.callbacks import ProgressLogger
from pyml.utils.validation import (
    check_allocation, check_array, check_is_fitted, check_n_features, check_vector, check_X_y,
)

__all__ = ["RandomForestClassifier", "RandomForestRegressor"]

_BATCH_BYTES = 128 * 2**20


def _build_batch(data, params, y_class, y, seeds, cap, bootstrap, n_draw, sample_weight):
    """One joblib task: the trees of ``seeds``, with the threads of the process that runs it."""
    return build(data, params, y_class, y, seeds, cap, resolve_n_jobs(None), bootstrap, n_draw, sample_weight)


class BaseForest(BaseEstimator):
    _criteria = ()

    def _validate(self, n, d):
        owner = type(self).__name__
        if isinstance(self.n_estimators, bool) or not isinstance(self.n_estimators, numbers.Integral) \
                or self.n_estimators < 1:
            raise ValueError(f"{owner}: n_estimators={self.n_estimators!r} must be an int >= 1")
        if self.criterion not in self._criteria:
            raise ValueError(f"{owner}: criterion={self.criterion!r}; choose one of {list(self._criteria)}")
        if self.splitter not in ("hist", "exact"):
            raise ValueError(f"{owner}: splitter={self.splitter!r}; choose 'hist' or 'exact'")
        if not self.bootstrap and self.oob_score:
            raise ValueError(f"{owner}: oob_score=True needs bootstrap=True (without bootstrap no sample is "
                             "out of bag)")
        if self.max_samples is None or not self.bootstrap:
            n_draw = n
        else:
            n_draw = _int_or_frac(self.max_samples, "max_samples", n, owner, 1)
            if n_draw > n:
                raise ValueError(f"{owner}: max_samples={self.max_samples} exceeds n_samples={n}")
        return dict(max_depth=check_max_depth(self.max_depth, owner),
                    mss=_int_or_frac(self.min_samples_split, "min_samples_split", n, owner, 2),
                    msl=_int_or_frac(self.min_samples_leaf, "min_samples_leaf", n, owner, 1),
                    mf=resolve_max_features(self.max_features, d, owner),
                    max_bins=check_max_bins(self.max_bins, owner), n_draw=n_draw,
                    mwfl=check_min_weight_fraction_leaf(self.min_weight_fraction_leaf, owner))

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
        S = n_classes + 1 if y_class is not None else 4
        params = dict(criterion=_k.CRITERIA[self.criterion], splitter=_k.SPLITTERS[self.splitter],
                      n_classes=n_classes, max_depth=v["max_depth"], max_leaves=0, min_samples_split=v["mss"],
                      min_samples_leaf=v["msl"], min_impurity_decrease=check_min_impurity_decrease(self.min_impurity_decrease, type(self).__name__),
                      min_weight_fraction_leaf=v["mwfl"],
                      max_features=v["mf"],
                      hist_slots=hist_slots(d, data["binning"]["nb_max"], S, v["max_depth"]))
        cap = tree_capacity(v["n_draw"] if self.bootstrap else n, v["max_depth"])
        node_bytes = 60 + 8 * (n_classes if y_class is not None else 1)
        batch = max(n_threads, int(_BATCH_BYTES // max(1, cap * node_bytes)))
        start = len(self.estimators_)
        # every fitted tree costs at least ~1 KiB (its node arrays and Python objects), whatever its size
        check_allocation(1024 * int(self.n_estimators), f"{type(self).__name__}: n_estimators={self.n_estimators} "
                         "trees", "lower n_estimators")
        logger = ProgressLogger(total=self.n_estimators, verbose=self.verbose, name="tree") if self.verbose else None
        if logger:
            logger.on_fit_begin(self)
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
            if logger:
                logger.on_iteration_end(self, len(self.estimators_) - 1, {})
        self.n_features_in_ = d
        self._n_draw = v["n_draw"]
        self._packed = pack_trees(self.estimators_)
        if self.oob_score:
            self._compute_oob(X, y_class, y, n_threads)
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

    def _check_X(self, X):
        check_is_fitted(self)
        X = check_array(X, caller=self)
        check_n_features(self, X)
        return X

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
        self.n_estimators = n_estimators
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.min_impurity_decrease = min_impurity_decrease
        self.max_features = max_features
        self.bootstrap = bootstrap
        self.max_samples = max_samples
        self.oob_score = oob_score
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.splitter = splitter
        self.max_bins = max_bins
        self.class_weight = class_weight

    def fit(self, X, y, sample_weight=None):
        """Grow the forest on X (n_samples, n_features) and labels y; returns self.

        sample_weight (n_samples,), optional: multiplies each tree's bootstrap counts."""
        X, y = check_X_y(X, y, caller=self, y_numeric=False)
        classes, y_enc = encode_labels(y, type(self).__name__)
        if self.warm_start and hasattr(self, "classes_") and not np.array_equal(classes, self.classes_):
            raise ValueError(f"{type(self).__name__}: warm_start needs the same classes as the first fit")
        self.classes_ = classes
        self.n_classes_ = int(classes.shape[0])
        self.n_outputs_ = 1
        if isinstance(self.class_weight, str) and self.class_weight == "balanced_subsample":
            raise ValueError(f"{type(self).__name__}: class_weight='balanced_subsample' is not supported; use "
                             "'balanced' (weights from the whole training set)")
        return self._fit(X, y_enc, None, self.n_classes_, sample_weight)

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
        self.n_estimators = n_estimators
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.min_impurity_decrease = min_impurity_decrease
        self.max_features = max_features
        self.bootstrap = bootstrap
        self.max_samples = max_samples
        self.oob_score = oob_score
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.splitter = splitter
        self.max_bins = max_bins

    def fit(self, X, y, sample_weight=None):
        """Grow the forest on X (n_samples, n_features) and targets y; returns self.

        sample_weight (n_samples,), optional: multiplies each tree's bootstrap counts."""
        X, y = check_X_y(X, y, caller=self, y_numeric=False)
        y = check_vector(y, caller=self, dtype=np.float64)   # targets keep float64 whatever X's dtype
        self.n_outputs_ = 1
        return self._fit(X, None, y, 1, sample_weight)

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
