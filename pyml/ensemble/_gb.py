"""Gradient-boosted trees in the XGBoost style (course C2 W4), loop in C.

Round t fits a tree to the first and second derivatives g_i, h_i of the loss
at the current scores F(x_i) (one tree per class for softmax). For a leaf
with G = sum g_i and H = sum h_i the optimal weight and a split's gain are

    w* = -G / (H + lambda)
    gain = 1/2 [ G_L^2/(H_L+lambda) + G_R^2/(H_R+lambda) - G^2/(H+lambda) ] - gamma

and the scores move by ``learning_rate * w*``. Losses: squared error
(g = F - y, h = 1), binary log-loss (p = sigmoid(F), g = p - y,
h = p(1-p)) and multiclass softmax (g_k = p_k - [y = k], h_k = p_k(1-p_k)).
Splits are searched on histograms of binned features (``max_bins``), grown
depth-wise to ``max_depth`` or leaf-wise to ``max_leaves``. With an
``eval_set`` and ``early_stopping_rounds`` the fit stops once the eval loss
has not improved for that many rounds and keeps the rounds up to
``best_iteration_``.
"""
import numbers

import numpy as np

from pyml.base import BaseEstimator, ProbaClassifierMixin, RegressorMixin
from pyml.tree import _tree_kernels as _k
from pyml.tree._binning import bin_with, check_max_bins, prepare_hist
from pyml.tree._classes import (
    base_seed, check_max_depth, check_predict_X, encode_labels, hist_slots, tree_capacity,
)
from pyml.tree._tree import Tree, pack_trees, predict_packed
from pyml.utils._threads import resolve_n_jobs
from pyml.utils.callbacks import IterationHook, fit_callbacks
from pyml.utils.validation import (
    check_allocation, check_array, check_is_fitted, check_sample_weight, check_vector, check_X_y,
)

__all__ = ["GradientBoostingClassifier", "GradientBoostingRegressor", "load_model"]

_OBJ = {"squared_error": 0, "logistic": 1, "softmax": 2}


def _check_real(value, name, owner, low, high=np.inf, low_open=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise TypeError(f"{owner}: {name} must be a finite number, got {value!r}")
    if value < low or (low_open and value == low) or value > high:
        raise ValueError(f"{owner}: {name}={value} is out of range ({'(' if low_open else '['}{low}, {high}])")
    return float(value)


class BaseGradientBoosting(BaseEstimator):
    """Shared parameters and boosting loop of the classifier and the regressor."""

    def __init__(self, n_estimators=100, learning_rate=0.3, max_depth=6, max_leaves=None, reg_lambda=1.0, gamma=0.0,
                 min_child_weight=1.0, min_samples_leaf=1, subsample=1.0, colsample_bytree=1.0, max_bins=255,
                 early_stopping_rounds=None, n_jobs=None, random_state=None, verbose=0, callbacks=None):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.max_leaves = max_leaves
        self.reg_lambda = reg_lambda
        self.gamma = gamma
        self.min_child_weight = min_child_weight
        self.min_samples_leaf = min_samples_leaf
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.max_bins = max_bins
        self.early_stopping_rounds = early_stopping_rounds
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks

    def _params(self, n, d):
        owner = type(self).__name__
        if isinstance(self.n_estimators, bool) or not isinstance(self.n_estimators, numbers.Integral) \
                or self.n_estimators < 1:
            raise ValueError(f"{owner}: n_estimators={self.n_estimators!r} must be an int >= 1")
        # every boosting round stores at least a few hundred bytes of tree arrays
        check_allocation(256 * int(self.n_estimators), f"{owner}: n_estimators={self.n_estimators} rounds",
                         "lower n_estimators (early stopping with eval_set stops sooner)")
        max_depth = check_max_depth(self.max_depth, owner)
        max_leaves = 0
        if self.max_leaves is not None:
            if isinstance(self.max_leaves, bool) or not isinstance(self.max_leaves, numbers.Integral) \
                    or self.max_leaves < 2:
                raise ValueError(f"{owner}: max_leaves={self.max_leaves!r} must be None or an int >= 2")
            max_leaves = int(self.max_leaves)
        if max_depth < 0 and max_leaves == 0:
            raise ValueError(f"{owner}: set max_depth or max_leaves (or both) to bound the trees")
        esr = self.early_stopping_rounds
        if esr is not None and (isinstance(esr, bool) or not isinstance(esr, numbers.Integral) or esr < 1):
            raise ValueError(f"{owner}: early_stopping_rounds={esr!r} must be None or an int >= 1")
        if isinstance(self.min_samples_leaf, bool) or not isinstance(self.min_samples_leaf, numbers.Integral) \
                or self.min_samples_leaf < 1:
            raise ValueError(f"{owner}: min_samples_leaf must be an int >= 1")
        return dict(
            max_depth=max_depth, max_leaves=max_leaves, max_bins=check_max_bins(self.max_bins, owner),
            lr=_check_real(self.learning_rate, "learning_rate", owner, 0.0, low_open=True),
            reg_lambda=_check_real(self.reg_lambda, "reg_lambda", owner, 0.0),
            gamma=_check_real(self.gamma, "gamma", owner, 0.0),
            mcw=_check_real(self.min_child_weight, "min_child_weight", owner, 0.0),
            subsample=_check_real(self.subsample, "subsample", owner, 0.0, 1.0, low_open=True),
            colsample=_check_real(self.colsample_bytree, "colsample_bytree", owner, 0.0, 1.0, low_open=True),
            esr=int(esr) if esr is not None else 0)

    def _eval_set(self, eval_set, d):
        if eval_set is None:
            return None
        if isinstance(eval_set, tuple):
            eval_set = [eval_set]
        if not isinstance(eval_set, list) or not eval_set or any(len(e) != 2 for e in eval_set):
            raise ValueError(f"{type(self).__name__}: eval_set must be a list of (X, y) pairs")
        Xe, ye = eval_set[-1]  # like XGBoost, the last pair drives early stopping
        Xe = check_array(Xe, name="eval_set X", caller=self)
        if Xe.shape[1] != d:
            raise ValueError(f"{type(self).__name__}: eval_set X has {Xe.shape[1]} features, expected {d}")
        ye = check_vector(ye, name="eval_set y", caller=self, dtype=None)
        if ye.shape[0] != Xe.shape[0]:
            raise ValueError(f"{type(self).__name__}: eval_set X and y have different lengths")
        return Xe, ye

    def _boost(self, X, y_fit, objective, K, base, eval_data, sample_weight=None):
        n, d = X.shape
        p = self._params(n, d)
        n_threads = resolve_n_jobs(self.n_jobs)
        seed = base_seed(self.random_state)
        binning, codes = prepare_hist(X, p["max_bins"], n_threads, seed, sample_weight)
        params = dict(criterion=_k.CRITERIA["newton"], splitter=_k.SPLITTERS["hist"], n_classes=1,
                      max_depth=p["max_depth"], max_leaves=p["max_leaves"], min_samples_split=2,
                      min_samples_leaf=int(min(self.min_samples_leaf, n)), min_impurity_decrease=0.0, max_features=0,
                      hist_slots=hist_slots(d, binning["nb_max"], 3, p["max_depth"], p["max_leaves"],
                                            level_wise=True),
                      reg_lambda=p["reg_lambda"], gamma=p["gamma"], min_child_weight=p["mcw"],
                      learning_rate=p["lr"])
        cap = tree_capacity(n, p["max_depth"], p["max_leaves"])
        raw = np.empty((n, K))  # writable (a broadcast view would be read-only)
        raw[:] = base
        ec = ey = er = None
        if eval_data is not None:
            Xe, ey = eval_data
            ec = bin_with(Xe, binning, n_threads)
            er = np.empty((Xe.shape[0], K))
            er[:] = base
        cb = fit_callbacks(self.callbacks, type(self).__name__, self.verbose, self.n_estimators, "round",
                           progress_first=True)
        hook = IterationHook(self, cb)
        if eval_data is not None:
            hook.extra_logs = lambda it: {"val_loss": float(hook.val_loss[it])}
        cb.on_fit_begin(self)
        trees, tl, el, done, best = _k.gbt_fit(
            codes, binning["nbins"], binning["edges"], binning["edge_off"], binning["nb_max"], params,
            _OBJ[objective], K, int(self.n_estimators), p["esr"] if eval_data is not None else 0,
            p["subsample"], p["colsample"], np.uint64(seed), np.ascontiguousarray(y_fit, np.float64), raw,
            ec, ey, er, cap, n_threads, hook, sample_weight)
        self.n_features_in_ = d
        self.base_score_ = np.asarray(base, dtype=np.float64).reshape(K)
        self.train_loss_ = tl
        self.validation_loss_ = el if eval_data is not None else None
        self.best_iteration_ = int(best)
        keep = (best + 1) if (eval_data is not None and p["esr"] > 0) else done
        self.n_estimators_ = int(keep)
        self.estimators_ = [Tree(a, d) for a in trees[:keep * K]]
        self._K = K
        self._packed = pack_trees(self.estimators_)
        self._tree_col = np.ascontiguousarray(np.tile(np.arange(K, dtype=np.int32), keep))
        cb.on_fit_end(self)
        return self

    def _raw_predict(self, X):
        X = check_predict_X(self, X)
        init = np.broadcast_to(self.base_score_, (X.shape[0], self._K))
        return predict_packed(X, self._packed, self._K, 1.0, resolve_n_jobs(self.n_jobs),
                              tree_col=self._tree_col if self._K > 1 else None, init=init), X.dtype

    def save_model(self, path):
        """Write the fitted model to ``path`` as a plain ``.npz`` (no pickle).

        Arrays: the node arrays of all trees concatenated (``feature``,
        ``threshold``, ``left``, ``right``, ``value``, ``gain``, ``impurity``,
        ``n_samples``, ``weight``, ``split_bin``), ``tree_offsets`` (node offset
        of each tree, plus the total), ``base_score``, ``classes`` (classifiers)
        and ``meta``: a JSON string with the estimator class, its parameters
        (callbacks dropped), ``n_features_in_``, ``best_iteration_``,
        ``n_estimators_`` and the pyml version. Read it back with
        :func:`load_model`.
        """
        import json

        from pyml import __version__

        check_is_fitted(self)
        params = {k: v for k, v in self.get_params().items() if k != "callbacks"}
        meta = dict(estimator=type(self).__name__, params=params, n_features_in=self.n_features_in_,
                    best_iteration=self.best_iteration_, n_estimators=self.n_estimators_, n_outputs=self._K,
                    pyml_version=__version__)
        cat = lambda name: np.concatenate([getattr(t, name) for t in self.estimators_])  # noqa: E731
        arrays = dict(feature=cat("feature"), threshold=cat("threshold"), left=cat("children_left"),
                      right=cat("children_right"), value=cat("value"), gain=cat("gain"), impurity=cat("impurity"),
                      n_samples=cat("n_node_samples"), weight=cat("weighted_n_node_samples"),
                      split_bin=cat("split_bin"), tree_offsets=self._packed["off"], base_score=self.base_score_,
                      train_loss=self.train_loss_)
        if hasattr(self, "classes_"):
            classes = np.asarray(self.classes_)
            if classes.dtype.kind == "O":  # object labels come back as objects: their values go in the JSON meta
                values = [c.item() if isinstance(c, np.generic) else c for c in classes]
                if not all(isinstance(v, (str, int, float, bool)) for v in values):
                    raise ValueError(f"{type(self).__name__}.save_model: class labels of types "
                                     f"{sorted({type(v).__name__ for v in values})} cannot be written to a model "
                                     "file; use str or numeric labels")
                meta["object_classes"] = values
                classes = classes.astype(str)
            arrays["classes"] = classes
        np.savez(path, meta=np.array(json.dumps(meta)), **arrays)

    @property
    def feature_importances_(self):
        """Total split gain per feature over all trees, normalised to 1."""
        check_is_fitted(self)
        imp = np.sum([t.compute_feature_importances(normalize=False) for t in self.estimators_], axis=0)
        s = imp.sum()
        return imp / s if s > 0 else imp


_GB_PARAMS = """
    n_estimators : int, default=100
        Boosting rounds.
    learning_rate : float, default=0.3
    max_depth : int or None, default=6
    max_leaves : int or None, default=None
        With a value, trees grow leaf-wise (largest gain first) up to this many leaves.
    reg_lambda : float, default=1.0
        L2 penalty lambda on leaf weights.
    gamma : float, default=0.0
        Minimum gain of a split.
    min_child_weight : float, default=1.0
        Minimum hessian sum H in a child.
    min_samples_leaf : int, default=1
    subsample : float in (0, 1], default=1.0
        Fraction of rows drawn (without replacement, Bernoulli) per round.
    colsample_bytree : float in (0, 1], default=1.0
        Fraction of features drawn per tree.
    max_bins : int in [2, 255], default=255
    early_stopping_rounds : int or None
        Stop when the eval_set loss has not improved for this many rounds.
    n_jobs : int or None
        Threads; the model does not depend on it.
    random_state : int, Generator or None
    verbose : int
    callbacks : list of pyml.utils.callbacks.Callback or None
        Called after every round with logs {"loss", "val_loss"}.
"""


class GradientBoostingClassifier(ProbaClassifierMixin, BaseGradientBoosting):
    __doc__ = ("""XGBoost-style gradient-boosted trees for classification.

    Binary targets use the log-loss (one tree per round), more classes the
    softmax cross-entropy (one tree per class per round).

    Parameters
    ----------""" + _GB_PARAMS + """
    Attributes
    ----------
    estimators_ : list of Tree (round-major, class-minor)
    n_estimators_ : int
        Rounds kept (best_iteration_ + 1 with early stopping).
    best_iteration_ : int
    train_loss_, validation_loss_ : ndarray
    classes_, base_score_, feature_importances_

    Examples
    --------
    >>> from pyml.ensemble import GradientBoostingClassifier
    >>> X = [[0.], [1.], [2.], [3.]] * 5
    >>> gb = GradientBoostingClassifier(n_estimators=20, min_child_weight=0).fit(X, [0, 0, 1, 1] * 5)
    >>> gb.predict([[0.5], [2.5]]).tolist()
    [0, 1]
    """)

    def fit(self, X, y, eval_set=None, sample_weight=None):
        """Boost on X (n_samples, n_features) and labels y; eval_set = [(X_val, y_val)]; returns self.

        sample_weight (n_samples,), optional: multiplies each row's gradient, hessian and loss (the starting
        log-odds use weighted class frequencies); the eval_set loss stays unweighted."""
        X, y = check_X_y(X, y, caller=self, y_numeric=False)
        sample_weight = check_sample_weight(sample_weight, X.shape[0], caller=self)
        self.classes_, y_enc = encode_labels(y, type(self).__name__)
        self.n_classes_ = K = int(self.classes_.shape[0])
        ev = self._eval_set(eval_set, X.shape[1])
        if ev is not None:
            Xe, ye = ev
            unseen = ~np.isin(ye, self.classes_)
            if unseen.any():
                raise ValueError(f"{type(self).__name__}: eval_set y has labels unseen in fit: "
                                 f"{np.unique(ye[unseen])[:5].tolist()}")
            ev = (Xe, np.searchsorted(self.classes_, ye).astype(np.float64))
        counts = np.bincount(y_enc, weights=sample_weight, minlength=K)
        counts = np.clip(counts / counts.sum(), 1e-12, 1.0)
        if K == 2:
            base = np.array([np.log(counts[1] / counts[0])])
            return self._boost(X, y_enc, "logistic", 1, base, ev, sample_weight)
        return self._boost(X, y_enc, "softmax", K, np.log(counts), ev, sample_weight)

    def decision_function(self, X):
        """Raw scores F(x): (n_samples,) for one output, else (n_samples, n_classes)."""
        raw, _ = self._raw_predict(X)
        return raw[:, 0] if raw.shape[1] == 1 else raw

    def predict_proba(self, X):
        """Class probabilities (sigmoid / softmax of the scores), shape (n_samples, n_classes)."""
        raw, dtype = self._raw_predict(X)
        if self._K == 1:
            with np.errstate(over="ignore"):  # exp(-F) = inf for F < -709: p1 = 0 exactly, as it should be
                p1 = 1.0 / (1.0 + np.exp(-raw[:, 0]))
            return np.column_stack([1.0 - p1, p1]).astype(dtype, copy=False)
        z = raw - raw.max(axis=1, keepdims=True)
        e = np.exp(z)
        return (e / e.sum(axis=1, keepdims=True)).astype(dtype, copy=False)


class GradientBoostingRegressor(RegressorMixin, BaseGradientBoosting):
    __doc__ = ("""XGBoost-style gradient-boosted trees for regression (squared error).

    Parameters
    ----------""" + _GB_PARAMS + """
    Examples
    --------
    >>> from pyml.ensemble import GradientBoostingRegressor
    >>> X = [[0.], [1.], [2.], [3.]] * 5
    >>> gb = GradientBoostingRegressor(n_estimators=50, min_child_weight=0).fit(X, [0., 0., 1., 1.] * 5)
    >>> round(float(gb.predict([[3.]])[0]), 2)
    1.0
    """)

    def fit(self, X, y, eval_set=None, sample_weight=None):
        """Boost on X (n_samples, n_features) and targets y; eval_set = [(X_val, y_val)]; returns self.

        sample_weight (n_samples,), optional: weighted squared error (the start is the weighted mean)."""
        X, y = check_X_y(X, y, caller=self, y_numeric=False)
        y = check_vector(y, caller=self, dtype=np.float64)   # targets keep float64 whatever X's dtype
        sample_weight = check_sample_weight(sample_weight, X.shape[0], caller=self)
        ev = self._eval_set(eval_set, X.shape[1])
        if ev is not None:
            Xe, ye = ev
            ev = (Xe, check_vector(ye, name="eval_set y", caller=self, dtype=np.float64))
        y = np.asarray(y, dtype=np.float64)
        return self._boost(X, y, "squared_error", 1, np.array([np.average(y, weights=sample_weight)]), ev,
                           sample_weight)

    def predict(self, X):
        """base_score + sum of the trees' (learning-rate-scaled) leaf weights, float64 (the targets' precision)."""
        raw, _ = self._raw_predict(X)
        return raw[:, 0]


_NODE_FIELDS = dict(feature="feature", threshold="threshold", left="left", right="right", value="value",
                    gain="gain", impurity="impurity", n_samples="n_samples", weight="weight", split_bin="split_bin")
_META_KEYS = ("estimator", "params", "n_features_in", "best_iteration", "n_estimators", "n_outputs")


def _damaged(path, what):
    return ValueError(f"{path}: damaged or foreign model file ({what}); write it again with save_model")


def _read_model_file(path):
    """(meta, arrays) of a save_model file, every array copied out and its dtype checked."""
    import json
    import zipfile

    kinds = dict(feature="i", left="i", right="i", split_bin="iu", n_samples="iu", tree_offsets="i")
    try:
        with np.load(path, allow_pickle=False) as data:
            names = set(data.files)
            missing = [k for k in ("meta", "tree_offsets", "base_score", "train_loss", *_NODE_FIELDS.values())
                       if k not in names]
            if missing:
                raise _damaged(path, f"missing arrays {missing}")
            meta = json.loads(str(data["meta"]))
            arrays = {k: np.array(data[k]) for k in names if k != "meta"}
    except (OSError, EOFError, zipfile.BadZipFile, json.JSONDecodeError, KeyError) as exc:
        raise _damaged(path, f"{type(exc).__name__}: {exc}") from None
    except ValueError as exc:
        if "damaged" in str(exc):
            raise
        raise _damaged(path, str(exc)) from None
    if not isinstance(meta, dict) or any(k not in meta for k in _META_KEYS):
        raise _damaged(path, f"the meta record lacks {[k for k in _META_KEYS if k not in meta]}")
    for name, arr in arrays.items():
        allowed = kinds.get(name, "f" if name != "classes" else "iufbUS")
        if arr.dtype.kind not in allowed and not (name == "classes" and arr.dtype.kind in allowed):
            raise _damaged(path, f"array {name!r} has dtype {arr.dtype}")
    return meta, arrays


def _check_model_arrays(path, meta, a):
    """Shapes, offsets, child and feature indices, finiteness: everything predict will index."""
    try:
        d, K, n_est = int(meta["n_features_in"]), int(meta["n_outputs"]), int(meta["n_estimators"])
    except (TypeError, ValueError):
        raise _damaged(path, "non-integer sizes in the meta record") from None
    off = a["tree_offsets"]
    if d < 1 or K < 1 or n_est < 0 or off.ndim != 1 or off.shape[0] != n_est * K + 1 or off[0] != 0:
        raise _damaged(path, "tree offsets do not match n_estimators x n_outputs")
    sizes = np.diff(off)
    if sizes.size and sizes.min() < 1:
        raise _damaged(path, "a tree has no nodes")
    n_nodes = int(off[-1])
    for name in _NODE_FIELDS.values():
        if a[name].shape[0] != n_nodes or (name != "value" and a[name].ndim != 1):
            raise _damaged(path, f"array {name!r} has shape {a[name].shape}, expected {n_nodes} nodes")
    if a["value"].ndim != 2 or a["value"].shape[1] != 1:
        raise _damaged(path, f"array 'value' has shape {a['value'].shape}, expected ({n_nodes}, 1)")
    feat, left, right = a["feature"], a["left"], a["right"]
    split = feat >= 0
    local = np.arange(n_nodes) - np.repeat(off[:-1], sizes)
    size_of = np.repeat(sizes, sizes)
    bad_child = split & ((left <= local) | (right <= local) | (left >= size_of) | (right >= size_of))
    if feat.max(initial=-1) >= d or feat.min(initial=-1) < -2 or bad_child.any():
        raise _damaged(path, "node feature or child indices out of range")
    if not np.isfinite(a["threshold"][split]).all() or not np.isfinite(a["value"]).all():
        raise _damaged(path, "non-finite thresholds or leaf values")
    base = a["base_score"]
    if base.shape not in ((K,), (1, K)) or not np.isfinite(base).all():
        raise _damaged(path, f"base_score has shape {base.shape}, expected ({K},)")
    if "classes" in a and (a["classes"].ndim != 1 or a["classes"].shape[0] != max(2, K)):
        raise _damaged(path, f"{a['classes'].shape[0]} classes do not match {K} outputs")


def load_model(path):
    """Read a model written by ``save_model`` (a ``.npz`` file); returns the fitted estimator.

    Every array is checked (dtypes, shapes, tree offsets, child and feature
    indices, finite thresholds and leaf values) before the model is built, so
    a damaged or foreign file raises a ``ValueError`` naming the file and the
    field instead of reaching the prediction kernel.
    """
    import warnings

    from pyml import __version__
    from pyml.exceptions import InconsistentVersionWarning

    meta, data = _read_model_file(path)
    cls = {"GradientBoostingClassifier": GradientBoostingClassifier,
           "GradientBoostingRegressor": GradientBoostingRegressor}.get(meta["estimator"])
    if cls is None:
        raise ValueError(f"{path}: not a pyml gradient-boosting model ({meta.get('estimator')!r})")
    if meta.get("pyml_version") != __version__:
        warnings.warn(f"{path} was saved by pyml {meta.get('pyml_version')}, loading with {__version__}",
                      InconsistentVersionWarning, stacklevel=2)
    _check_model_arrays(path, meta, data)
    try:
        est = cls(**meta["params"])
    except TypeError as exc:
        raise _damaged(path, f"parameters: {exc}") from None
    off = data["tree_offsets"]
    d = int(meta["n_features_in"])
    arrays = {k: data[v] for k, v in _NODE_FIELDS.items()}
    est.estimators_ = [Tree({k: np.ascontiguousarray(a[off[t]:off[t + 1]]) for k, a in arrays.items()}, d)
                       for t in range(off.shape[0] - 1)]
    est.base_score_ = data["base_score"]
    est.train_loss_ = data["train_loss"]
    est.validation_loss_ = None
    if "classes" in data:
        est.classes_ = data["classes"]
        if "object_classes" in meta:  # labels saved from an object array keep that dtype
            values = meta["object_classes"]
            if not isinstance(values, list) or len(values) != est.classes_.shape[0]:
                raise _damaged(path, "object_classes does not match classes")
            est.classes_ = np.array(values, dtype=object)
        est.n_classes_ = int(est.classes_.shape[0])
    est.n_features_in_ = d
    est.best_iteration_ = int(meta["best_iteration"])
    est.n_estimators_ = int(meta["n_estimators"])
    est._K = int(meta["n_outputs"])
    est._packed = pack_trees(est.estimators_)
    est._tree_col = np.ascontiguousarray(np.tile(np.arange(est._K, dtype=np.int32), est.n_estimators_))
    return est
