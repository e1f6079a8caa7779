"""scikit-learn-style multi-layer perceptrons built on :class:`Sequential`."""
import numbers
import warnings

import numpy as np

from pyml.base import BaseEstimator, ClassifierMixin, RegressorMixin
from pyml.exceptions import ConvergenceWarning, NonFiniteError, compatible_class
from pyml.neural_network._layers import L2, Dense, Input
from pyml.neural_network._losses import MeanSquaredError, SparseCategoricalCrossentropy
from pyml.neural_network._optimizers import Adam
from pyml.neural_network._sequential import Sequential
from pyml.utils.callbacks import ProgressLogger, Callback, EarlyStopping
from pyml.utils.validation import (
    check_array, check_classification_targets, check_is_fitted, check_n_features, check_random_state, check_X_y,
)

__all__ = ["MLPClassifier", "MLPRegressor"]


def _check_finite_weights(model, owner):
    """scikit-learn's rule: a fit whose weights became inf/NaN is an error, not a model."""
    if not all(np.isfinite(l.kernel).all() and np.isfinite(l.bias).all() for l in model.layers):
        raise NonFiniteError(f"{type(owner).__name__}: the solver produced non-finite weights (the loss became "
                             "inf or NaN). The input may hold very large values: scale it (StandardScaler), or "
                             "lower learning_rate.")


def _check_sample_weight(sample_weight, n, owner):
    """sample_weight as scikit-learn takes it: None, a number (every row), or (n_samples,) finite
    weights >= 0, not all zero."""
    if sample_weight is None:
        return None
    name = type(owner).__name__
    if isinstance(sample_weight, numbers.Real) and not isinstance(sample_weight, bool):
        sample_weight = np.full(n, sample_weight, dtype=np.float64)
    sw = check_array(sample_weight, name="sample_weight", caller=owner, ensure_2d=False)
    if sw.ndim != 1 or sw.shape[0] != n:
        raise ValueError(f"{name}: sample_weight must have shape ({n},) (one weight per row of X), got {sw.shape}")
    if np.any(sw < 0):
        raise ValueError(f"{name}: sample_weight must be >= 0")
    if not np.any(sw > 0):
        raise ValueError(f"{name}: sample_weight is zero everywhere; at least one row must count")
    return sw


class _NoImprovement(Callback):
    """Stops when the training loss has not improved by ``tol`` for ``patience`` epochs."""

    def __init__(self, tol, patience):
        self.tol, self.patience = tol, patience

    def on_fit_begin(self, estimator, logs=None):
        self.best, self.wait, self.converged = np.inf, 0, False

    def on_iteration_end(self, estimator, iteration, logs=None):
        loss = logs["loss"]
        if loss > self.best - self.tol:
            self.wait += 1
        else:
            self.wait = 0
        self.best = min(self.best, loss)
        if self.wait >= self.patience:
            self.converged = True
            return True
        return False


class _BaseMLP(BaseEstimator):
    def __init__(self, hidden_layer_sizes=(100,), activation="relu", learning_rate=0.001, max_iter=200,
                 batch_size=32, reg_lambda=0.0, early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=10, tol=1e-4, random_state=None, n_jobs=None, verbose=0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.reg_lambda = reg_lambda
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _validate_params(self):
        hidden = self.hidden_layer_sizes
        hidden = (hidden,) if isinstance(hidden, numbers.Integral) else tuple(hidden)
        if any(isinstance(h, bool) or not isinstance(h, numbers.Integral) or h < 1 for h in hidden):
            raise ValueError(f"{type(self).__name__}: hidden_layer_sizes must be positive integers, got {hidden!r}")
        if self.activation not in ("relu", "sigmoid", "tanh", "linear"):
            raise ValueError(f"{type(self).__name__}: activation must be 'relu', 'sigmoid', 'tanh' or 'linear', "
                             f"got {self.activation!r}")
        for name, lo in (("max_iter", 1), ("batch_size", 1), ("n_iter_no_change", 1)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < lo:
                raise ValueError(f"{type(self).__name__}: {name} must be an integer >= {lo}, got {v!r}")
        for name in ("learning_rate", "reg_lambda", "tol"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v) or v < 0 or \
                    (name == "learning_rate" and v == 0):
                raise ValueError(f"{type(self).__name__}: {name} must be a finite number "
                                 f"{'> 0' if name == 'learning_rate' else '>= 0'}, got {v!r}")
        if isinstance(self.validation_fraction, bool) or not isinstance(self.validation_fraction, numbers.Real) \
                or not 0 < self.validation_fraction < 1:
            raise ValueError(f"{type(self).__name__}: validation_fraction must be in (0, 1)")
        return hidden

    def _fit_model(self, X, y_fit, n_out, out_act, loss, sample_weight=None):
        hidden = self._validate_params()
        rng = check_random_state(self.random_state)
        seed = int(rng.integers(0, 2**31 - 1))
        reg = L2(self.reg_lambda) if self.reg_lambda else None
        layers = [Input(shape=(X.shape[1],))]
        layers += [Dense(h, activation=self.activation, kernel_regularizer=reg) for h in hidden]
        layers.append(Dense(n_out, activation=out_act, kernel_regularizer=reg))
        model = Sequential(layers, name=type(self).__name__, dtype=X.dtype, random_state=seed, n_jobs=self.n_jobs)
        model.compile(loss=loss, optimizer=Adam(learning_rate=self.learning_rate))
        model._weight_norm = 1  # sample weights: each batch's weighted mean, as scikit-learn's MLP
        callbacks, validation_data, X_fit, sw = [], None, X, sample_weight
        if self.early_stopping and X.shape[0] >= 4:
            perm = rng.permutation(X.shape[0])
            n_val = max(1, int(round(self.validation_fraction * X.shape[0])))
            val, tr = perm[:n_val], perm[n_val:]
            validation_data = (X[val], y_fit[val])
            X_fit, y_fit = X[tr], y_fit[tr]
            sw = sw[tr] if sw is not None else None
            stopper = EarlyStopping(monitor="val_loss", patience=self.n_iter_no_change, min_delta=self.tol,
                                    restore_best_weights=True)
        else:
            stopper = _NoImprovement(self.tol, self.n_iter_no_change)
        callbacks.append(stopper)
        if self.verbose:  # scikit-learn style progress on stderr (Sequential's own verbose prints Keras's lines)
            callbacks.append(ProgressLogger(total=int(self.max_iter), verbose=self.verbose, name="epoch"))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*the loss became", category=RuntimeWarning)
            history = model.fit(X_fit, y_fit, epochs=int(self.max_iter), batch_size=int(self.batch_size),
                                validation_data=validation_data, callbacks=callbacks, verbose=0,
                                sample_weight=sw)
        _check_finite_weights(model, self)
        self.model_ = model
        self.loss_curve_ = list(history.history.get("loss", []))
        self.validation_scores_ = list(history.history.get("val_loss", [])) or None
        self.n_iter_ = len(self.loss_curve_)
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else np.nan
        converged = getattr(stopper, "converged", False) or getattr(stopper, "stopped_iteration_", None) is not None
        if not converged and self.n_iter_ >= self.max_iter:
            warnings.warn(f"{type(self).__name__}: max_iter={self.max_iter} epochs reached and the loss is still "
                          "improving; increase max_iter.", compatible_class(ConvergenceWarning), stacklevel=3)
        return self

    def _partial_fit_model(self, X, y_fit, n_out, out_act, loss, sample_weight=None):
        """One epoch on (X, y_fit), building the network on the first call."""
        if not hasattr(self, "model_"):
            hidden = self._validate_params()
            rng = check_random_state(self.random_state)
            reg = L2(self.reg_lambda) if self.reg_lambda else None
            layers = [Input(shape=(X.shape[1],))]
            layers += [Dense(h, activation=self.activation, kernel_regularizer=reg) for h in hidden]
            layers.append(Dense(n_out, activation=out_act, kernel_regularizer=reg))
            self.model_ = Sequential(layers, name=type(self).__name__, dtype=X.dtype,
                                     random_state=int(rng.integers(0, 2**31 - 1)), n_jobs=self.n_jobs)
            self.model_.compile(loss=loss, optimizer=Adam(learning_rate=self.learning_rate))
            self.model_._weight_norm = 1
            self.loss_curve_ = []
            self.n_iter_ = 0
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*the loss became", category=RuntimeWarning)
            history = self.model_.fit(X.astype(self.model_.dtype, copy=False), y_fit, epochs=1,
                                      batch_size=int(self.batch_size), verbose=0, sample_weight=sample_weight)
        _check_finite_weights(self.model_, self)
        self.loss_curve_ += history.history.get("loss", [])
        self.n_iter_ += 1
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else np.nan
        return self

    @property
    def coefs_(self):
        check_is_fitted(self, "model_")
        return [l.kernel for l in self.model_.layers]

    @property
    def intercepts_(self):
        check_is_fitted(self, "model_")
        return [l.bias for l in self.model_.layers]

    def _check_predict_X(self, X):
        check_is_fitted(self, "model_")
        X = check_array(X, caller=self)
        check_n_features(self, X)
        return X.astype(self.model_.dtype, copy=False)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier: Dense hidden layers + a softmax output,
    trained with Adam on the (fused) softmax cross-entropy.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
    activation : {"relu", "sigmoid", "tanh", "linear"}, default="relu"
    learning_rate : float, default=0.001
        Adam step size.
    max_iter : int, default=200
        Epochs.
    batch_size : int, default=32
    reg_lambda : float, default=0.0
        L2 penalty: :math:`\\lambda \\sum W^2` added to the loss for every layer.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` and stop when its loss stops improving
        for ``n_iter_no_change`` epochs (best weights restored).
    random_state, n_jobs, verbose : as usual.

    Notes
    -----
    ``fit(X, y, sample_weight=w)`` weights each row's loss as scikit-learn's
    MLP does: every mini-batch minimises the weighted mean
    :math:`\\sum_{i \\in B} w_i \\ell_i / \\sum_{i \\in B} w_i` (so integer weights
    equal repeated rows for a full batch, and scaling all weights changes
    nothing); the L2 penalty is added unscaled (pyml's Keras convention).

    Attributes
    ----------
    classes_, n_features_in_, model_ (the trained Sequential), coefs_, intercepts_,
    loss_curve_, n_iter_
    """

    def fit(self, X, y, sample_weight=None):
        """Train on (X, y) (rows weighted by ``sample_weight``, see Notes); returns self."""
        X, y = check_X_y(X, y, caller=self, y_numeric=False)
        sw = _check_sample_weight(sample_weight, X.shape[0], self)
        check_classification_targets(y, self)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"{type(self).__name__}: y has only one class ({self.classes_[0]!r}); "
                             "a classifier needs at least 2 classes")
        self.n_features_in_ = X.shape[1]
        return self._fit_model(X, y_idx.astype(np.int32), len(self.classes_), "linear",
                               SparseCategoricalCrossentropy(from_logits=True), sw)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One more epoch on (X, y); the first call needs ``classes`` (all labels that will appear)."""
        X, y = check_X_y(X, y, caller=self, y_numeric=False)
        sw = _check_sample_weight(sample_weight, X.shape[0], self)
        if not hasattr(self, "model_"):
            if classes is None:
                raise ValueError(f"{type(self).__name__}.partial_fit: pass classes= (every label) on the first call")
            self.classes_ = np.unique(classes)
            if len(self.classes_) < 2:
                raise ValueError(f"{type(self).__name__}: classes must hold at least 2 labels")
            self.n_features_in_ = X.shape[1]
        else:
            check_n_features(self, X)
        y_idx = np.searchsorted(self.classes_, y)
        unseen = (y_idx >= len(self.classes_)) | (self.classes_[np.minimum(y_idx, len(self.classes_) - 1)] != y)
        if np.any(unseen):
            raise ValueError(f"{type(self).__name__}.partial_fit: y contains labels not in classes: "
                             f"{np.unique(y[unseen])[:5]}")
        return self._partial_fit_model(X, y_idx.astype(np.int32), len(self.classes_), "linear",
                                       SparseCategoricalCrossentropy(from_logits=True), sw)

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes)."""
        X = self._check_predict_X(X)
        from pyml.neural_network import _nn_kernels as _k

        Z = self.model_.predict(X)
        return _k.activation(3, np.ascontiguousarray(Z), 1)

    def predict_log_proba(self, X):
        """log of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))

    def predict(self, X):
        """Most probable class."""
        X = self._check_predict_X(X)
        return self.classes_[np.argmax(self.model_.predict(X), axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor: Dense hidden layers + a linear output,
    trained with Adam on the mean squared error. Parameters (and ``sample_weight``) as
    :class:`MLPClassifier`."""

    def fit(self, X, y, sample_weight=None):
        """Train on (X, y); y of shape (n_samples,) or (n_samples, n_targets); rows weighted by
        ``sample_weight`` (see :class:`MLPClassifier`)."""
        X = check_array(X, caller=self)
        y_arr = np.asarray(y) if y is not None else None
        if y_arr is not None and y_arr.ndim == 2 and y_arr.shape[1] > 1:
            Y = check_array(y_arr, name="y", caller=self).astype(X.dtype)
            if Y.shape[0] != X.shape[0]:
                raise ValueError(f"{type(self).__name__}: X has {X.shape[0]} samples but y has {Y.shape[0]}")
            self._multi = True
        else:
            X, y1 = check_X_y(X, y, caller=self)
            Y = y1.reshape(-1, 1).astype(X.dtype)
            self._multi = False
        self.n_features_in_ = X.shape[1]
        sw = _check_sample_weight(sample_weight, X.shape[0], self)
        return self._fit_model(X, np.ascontiguousarray(Y), Y.shape[1], "linear", MeanSquaredError(), sw)

    def partial_fit(self, X, y, sample_weight=None):
        """One more epoch on (X, y) (the network is built on the first call)."""
        X = check_array(X, caller=self)
        if hasattr(self, "model_"):
            check_n_features(self, X)
        X, y1 = check_X_y(X, y, caller=self)
        if not hasattr(self, "model_"):
            self.n_features_in_ = X.shape[1]
            self._multi = False
        sw = _check_sample_weight(sample_weight, X.shape[0], self)
        return self._partial_fit_model(X, y1.reshape(-1, 1).astype(X.dtype), 1, "linear", MeanSquaredError(), sw)

    def predict(self, X):
        """Predicted targets."""
        X = self._check_predict_X(X)
        out = self.model_.predict(X)
        return out if self._multi else out[:, 0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
