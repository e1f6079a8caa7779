"""``Normalization``: Keras's feature-wise standardisation layer (the coffee-roasting lab's first step)."""
import numpy as np

from pyml.utils.validation import check_array

__all__ = ["Normalization"]

_EPSILON = 1e-7  # Keras's backend.epsilon(): the floor of the standard deviation


class Normalization:
    """Standardise each feature: :math:`(x - \\mu) / \\max(\\sqrt{\\sigma^2}, 10^{-7})`.

    ``adapt(X)`` learns the per-feature mean :math:`\\mu` and (population)
    variance :math:`\\sigma^2`; calling the layer on an array returns the
    standardised array (float32, like Keras). As the first layer of a
    :class:`~pyml.neural_network.Sequential` it standardises every input of
    ``fit``/``predict``/``evaluate`` before the compiled layers (it is held in
    ``model.normalizer``, not in ``model.layers``, and saved with the model).

    Parameters
    ----------
    axis : int, default -1
        The feature axis (only -1 / 1 of 2-D data is supported).
    mean, variance : array-like of shape (n_features,), optional
        Set the statistics directly instead of calling ``adapt``.
    invert : bool, default False
        Compute :math:`x \\sigma + \\mu` instead (undo a normalisation).
    name : str, optional
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, name=None):
        if axis not in (-1, 1):
            raise ValueError(f"Normalization: only axis=-1 (the feature axis of 2-D data) is supported, got {axis!r}")
        self.axis = axis
        self.invert = bool(invert)
        self.name = name or "normalization"
        self.mean = self.variance = None
        self.count = 0
        if (mean is None) != (variance is None):
            raise ValueError("Normalization: give both mean and variance, or neither")
        if mean is not None:
            self._set_stats(mean, variance, 0)

    def _set_stats(self, mean, variance, count):
        mean = np.asarray(mean, dtype=np.float64).reshape(-1)
        variance = np.asarray(variance, dtype=np.float64).reshape(-1)
        if mean.shape != variance.shape or mean.size == 0:
            raise ValueError(f"Normalization: mean {mean.shape} and variance {variance.shape} must be equal, "
                             "non-empty vectors")
        if not (np.isfinite(mean).all() and np.isfinite(variance).all()) or (variance < 0).any():
            raise ValueError("Normalization: mean and variance must be finite and the variance >= 0")
        self.mean, self.variance, self.count = mean, variance, int(count)

    @property
    def built(self):
        return self.mean is not None

    def adapt(self, data):
        """Learn the per-feature mean and variance of ``data`` (n_samples, n_features)."""
        X = check_array(data, name="data", caller="Normalization.adapt", dtype=np.float64)
        self._set_stats(X.mean(axis=0), X.var(axis=0), X.shape[0])
        return self

    def __call__(self, X):
        """The standardised (or, with ``invert``, de-standardised) array, float32."""
        if not self.built:
            raise ValueError(f"{self.name}: call adapt(X) (or give mean and variance) before using the layer")
        X = check_array(X, caller=self.name)
        if X.shape[1] != self.mean.size:
            raise ValueError(f"{self.name}: X has {X.shape[1]} features but the layer was adapted to "
                             f"{self.mean.size}")
        std = np.maximum(np.sqrt(self.variance), _EPSILON)
        out = X * std + self.mean if self.invert else (X - self.mean) / std
        return out.astype(np.float32)

    def count_params(self):
        """Keras counts the non-trainable mean, variance and count: 2 n_features + 1."""
        return 2 * self.mean.size + 1 if self.built else 0

    @property
    def weights(self):
        """``[mean, variance]`` (the arrays themselves; non-trainable, learned by ``adapt``)."""
        return [self.mean, self.variance] if self.built else []

    def get_weights(self):
        """``[mean, variance, count]`` as Keras returns them."""
        return [self.mean.copy(), self.variance.copy(), np.int64(self.count)] if self.built else []

    def set_weights(self, weights):
        """Set ``[mean, variance]`` or ``[mean, variance, count]``."""
        if len(weights) not in (2, 3):
            raise ValueError(f"{self.name}: expected [mean, variance(, count)], got {len(weights)} arrays")
        self._set_stats(weights[0], weights[1], int(weights[2]) if len(weights) == 3 else 0)

    def get_config(self):
        return {"class": "Normalization", "axis": self.axis, "invert": self.invert, "name": self.name}

    def __repr__(self):
        return f"Normalization(axis={self.axis}, name={self.name!r})"
