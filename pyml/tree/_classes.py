"""DecisionTreeClassifier and DecisionTreeRegressor (CART on C kernels).

Split quality at a node with statistics (W, ...) and children L, R is the
weighted impurity decrease ``W·i(node) - W_L·i(L) - W_R·i(R)`` with

* gini:          i = 1 - sum_k p_k^2
* entropy:       i = -sum_k p_k log2 p_k   (bits, as in the course)
* squared_error: i = mean((y - mean(y))^2)

The best split over the features (all, or ``max_features`` drawn per node)
and thresholds is taken; ties go to the first feature, then the lowest
threshold. ``splitter="hist"`` scans per-node histograms of binned features
(fast, ``max_bins`` thresholds per feature); ``splitter="exact"`` scans every
midpoint between distinct values, like scikit-learn.
"""
import numbers

import numpy as np

from pyml.base import BaseEstimator, ProbaClassifierMixin, RegressorMixin
from pyml.tree import _tree_kernels as _k
from pyml.tree._binning import check_max_bins, prepare_exact, prepare_hist
from pyml.tree._tree import Tree, seed_for
from pyml.utils._threads import resolve_n_jobs
from pyml.utils.validation import (
    check_array, check_classification_targets, check_is_fitted, check_n_features, check_random_state,
    check_sample_weight, check_vector, check_X_y,
)

__all__ = ["DecisionTreeClassifier", "DecisionTreeRegressor"]

_HIST_BUDGET = 256 * 2**20  # bytes of histograms kept alive per tree


def check_max_depth(max_depth, owner):
    if max_depth is None:
        return -1
    if isinstance(max_depth, bool) or not isinstance(max_depth, numbers.Integral):
        raise TypeError(f"{owner}: max_depth must be None or a positive int, got {max_depth!r}")
    if max_depth < 1:
        raise ValueError(f"{owner}: max_depth={max_depth} must be >= 1 (a tree of depth 0 is a single leaf "
                         "and learns nothing); use None for unlimited depth")
    return int(min(max_depth, 2**31 - 1))   # deeper than any tree can grow: the same as unlimited


def check_min_impurity_decrease(value, owner):
    """min_impurity_decrease as a finite float >= 0 (NaN would disable every split test silently)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < np.inf:
        raise ValueError(f"{owner}: min_impurity_decrease must be a finite float >= 0, got {value!r}")
    return float(value)


def check_min_weight_fraction_leaf(value, owner):
    """A float in [0, 0.5]: each leaf must hold at least this fraction of the total sample weight."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 <= value <= 0.5:
        raise ValueError(f"{owner}: min_weight_fraction_leaf={value!r} must be a float in [0, 0.5]")
    return float(value)


def check_max_leaf_nodes(max_leaf_nodes, owner):
    """None (0: depth-first growth) or an int >= 2 (best-first growth up to that many leaves)."""
    if max_leaf_nodes is None:
        return 0
    if isinstance(max_leaf_nodes, bool) or not isinstance(max_leaf_nodes, numbers.Integral):
        raise TypeError(f"{owner}: max_leaf_nodes must be None or an int >= 2, got {max_leaf_nodes!r}")
    if max_leaf_nodes < 2:
        raise ValueError(f"{owner}: max_leaf_nodes={max_leaf_nodes} must be >= 2 (or None for no limit)")
    return int(min(max_leaf_nodes, 2**30))


def _int_or_frac(value, name, n, owner, min_int):
    if isinstance(value, bool):
        raise TypeError(f"{owner}: {name} must be an int or a float in (0, 1], got {value!r}")
    if isinstance(value, numbers.Integral):
        if value < min_int:
            raise ValueError(f"{owner}: {name}={value} must be >= {min_int}")
        return int(min(value, max(n, min_int) + 1))   # beyond n rows every value means "no split"
    if isinstance(value, numbers.Real):
        if not 0.0 < value <= 1.0:
            raise ValueError(f"{owner}: {name}={value} must be in (0, 1] when a float")
        return max(min_int, int(np.ceil(value * n)))
    raise TypeError(f"{owner}: {name} must be an int or a float, got {value!r}")


def resolve_max_features(max_features, d, owner):
    """Number of features drawn per node."""
    if max_features is None:
        return d
    if isinstance(max_features, str):
        if max_features == "sqrt":
            return max(1, int(np.sqrt(d)))
        if max_features == "log2":
            return max(1, int(np.log2(d)))
        raise ValueError(f"{owner}: max_features={max_features!r}; use None, 'sqrt', 'log2', an int or a float")
    if isinstance(max_features, bool):
        raise TypeError(f"{owner}: max_features must not be a bool")
    if isinstance(max_features, numbers.Integral):
        if not 1 <= max_features <= d:
            raise ValueError(f"{owner}: max_features={max_features} must be in [1, n_features={d}]")
        return int(max_features)
    if isinstance(max_features, numbers.Real):
        if not 0.0 < max_features <= 1.0:
            raise ValueError(f"{owner}: max_features={max_features} must be in (0, 1] when a float")
        return max(1, int(max_features * d))
    raise TypeError(f"{owner}: max_features must be None, a str, an int or a float, got {max_features!r}")


def tree_capacity(n, max_depth, max_leaves=0):
    """Upper bound on the node count of one tree."""
    cap = 2 * n - 1
    if max_depth >= 0 and max_depth < 30:
        cap = min(cap, 2 ** (max_depth + 1) - 1)
    if max_leaves and max_leaves > 0:
        cap = min(cap, 2 * max_leaves - 1)
    return max(1, int(cap))


def hist_slots(d, nb_max, S, max_depth, max_leaves=0, level_wise=False):
    """Histograms kept alive: enough for depth-first, level-wise (boosting) or leaf-wise growth, within a
    memory budget (level-wise growth falls back to depth-first when the budget is too small)."""
    if max_leaves and max_leaves > 0:
        want = max_leaves + 1
    elif level_wise and 1 <= max_depth <= 24:
        want = 2 ** (max_depth - 1) + 2
    else:
        want = max_depth + 2 if max_depth >= 0 else 32
    per = d * nb_max * S * 8
    return int(max(2, min(want, _HIST_BUDGET // max(per, 1), 2**16)))


def prepare_data(X, splitter, max_bins, n_threads, seed=0, sample_weight=None):
    """Binned (hist) or ranked (exact) data for build_trees."""
    if splitter == "hist":
        binning, codes = prepare_hist(X, max_bins, n_threads, seed, sample_weight)
        return dict(binning=binning, codes=codes, ranks=None, sorted=None)
    binning, ranks, srt = prepare_exact(X, n_threads)
    return dict(binning=binning, codes=None, ranks=ranks, sorted=srt, X=X)


def build(data, params, y_class, y, seeds, capacity, n_threads, bootstrap=False, n_draw=0, sample_weight=None):
    b = data["binning"]
    return _k.build_trees(data["codes"], data["ranks"], data["sorted"], b["nbins"], b["edges"], b["edge_off"],
                          b["nb_max"], params, y_class, y, bootstrap, n_draw,
                          np.ascontiguousarray(seeds, dtype=np.uint64), capacity, n_threads, sample_weight,
                          data.get("X"))


def base_seed(random_state):
    """A 63-bit integer drawn from random_state (the root of every per-tree seed)."""
    return int(check_random_state(random_state).integers(0, 2**63 - 1))


def encode_labels(y, owner):
    """classes_ and y as int32 class indices; rejects continuous and one-class targets."""
    check_classification_targets(y, caller=owner)
    classes, y_enc = np.unique(y, return_inverse=True)
    if classes.shape[0] < 2:
        raise ValueError(f"{owner}: y contains only one class ({classes[0]!r}); a classifier needs at least "
                         "2 classes to learn anything")
    return classes, np.ascontiguousarray(y_enc.reshape(-1), dtype=np.int32)


def class_weight_to_sample_weight(class_weight, classes, y_enc, sample_weight, owner):
    """Per-row weights from class_weight (None, "balanced" or {label: weight}) times sample_weight.

    "balanced": w_k = n / (K · n_k) with n_k the number of samples of class k (not weighted by
    sample_weight, as scikit-learn)."""
    if class_weight is None:
        return sample_weight
    base = np.ones(y_enc.shape[0]) if sample_weight is None else sample_weight
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(f"{owner}: class_weight={class_weight!r}; use None, 'balanced' or a dict "
                             "{class label: weight}")
        counts = np.bincount(y_enc, minlength=classes.shape[0])
        per_class = y_enc.shape[0] / (classes.shape[0] * np.maximum(counts, 1))
    elif isinstance(class_weight, dict):
        per_class = np.ones(classes.shape[0])
        unknown = [k for k in class_weight if k not in set(classes.tolist())]
        if unknown:
            raise ValueError(f"{owner}: class_weight has labels {unknown!r} that are not in y's classes "
                             f"{classes.tolist()!r}")
        for label, w in class_weight.items():
            if not (isinstance(w, numbers.Real) and np.isfinite(w) and w >= 0):
                raise ValueError(f"{owner}: class_weight[{label!r}]={w!r} must be a finite number >= 0")
            per_class[int(np.searchsorted(classes, label))] = float(w)
    else:
        raise TypeError(f"{owner}: class_weight must be None, 'balanced' or a dict, got {type(class_weight).__name__}")
    w = base * per_class[y_enc]
    if not np.any(w > 0):
        raise ValueError(f"{owner}: class_weight and sample_weight leave every sample with weight 0")
    return np.ascontiguousarray(w)


def fit_weights(est, sample_weight, n, y_class):
    """Validated sample weights times the class weights (classifiers: ``est.class_weight``), or None."""
    sample_weight = check_sample_weight(sample_weight, n, caller=est)
    if y_class is None:
        return sample_weight
    return class_weight_to_sample_weight(est.class_weight, est.classes_, y_class, sample_weight, type(est).__name__)


def store_params(est, params):
    """The body of an estimator's ``__init__``: ``params`` is that ``__init__``'s ``locals()``, and every
    keyword argument becomes the attribute of the same name, unchanged (scikit-learn's contract)."""
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(est, name, value)


def check_predict_X(est, X):
    """X for predict / apply: ``est`` is fitted and X is a valid matrix with ``est``'s number of features."""
    check_is_fitted(est)
    X = check_array(X, caller=est)
    check_n_features(est, X)
    return X


class BaseCART(BaseEstimator):
    """What the single trees and the forests share: the growth hyper-parameters and their checks, the
    kernel's parameter dict, the targets of fit and the input checks of predict."""

    _criteria = ()

    def _check_criterion_splitter(self, owner):
        if self.criterion not in self._criteria:
            raise ValueError(f"{owner}: criterion={self.criterion!r}; choose one of {list(self._criteria)}")
        if self.splitter not in ("hist", "exact"):
            raise ValueError(f"{owner}: splitter={self.splitter!r}; choose 'hist' or 'exact'")

    def _check_growth(self, n, d, owner):
        """The growth limits resolved against n rows and d features."""
        return dict(max_depth=check_max_depth(self.max_depth, owner),
                    mss=_int_or_frac(self.min_samples_split, "min_samples_split", n, owner, 2),
                    msl=_int_or_frac(self.min_samples_leaf, "min_samples_leaf", n, owner, 1),
                    mid=check_min_impurity_decrease(self.min_impurity_decrease, owner),
                    mf=resolve_max_features(self.max_features, d, owner),
                    max_bins=check_max_bins(self.max_bins, owner),
                    mwfl=check_min_weight_fraction_leaf(self.min_weight_fraction_leaf, owner))

    def _kernel_params(self, v, y_class, n_classes, d, nb_max, max_leaves=0, **extra):
        """build_trees' parameter dict from the checked limits ``v`` (see _check_growth)."""
        S = n_classes + 1 if y_class is not None else 4
        return dict(criterion=_k.CRITERIA[self.criterion], splitter=_k.SPLITTERS[self.splitter],
                    n_classes=n_classes, max_depth=v["max_depth"], max_leaves=max_leaves, min_samples_split=v["mss"],
                    min_samples_leaf=v["msl"], min_impurity_decrease=v["mid"], min_weight_fraction_leaf=v["mwfl"],
                    max_features=v["mf"], hist_slots=hist_slots(d, nb_max, S, v["max_depth"], max_leaves), **extra)

    def _check_classes(self, classes):
        """Hook of classifiers: called with the classes of y before they are stored."""

    def _fit_classifier(self, X, y, sample_weight):
        X, y = check_X_y(X, y, caller=self, y_numeric=False)
        classes, y_enc = encode_labels(y, type(self).__name__)
        self._check_classes(classes)
        self.classes_ = classes
        self.n_classes_ = int(classes.shape[0])
        self.n_outputs_ = 1
        return self._fit(X, y_enc, None, self.n_classes_, sample_weight)

    def _fit_regressor(self, X, y, sample_weight):
        X, y = check_X_y(X, y, caller=self, y_numeric=False)
        y = check_vector(y, caller=self, dtype=np.float64)   # targets keep float64 whatever X's dtype
        self.n_outputs_ = 1
        return self._fit(X, None, y, 1, sample_weight)

    def _check_X(self, X):
        return check_predict_X(self, X)


class BaseDecisionTree(BaseCART):
    """Shared fit/apply logic of the two trees."""

    def _validate(self, n, d):
        owner = type(self).__name__
        self._check_criterion_splitter(owner)
        v = self._check_growth(n, d, owner)
        v["max_leaves"] = check_max_leaf_nodes(self.max_leaf_nodes, owner)
        return v

    def _fit(self, X, y_class, y, n_classes, sample_weight=None):
        n, d = X.shape
        v = self._validate(n, d)
        sample_weight = fit_weights(self, sample_weight, n, y_class)
        n_threads = resolve_n_jobs(self.n_jobs)
        seed = base_seed(self.random_state)
        data = prepare_data(X, self.splitter, v["max_bins"], n_threads, seed, sample_weight)
        # one tree: it may permute the sorted lists made for this fit instead of copying them
        params = self._kernel_params(v, y_class, n_classes, d, data["binning"]["nb_max"], v["max_leaves"],
                                     exact_in_place=int(self.splitter == "exact"))
        cap = tree_capacity(n, v["max_depth"], v["max_leaves"])
        (arrays,) = build(data, params, y_class, y, [seed_for(seed, 0)], cap, n_threads,
                          sample_weight=sample_weight)
        self.tree_ = Tree(arrays, d)
        self.n_features_in_ = d
        self.max_features_ = v["mf"]
        return self

    def apply(self, X):
        """Index of the leaf each sample ends up in, shape (n_samples,)."""
        X = self._check_X(X)
        return self.tree_.apply(X, resolve_n_jobs(self.n_jobs))

    def get_depth(self):
        """Depth of the tree (a lone root has depth 0)."""
        check_is_fitted(self)
        return self.tree_.max_depth

    def get_n_leaves(self):
        """Number of leaves."""
        check_is_fitted(self)
        return self.tree_.n_leaves

    @property
    def feature_importances_(self):
        """Normalised total impurity decrease brought by each feature, shape (n_features,)."""
        check_is_fitted(self)
        return self.tree_.compute_feature_importances()


class DecisionTreeClassifier(ProbaClassifierMixin, BaseDecisionTree):
    """CART classification tree on C kernels (the course's decision tree, C2 week 4).

    Parameters
    ----------
    criterion : {"entropy", "gini"}, default="gini"
        Impurity: entropy ``-sum p_k log2 p_k`` (the course's, in bits) or
        Gini ``1 - sum p_k^2``. A split maximises the weighted impurity
        decrease ``W·i - W_L·i_L - W_R·i_R``.
    splitter : {"exact", "hist"}, default="exact"
        "exact": every midpoint between consecutive distinct values
        (scikit-learn's candidates; columns sorted once, nodes scanned on the
        sorted lists); "hist": candidate thresholds are ``max_bins`` bin
        edges per feature (midpoints between distinct values when there are
        at most max_bins of them, quantiles otherwise), less memory
        (1 byte per value instead of 16).
    max_depth : int or None, default=None
        Maximum depth (>= 1); None grows until leaves are pure.
    min_samples_split : int or float, default=2
    min_samples_leaf : int or float, default=1
    min_weight_fraction_leaf : float in [0, 0.5], default=0.0
        Each child must hold at least this fraction of the total sample weight.
    min_impurity_decrease : float, default=0.0
        Split only if ``(W/W_root)·(i - W_L/W i_L - W_R/W i_R) >= min_impurity_decrease``.
    max_features : int, float, "sqrt", "log2" or None, default=None
        Features drawn at random at each node (None: all).
    max_leaf_nodes : int >= 2 or None, default=None
        None: depth-first growth. An int: best-first growth (the leaf whose
        split decreases impurity most is split next, as scikit-learn) until
        this many leaves.
    class_weight : None, "balanced" or dict {label: weight}, default=None
        Multiplies the weight of every sample of a class (classifier only);
        "balanced": ``n / (n_classes · n_k)``.
    random_state : int, Generator or None
    max_bins : int in [2, 255], default=255
    n_jobs : int or None
        Threads for the split searches and partitions (results do not depend on it).

    Attributes
    ----------
    tree_ : Tree
    classes_ : ndarray of shape (n_classes,)
    n_classes_ : int
    n_features_in_ : int
    feature_importances_ : ndarray of shape (n_features,)

    Examples
    --------
    >>> from pyml.tree import DecisionTreeClassifier
    >>> clf = DecisionTreeClassifier(criterion="entropy", max_depth=3).fit([[0], [1], [2], [3]], [0, 0, 1, 1])
    >>> clf.predict([[0.2], [2.7]]).tolist()
    [0, 1]
    """

    _criteria = ("gini", "entropy")

    def __init__(self, criterion="gini", splitter="exact", max_depth=None, min_samples_split=2, min_samples_leaf=1,
                 min_weight_fraction_leaf=0.0, min_impurity_decrease=0.0, max_features=None, max_leaf_nodes=None,
                 class_weight=None, random_state=None, max_bins=255, n_jobs=None):
        store_params(self, locals())

    def fit(self, X, y, sample_weight=None):
        """Grow the tree on X (n_samples, n_features) and labels y (n_samples,); returns self.

        sample_weight (n_samples,), optional: class counts become weighted sums (rows of weight 0 are left
        out); min_samples_split / min_samples_leaf still count rows."""
        return self._fit_classifier(X, y, sample_weight)

    def predict_proba(self, X):
        """Class proportions of the leaf of each sample, shape (n_samples, n_classes)."""
        X = self._check_X(X)
        return self.tree_.predict(X, resolve_n_jobs(self.n_jobs)).astype(X.dtype, copy=False)


class DecisionTreeRegressor(RegressorMixin, BaseDecisionTree):
    """CART regression tree on C kernels: leaves predict the mean target.

    Parameters are those of :class:`DecisionTreeClassifier` with
    ``criterion="squared_error"``: ``i = mean((y - mean y)^2)``.

    Examples
    --------
    >>> from pyml.tree import DecisionTreeRegressor
    >>> DecisionTreeRegressor(max_depth=1).fit([[0], [1], [2], [3]], [0., 0., 1., 1.]).predict([[3]]).tolist()
    [1.0]
    """

    _criteria = ("squared_error",)

    def __init__(self, criterion="squared_error", splitter="exact", max_depth=None, min_samples_split=2,
                 min_samples_leaf=1, min_weight_fraction_leaf=0.0, min_impurity_decrease=0.0, max_features=None,
                 max_leaf_nodes=None, random_state=None, max_bins=255, n_jobs=None):
        store_params(self, locals())

    def fit(self, X, y, sample_weight=None):
        """Grow the tree on X (n_samples, n_features) and targets y (n_samples,); returns self.

        sample_weight (n_samples,), optional: leaves predict weighted means, splits minimise the weighted
        squared error (rows of weight 0 are left out)."""
        return self._fit_regressor(X, y, sample_weight)

    def predict(self, X):
        """Mean target of the leaf of each sample, shape (n_samples,) in X's dtype."""
        X = self._check_X(X)
        return self.tree_.predict(X, resolve_n_jobs(self.n_jobs))[:, 0]
