"""Optimisers for :class:`~pyml.neural_network.Sequential` (Keras formulas, compiled updates)."""
import numbers

import numpy as np

__all__ = ["Adam", "SGD", "get_optimizer"]


def _positive(value, name, owner, allow_zero=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or \
            value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{owner}: {name} must be a {'non-negative' if allow_zero else 'positive'} number, "
                         f"got {value!r}")
    return float(value)


def _fraction(value, name, owner, include_one):
    """A decay rate in [0, 1) (``include_one=False``) or [0, 1]."""
    interval = "[0, 1]" if include_one else "[0, 1)"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number in {interval}, got {value!r}")
    if not (0 <= value < 1 or (include_one and value == 1)):
        raise ValueError(f"{owner}: {name} must lie in {interval}, got {value!r}")
    return float(value)


class Optimizer:
    kind = None

    def __init__(self):
        self.iterations = 0
        self._state = None

    def _reset(self):
        self.iterations = 0
        self._state = None

    def _ensure_state(self, layers, needs_m, needs_v):
        shapes = [(l.kernel.shape, l.kernel.dtype) for l in layers]
        if self._state is not None and self._shapes == shapes:
            return self._state
        self._shapes = shapes
        self._state = []
        for l in layers:
            s = {}
            if needs_m:
                s["mW"], s["mb"] = np.zeros_like(l.kernel), np.zeros_like(l.bias)
            if needs_v:
                s["vW"], s["vb"] = np.zeros_like(l.kernel), np.zeros_like(l.bias)
            self._state.append(s)
        self.iterations = 0
        return self._state


class Adam(Optimizer):
    """Adam: :math:`m \\leftarrow \\beta_1 m + (1-\\beta_1) g`, :math:`v \\leftarrow \\beta_2 v + (1-\\beta_2) g^2`,
    :math:`w \\leftarrow w - \\eta \\frac{\\sqrt{1-\\beta_2^t}}{1-\\beta_1^t} \\frac{m}{\\sqrt{v} + \\epsilon}`.

    ``beta_1`` and ``beta_2`` must lie in [0, 1); ``learning_rate`` must be positive.
    """

    kind = 1

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__()
        self.learning_rate = _positive(learning_rate, "learning_rate", "Adam")
        self.beta_1 = _fraction(beta_1, "beta_1", "Adam", include_one=False)
        self.beta_2 = _fraction(beta_2, "beta_2", "Adam", include_one=False)
        self.epsilon = _positive(epsilon, "epsilon", "Adam", allow_zero=True)

    def _params(self):
        return {"kind": 1, "learning_rate": self.learning_rate, "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "t": self.iterations}

    def _state_for(self, layers):
        return self._ensure_state(layers, True, True)

    def get_config(self):
        """Constructor arguments as a JSON-serialisable dict (used by save / load_model)."""
        return {"name": "adam", "learning_rate": self.learning_rate, "beta_1": self.beta_1,
                "beta_2": self.beta_2, "epsilon": self.epsilon}

    def __repr__(self):
        return f"Adam(learning_rate={self.learning_rate})"


class SGD(Optimizer):
    """Stochastic gradient descent: :math:`v \\leftarrow \\mu v - \\eta g`, :math:`w \\leftarrow w + v`
    (:math:`\\mu = 0`: :math:`w \\leftarrow w - \\eta g`).

    ``momentum`` :math:`\\mu` must lie in [0, 1] (Keras's range).
    """

    kind = 0

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False):
        super().__init__()
        self.learning_rate = _positive(learning_rate, "learning_rate", "SGD")
        # Keras's range: a momentum above 1 makes the velocity grow without bound
        self.momentum = _fraction(momentum, "momentum", "SGD", include_one=True)
        self.nesterov = bool(nesterov)

    def _params(self):
        return {"kind": 0, "learning_rate": self.learning_rate, "momentum": self.momentum,
                "nesterov": self.nesterov, "t": self.iterations}

    def _state_for(self, layers):
        return self._ensure_state(layers, self.momentum != 0, False)

    def get_config(self):
        """Constructor arguments as a JSON-serialisable dict (used by save / load_model)."""
        return {"name": "sgd", "learning_rate": self.learning_rate, "momentum": self.momentum,
                "nesterov": self.nesterov}

    def __repr__(self):
        return f"SGD(learning_rate={self.learning_rate}, momentum={self.momentum})"


def get_optimizer(opt):
    """An optimiser instance from ``"adam"``, ``"sgd"``, a config dict or an instance."""
    if isinstance(opt, Optimizer):
        return opt
    if isinstance(opt, dict):
        cfg = dict(opt)
        name = cfg.pop("name")
        return {"adam": Adam, "sgd": SGD}[name](**cfg)
    if isinstance(opt, str) and opt.lower() in ("adam", "sgd"):
        return Adam() if opt.lower() == "adam" else SGD()
    raise ValueError(f"unknown optimizer {opt!r}; use 'adam', 'sgd', Adam(...) or SGD(...)")
