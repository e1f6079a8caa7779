"""Parameter-free Keras layers: ``LeakyReLU`` and ``Dropout``.

In a :class:`~pyml.neural_network.Sequential` model they are folded into the
Dense layer before them (the kernels see one layer: its activation becomes
leaky_relu with the layer's slope, and its output is dropped out while
training), so they cost no extra pass over memory. In a functional
:class:`~pyml.neural_network.Model` each call is a graph node (csrc/nn_graph.h
``ACT`` / ``DROPOUT``). Called on an array they run the same compiled kernels.
"""
import numbers

import numpy as np

from pyml.neural_network._functions import _check_slope
from pyml.neural_network._layers import SymbolicTensor, _Call

__all__ = ["LeakyReLU", "Dropout"]

_MASK = (1 << 64) - 1


def _as_float(X, owner):
    from pyml.utils.validation import check_array

    X = check_array(X, caller=owner)
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    return np.ascontiguousarray(X)


class _ParamFree:
    """What every parameter-free layer answers (Keras's layer surface)."""

    built = True
    weights = []
    trainable_weights = []

    def count_params(self):
        """Parameter-free: 0."""
        return 0

    def get_weights(self):
        """Parameter-free: ``[]``."""
        return []

    def set_weights(self, weights):
        """Only ``[]`` is accepted (the layer has no weights)."""
        if len(list(weights)) != 0:
            raise ValueError(f"layer {self.name!r} has no weights; set_weights expects []")


class LeakyReLU(_ParamFree):
    """Leaky ReLU layer: :math:`y = x` for :math:`x > 0`, else :math:`\\alpha x` (Keras ``LeakyReLU``).

    Backward: :math:`dx = dy` where :math:`x > 0`, else :math:`\\alpha\\,dy`.

    Parameters
    ----------
    negative_slope : float, default=0.3
        :math:`\\alpha \\ge 0` (Keras 3's default for the layer; the
        ``"leaky_relu"`` activation string uses 0.2). ``alpha=`` (Keras 2's name)
        is accepted too.
    name : str, optional

    Notes
    -----
    In a Sequential model the layer must follow a Dense layer with a linear
    activation (``Dense(64), LeakyReLU()``, as Keras code writes it); it becomes
    that layer's activation in the fused kernels.
    """

    _base_name = "leaky_re_lu"

    def __init__(self, negative_slope=0.3, name=None, alpha=None, **kwargs):
        if kwargs:
            raise TypeError(f"LeakyReLU: unexpected arguments {sorted(kwargs)}")
        if alpha is not None:
            negative_slope = alpha
        self.negative_slope = _check_slope(negative_slope, "LeakyReLU")
        self.name = name

    @property
    def alpha(self):
        """Keras 2's name of ``negative_slope``."""
        return self.negative_slope

    def __call__(self, x):
        """A graph node on a symbolic tensor; the compiled activation on an array (dtype kept)."""
        if isinstance(x, SymbolicTensor):
            return self._symbolic(x, _Call(self, [x]))
        from pyml.neural_network import _nn_kernels as _k

        X = np.asarray(x)
        one = X.ndim == 1
        X = _as_float(X.reshape(1, -1) if one else X, f"LeakyReLU {self.name!r}")
        out = _k.activation(5, X, 1, self.negative_slope)
        return out[0] if one else out

    def _symbolic(self, x, call):
        return SymbolicTensor("act", (x,), x.width, layer=self, call=call)

    def _node(self):
        return {"act": 5, "param": self.negative_slope}

    def get_config(self):
        """Constructor arguments as a JSON-serialisable dict (used by save / load_model)."""
        return {"class": "LeakyReLU", "negative_slope": self.negative_slope, "name": self.name}

    def __repr__(self):
        return f"LeakyReLU(negative_slope={self.negative_slope}, name={self.name!r})"


class Dropout(_ParamFree):
    """Inverted dropout (Keras ``Dropout``): while training, each unit is kept with
    probability :math:`1 - p` and scaled by :math:`1 / (1 - p)`, else set to 0;
    the identity in ``predict`` / ``evaluate`` / a plain call.

    The mask of every mini-batch is drawn in C from a counter-based generator
    (splitmix64's finaliser of the layer's key, the optimiser step, the row and
    the column), so a seeded fit is bitwise repeatable and identical for any
    ``n_jobs``; the backward pass multiplies by the same mask.

    Parameters
    ----------
    rate : float in [0, 1)
        Fraction :math:`p` of the units dropped.
    noise_shape : None
        Only None (one draw per element) is supported.
    seed : int or None
        Fixes this layer's masks (they still change every step). None: the key
        is drawn every epoch from the model's generator (``random_state`` /
        :func:`set_seed`).
    name : str, optional

    Notes
    -----
    In a Sequential model the layer follows a Dense layer (or its LeakyReLU)
    and drops that layer's output, or comes before the first Dense layer and
    drops the inputs; after the output layer it is not supported there (the
    functional Model takes it anywhere).
    """

    _base_name = "dropout"

    def __init__(self, rate, noise_shape=None, seed=None, name=None):
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not np.isfinite(rate) or \
                not 0 <= rate < 1:
            raise ValueError(f"Dropout: rate must be a number in [0, 1), got {rate!r}")
        if noise_shape is not None:
            raise ValueError("Dropout: noise_shape is not supported (one mask draw per element); leave it None")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0):
            raise ValueError(f"Dropout: seed must be a non-negative integer or None, got {seed!r}")
        self.rate = float(rate)
        self.noise_shape = None
        self.seed = None if seed is None else int(seed)
        self.name = name
        self._calls = 0

    def _key(self, model_key, index):
        """The mask key of one epoch: the layer's seed, or the model's epoch key mixed with the
        layer's position (64-bit)."""
        if self.seed is not None:
            return (self.seed * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & _MASK
        return (int(model_key) + (index + 1) * 0xD1B54A32D192ED03) & _MASK

    def __call__(self, x, training=False):
        """A graph node on a symbolic tensor. On an array: the identity, or with
        ``training=True`` one draw of the mask (from ``seed``, else fresh entropy)."""
        if isinstance(x, SymbolicTensor):
            return self._symbolic(x, _Call(self, [x]))
        X = _as_float(x, f"Dropout {self.name!r}")
        if not training or self.rate == 0:
            return X.copy()
        from pyml.neural_network import _nn_kernels as _k

        key = self._key(np.random.default_rng().integers(0, 2**63), 0) if self.seed is None else self._key(0, 0)
        self._calls += 1
        return _k.dropout(X, self.rate, key, self._calls, False, 1)

    def _symbolic(self, x, call):
        return SymbolicTensor("dropout", (x,), x.width, layer=self, call=call)

    def _node(self):
        return {"param": self.rate}

    def get_config(self):
        """Constructor arguments as a JSON-serialisable dict (used by save / load_model)."""
        return {"class": "Dropout", "rate": self.rate, "seed": self.seed, "name": self.name}

    def __repr__(self):
        return f"Dropout(rate={self.rate}, seed={self.seed}, name={self.name!r})"


def layer_from_config(cfg):
    """Rebuild a LeakyReLU / Dropout from its :meth:`get_config`."""
    if cfg["class"] == "LeakyReLU":
        return LeakyReLU(cfg["negative_slope"], name=cfg.get("name"))
    if cfg["class"] == "Dropout":
        return Dropout(cfg["rate"], seed=cfg.get("seed"), name=cfg.get("name"))
    raise ValueError(f"unknown layer class {cfg['class']!r}")
