"""Losses for :class:`~pyml.neural_network.Sequential` (Keras names and semantics).

All take the mean over examples (and over outputs for MSE and binary
cross-entropy). With ``from_logits=True`` the model outputs are logits and the
loss works on them directly (log-sum-exp / softplus), which is the numerically
stable way the course recommends; a softmax (or sigmoid) output layer with the
matching cross-entropy is fused the same way automatically.
"""
import numbers

import numpy as np

__all__ = ["Loss", "MeanSquaredError", "BinaryCrossentropy", "CategoricalCrossentropy",
           "SparseCategoricalCrossentropy", "get_loss", "metric_values"]


class Loss:
    """Base class: ``loss(y_true, y_pred)`` returns the mean loss."""

    name = None
    kind = None

    def __init__(self, from_logits=False):
        self.from_logits = _check_from_logits(from_logits, type(self).__name__)

    def __call__(self, y_true, y_pred):
        from pyml.neural_network import _nn_kernels as _k

        from pyml.utils.validation import check_array

        # NaN/inf predictions are an error, not a loss that skips them
        y_pred = check_array(y_pred, name="y_pred", caller=type(self).__name__, ensure_2d=False, dtype=np.float64)
        if y_pred.ndim == 1:
            y_pred = y_pred.reshape(-1, 1)
        _check_probabilities(self, y_pred)
        Yf, Yi = _targets(self, y_true, y_pred.shape[1], y_pred.dtype, "loss")
        value, _ = _k.loss_grad(self.kind, self.from_logits, 0, y_pred, Yf, Yi, None, 1)
        return value

    def get_config(self):
        """Constructor arguments as a JSON-serialisable dict (used by save / load_model)."""
        return {"name": self.name, "from_logits": self.from_logits}

    def __repr__(self):
        return f"{type(self).__name__}(from_logits={self.from_logits})"


def _check_from_logits(from_logits, owner):
    """True or False only: ``bool("abc")`` would silently turn on the logits formula."""
    if isinstance(from_logits, (bool, np.bool_)) or (isinstance(from_logits, numbers.Integral) and
                                                     from_logits in (0, 1)):
        return bool(from_logits)
    raise TypeError(f"{owner}: from_logits must be True (the model outputs logits) or False (probabilities), "
                    f"got {from_logits!r}")


def _check_probabilities(loss, y_pred):
    """With ``from_logits=False`` the cross-entropies read probabilities: values outside [0, 1]
    (binary) or negative ones (categorical, normalised per row) would be clipped into a wrong loss."""
    if loss.kind == 0 or loss.from_logits or y_pred.size == 0:
        return
    lo, hi = float(y_pred.min()), float(y_pred.max())
    if lo < 0 or (loss.kind == 1 and hi > 1):
        interval = "[0, 1]" if loss.kind == 1 else "[0, inf)"
        raise ValueError(f"{type(loss).__name__}: y_pred must hold probabilities in {interval} with "
                         f"from_logits=False, found values from {lo:g} to {hi:g}; pass from_logits=True if "
                         "y_pred holds logits")


class MeanSquaredError(Loss):
    """:math:`L = \\frac{1}{mk} \\sum_{i,c} (a_{ic} - y_{ic})^2`."""

    name, kind = "mse", 0

    def __init__(self):
        super().__init__(False)


class BinaryCrossentropy(Loss):
    """:math:`L = -\\frac{1}{mk} \\sum y \\log p + (1-y) \\log(1-p)`; from logits
    :math:`\\mathrm{softplus}(z) - y z`.

    Targets ``y`` must lie in [0, 1]; with ``from_logits=False`` so must the
    predictions ``p`` (``from_logits`` is True or False).
    """

    name, kind = "binary_crossentropy", 1


class CategoricalCrossentropy(Loss):
    """One-hot targets: :math:`L = \\frac{1}{m} \\sum_i \\sum_c y_{ic} (\\mathrm{logsumexp}(z_i) - z_{ic})`."""

    name, kind = "categorical_crossentropy", 2


class SparseCategoricalCrossentropy(Loss):
    """Integer labels: :math:`L = \\frac{1}{m} \\sum_i \\mathrm{logsumexp}(z_i) - z_{i, y_i}`."""

    name, kind = "sparse_categorical_crossentropy", 3


_BY_NAME = {
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError, "meansquarederror": MeanSquaredError,
    "binary_crossentropy": BinaryCrossentropy, "binarycrossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy, "categoricalcrossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "sparsecategoricalcrossentropy": SparseCategoricalCrossentropy,
}


def get_loss(loss, from_logits=None):
    """A Loss instance from a name or an instance."""
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str) and loss.lower() in _BY_NAME:
        cls = _BY_NAME[loss.lower()]
        if cls is MeanSquaredError:
            return cls()
        return cls(from_logits=False if from_logits is None else from_logits)
    raise ValueError(f"unknown loss {loss!r}; choose one of 'mse', 'binary_crossentropy', "
                     "'categorical_crossentropy', 'sparse_categorical_crossentropy' or a Loss instance")


def _targets(loss, y, k, dtype, owner):
    """(float targets or None, int32 labels or None), validated for ``loss`` and ``k`` outputs."""
    y = np.asarray(y)
    if y.dtype.kind in "OUS":
        raise ValueError(f"{owner}: targets must be numeric; encode class names as integers 0..{k - 1}")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError(f"{owner}: y contains NaN or infinity")
    if loss.kind == 3:
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        if y.ndim != 1:
            raise ValueError(f"{owner}: sparse_categorical_crossentropy expects integer labels of shape "
                             f"(n_samples,), got {y.shape}; use categorical_crossentropy for one-hot targets")
        if y.dtype.kind == "f" and np.any(y != np.round(y)):
            raise ValueError(f"{owner}: sparse_categorical_crossentropy expects integer labels, got fractions")
        if y.size and (y.min() < 0 or y.max() >= k):
            raise ValueError(f"{owner}: labels must lie in [0, {k - 1}] for an output layer of {k} units "
                             f"(sparse_categorical_crossentropy); found labels from {y.min()} to {y.max()}")
        return None, np.ascontiguousarray(y, dtype=np.int32)
    y = y.astype(dtype, copy=False)
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if y.ndim != 2 or y.shape[1] != k:
        hint = " (integer labels need sparse_categorical_crossentropy)" if loss.kind == 2 else ""
        raise ValueError(f"{owner}: targets of shape {y.shape} do not match an output layer of {k} units{hint}")
    if loss.kind == 1 and y.size and (y.min() < 0 or y.max() > 1):
        # -y log p - (1 - y) log(1 - p) has no minimum for y outside [0, 1]: training would diverge quietly
        raise ValueError(f"{owner}: y must hold binary labels or probabilities in [0, 1] for "
                         f"binary_crossentropy, found values from {y.min():g} to {y.max():g}; use "
                         "sparse_categorical_crossentropy for class indices or mse for other targets")
    return np.ascontiguousarray(y), None


def metric_values(metrics, loss, A, Yf, Yi, prefix="", sw=None):
    """Compiled metrics ("accuracy", "mse", "mae") of the outputs A (after the output activation)
    against float targets Yf or integer labels Yi, keyed ``prefix + name``: the mean over rows of
    each row's value m_i (its accuracy, or its mean over outputs); with row weights ``sw`` the
    weighted mean :math:`\\sum_i w_i m_i / \\sum_i w_i` (Keras's ``compile(weighted_metrics=)``;
    its ``metrics`` are unweighted)."""
    out = {}
    for m in metrics:
        if m == "accuracy":
            if loss.kind == 3:
                rows = np.argmax(A, axis=1) == Yi
            elif loss.kind == 2:
                rows = np.argmax(A, axis=1) == np.argmax(Yf, axis=1)
            else:
                thr = 0.0 if loss.from_logits else 0.5
                rows = np.mean((A > thr) == (Yf.reshape(A.shape) > 0.5), axis=1)
        else:
            T = Yf.reshape(A.shape) if Yf is not None else np.eye(A.shape[1], dtype=A.dtype)[Yi]
            diff = A - T
            rows = np.mean(diff * diff, axis=1) if m == "mse" else np.mean(np.abs(diff), axis=1)
        rows = rows.astype(np.float64)
        out[prefix + m] = float(np.mean(rows) if sw is None else np.dot(sw, rows) / np.sum(sw, dtype=np.float64))
    return out
