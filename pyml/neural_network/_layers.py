"""Layers of :class:`~pyml.neural_network.Sequential`: ``Input``, ``Dense`` and the ``L2`` regularizer,
plus the symbolic tensors of the functional API (:class:`~pyml.neural_network.Model`)."""
import numbers

import numpy as np

from pyml.neural_network import _functions
from pyml.neural_network._functions import _BUILTIN, _activation_code
from pyml.utils.validation import check_allocation

__all__ = ["Input", "Dense", "L2", "SymbolicTensor", "set_seed"]

# Global seed (``set_seed``, like ``tf.random.set_seed``): models created with
# random_state=None afterwards draw their generators from it in creation order.
_SEED = {"sequence": None}


def set_seed(seed):
    """Make weight initialisation and shuffling reproducible (``tf.random.set_seed``).

    Every Sequential / Model created afterwards with ``random_state=None`` takes
    its generator from a :class:`numpy.random.SeedSequence` seeded with
    ``seed``, in creation order. ``set_seed(None)`` restores fresh entropy.
    """
    if seed is None:
        _SEED["sequence"] = None
        return
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"set_seed: seed must be a non-negative integer or None, got {seed!r}")
    _SEED["sequence"] = np.random.SeedSequence(int(seed))


def _default_rng():
    seq = _SEED["sequence"]
    if seq is None:  # no set_seed: follow np.random.seed, like every other pyml default generator
        return np.random.default_rng(np.random.mtrand._rand.randint(0, 2**31 - 1))
    return np.random.default_rng(seq.spawn(1)[0])


class _Call:
    """One call of a layer / Sequential on symbolic tensors (what ``Model.summary`` lists)."""

    def __init__(self, owner, inputs):
        self.owner = owner
        self.inputs = list(inputs)
        self.output = None
        name = type(owner).__name__
        self.kind = "InputLayer" if name == "Input" else name

    def dense_layers(self):
        if self.kind == "Sequential":
            return list(self.owner._dense)
        return [self.owner] if self.kind == "Dense" else []


class SymbolicTensor:
    """A placeholder for a batch of values inside a functional model, shape ``(None, width)``.

    Made by ``Input`` and by calling ``Dense``, ``Sequential``, :func:`l2_normalize`,
    ``Dot`` or ``Concatenate`` on symbolic tensors; ``Model(inputs, outputs)``
    compiles the recorded graph.
    """

    def __init__(self, op, args, width, layer=None, call=None, name=None):
        self.op = op
        self.args = tuple(args)
        self.width = int(width)
        self.layer = layer
        self.call = call
        self.name = name
        if call is not None:
            call.output = self

    @property
    def shape(self):
        return (None, self.width)

    def __repr__(self):
        return f"<SymbolicTensor {self.op} shape=(None, {self.width})>"


class Input(SymbolicTensor):
    """Declares the input shape of a model: ``Input(shape=(n_features,))``.

    Inside ``Sequential([Input(shape=(n,)), Dense(...), ...])`` it fixes the
    input width; in the functional API it is the symbolic tensor a
    ``Model(inputs, outputs)`` is fed with (``shape`` stays ``(n_features,)``).

    Parameters
    ----------
    shape : tuple of one int
        Features per example (the batch dimension is not included).
    name : str, optional
    """

    def __init__(self, shape, name=None):
        if isinstance(shape, numbers.Integral):
            shape = (int(shape),)
        shape = tuple(shape)
        if len(shape) != 1 or not isinstance(shape[0], numbers.Integral) or shape[0] < 1:
            raise ValueError(f"Input: shape must be (n_features,) with n_features >= 1, got {shape!r}; "
                             "flatten images to vectors first")
        super().__init__("input", (), int(shape[0]), call=_Call(self, []), name=name or "input")

    @property
    def shape(self):
        return (self.width,)

    def __repr__(self):
        return f"Input(shape={self.shape})"


class L2:
    """L2 weight penalty ``L2(l2)``: adds :math:`l2 \\sum_{ij} W_{ij}^2` to the loss (Keras semantics).

    Its gradient :math:`2\\,l2\\,W` is fused into the weight-gradient kernel.
    """

    def __init__(self, l2=0.01):
        if not isinstance(l2, numbers.Real) or isinstance(l2, bool) or not np.isfinite(l2) or l2 < 0:
            raise ValueError(f"L2: l2 must be a finite number >= 0, got {l2!r}")
        self.l2 = float(l2)

    def __call__(self, W):
        """Penalty value for the weights ``W``."""
        W = np.asarray(W, dtype=np.float64)
        return self.l2 * float(np.sum(W * W))

    def get_config(self):
        """Constructor arguments as a JSON-serialisable dict (used by save / load_model)."""
        return {"l2": self.l2}

    def __repr__(self):
        return f"L2(l2={self.l2})"


class Dense:
    """Fully connected layer: :math:`A = g(X W + b)` with ``W`` of shape (n_in, units).

    Usable inside a :class:`Sequential` model or on its own: ``layer(X)`` runs
    the fused forward kernel, ``layer.backward(X, A, dA)`` the fused backward
    kernel (returns dW, db, dX).

    Parameters
    ----------
    units : int
        Number of neurons.
    activation : str, one of pyml's functions, a LeakyReLU layer, or None
        "linear", "relu", "leaky_relu", "sigmoid", "softmax" or "tanh"; None means linear.
        ``softmax`` is allowed on the output layer only.
        ``"leaky_relu"`` uses Keras's ``activations.leaky_relu`` slope 0.2; pass
        ``LeakyReLU(negative_slope=a)`` for another slope. ``layer.activation`` is
        then the function itself (as in Keras).
    kernel_regularizer : L2 or None
    name : str, optional
    input_shape : tuple, optional
        Keras shortcut for a leading ``Input``.
    input_dim : int, optional
        Same as ``input_shape=(input_dim,)``.

    Attributes
    ----------
    kernel : ndarray of shape (n_in, units)
        Glorot-uniform initialised when the model is built:
        :math:`W \\sim U(-r, r)`, :math:`r = \\sqrt{6 / (n_{in} + units)}`.
    bias : ndarray of shape (units,)
        Initialised to zero.
    """

    def __init__(self, units, activation=None, kernel_regularizer=None, name=None, input_shape=None,
                 input_dim=None):
        if isinstance(units, bool) or not isinstance(units, numbers.Integral) or units < 1:
            raise ValueError(f"Dense: units must be a positive integer, got {units!r}")
        # Keras accepts any positive int here and fails when building; a layer whose bias alone
        # (float32) cannot fit in memory is an error now, naming units
        check_allocation(4 * int(units), f"Dense: units={int(units)} (its float32 bias alone)",
                         "use fewer units")
        self.units = int(units)
        self.activation = activation
        if input_dim is not None:
            if input_shape is not None:
                raise ValueError("Dense: give input_shape or input_dim, not both")
            input_shape = (input_dim,)
        if kernel_regularizer is not None and not isinstance(kernel_regularizer, L2):
            if isinstance(kernel_regularizer, numbers.Real):
                kernel_regularizer = L2(kernel_regularizer)
            else:
                raise ValueError(f"Dense: kernel_regularizer must be L2(lambda) or None, got {kernel_regularizer!r}")
        self.kernel_regularizer = kernel_regularizer
        self.name = name
        self.input_shape = tuple(input_shape) if input_shape is not None else None
        self.kernel = None
        self.bias = None

    # -- construction -------------------------------------------------------------
    @property
    def activation(self):
        """The activation function (``layer.activation == pyml.neural_network.relu`` as in Keras);
        ``activation_name`` is its name."""
        return getattr(_functions, self.activation_name)

    @activation.setter
    def activation(self, value):
        slope = _functions.LEAKY_SLOPE
        if value is None:
            value = "linear"
        if hasattr(value, "negative_slope") and hasattr(value, "get_config"):  # a LeakyReLU layer
            value, slope = "leaky_relu", value.negative_slope
        if callable(value):
            value = _BUILTIN.get(value, value)
        _activation_code(value, f"Dense({self.units})")
        self.activation_name = value
        self._slope = float(slope)

    @property
    def alpha(self):
        """leaky_relu's negative slope (0 for the other activations)."""
        return getattr(self, "_slope", _functions.LEAKY_SLOPE) if self.activation_name == "leaky_relu" else 0.0

    def _spec(self):
        """How the kernels see the layer (csrc/nn.h pyml_dense_layer)."""
        return dict(W=self.kernel, b=self.bias, activation=self.activation_code, l2=self.l2, alpha=self.alpha)

    def __setstate__(self, state):
        if "activation" in state:  # pickles from before the activation property held the name there
            state["activation_name"] = state.pop("activation")
        self.__dict__.update(state)

    @property
    def built(self):
        return self.kernel is not None

    @property
    def weights(self):
        """``[kernel, bias]`` (the arrays themselves, as Keras's variables; [] before the layer is built)."""
        return [self.kernel, self.bias] if self.built else []

    @property
    def output(self):
        """A symbolic tensor of shape ``(None, units)`` (Keras's ``layer.output``)."""
        return SymbolicTensor("dense", (), self.units, layer=self)

    @property
    def output_shape(self):
        return (None, self.units)

    @property
    def l2(self):
        return self.kernel_regularizer.l2 if self.kernel_regularizer is not None else 0.0

    @property
    def activation_code(self):
        return _activation_code(self.activation_name, f"Dense({self.units})")

    def build(self, n_in, rng, dtype=np.float32):
        """Create ``kernel`` (Glorot uniform, drawn from ``rng``) and a zero ``bias``."""
        check_allocation(int(n_in) * self.units * np.dtype(dtype).itemsize,
                         f"Dense {self.name!r}: a kernel of {n_in} inputs x units={self.units}",
                         "use fewer units or fewer input features")
        limit = np.sqrt(6.0 / (n_in + self.units))
        self.kernel = np.ascontiguousarray(rng.uniform(-limit, limit, size=(n_in, self.units)).astype(dtype))
        self.bias = np.zeros(self.units, dtype=dtype)
        return self

    def count_params(self):
        """Number of trainable parameters (kernel and bias)."""
        """Number of weights: n_in * units + units."""
        if not self.built:
            raise ValueError(f"layer {self.name!r} is not built yet: call the model on data or give an Input")
        return self.kernel.size + self.bias.size

    # -- weights ------------------------------------------------------------------
    def get_weights(self):
        """``[kernel, bias]`` (copies)."""
        if not self.built:
            return []
        return [self.kernel.copy(), self.bias.copy()]

    def set_weights(self, weights):
        """Set ``[kernel, bias]``; shapes must match (an unbuilt layer is built from them)."""
        if len(weights) != 2:
            raise ValueError(f"layer {self.name!r} expects 2 weight arrays [kernel, bias], got {len(weights)}")
        W, b = (np.asarray(w) for w in weights)
        dtype = self.kernel.dtype if self.built else (W.dtype if W.dtype in (np.float32, np.float64)
                                                       else np.float32)
        if W.ndim != 2 or W.shape[1] != self.units or b.shape != (self.units,):
            raise ValueError(f"layer {self.name!r}: expected kernel (n_in, {self.units}) and bias ({self.units},), "
                             f"got {W.shape} and {b.shape}")
        if self.built and W.shape != self.kernel.shape:
            raise ValueError(f"layer {self.name!r}: kernel shape {W.shape} != {self.kernel.shape}")
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            raise ValueError(f"layer {self.name!r}: weights contain NaN or infinity")
        self.kernel = np.array(W, dtype=dtype, order="C")
        self.bias = np.array(b, dtype=dtype, order="C")

    # -- compute ------------------------------------------------------------------
    def __call__(self, X, n_jobs=1):
        """Forward pass :math:`g(X W + b)` (fused kernel); on a symbolic tensor, a graph node."""
        from pyml.neural_network import _nn_kernels as _k

        if isinstance(X, SymbolicTensor):
            return self._symbolic(X, _Call(self, [X]))
        X = self._check_input(X)
        return _k.dense_forward(X, self.kernel, self.bias, self.activation_code, n_jobs, self.alpha)

    def _symbolic(self, x, call):
        if self.built and self.kernel.shape[0] != x.width:
            raise ValueError(f"Dense {self.name!r}: kernel {self.kernel.shape} cannot take a tensor of width "
                             f"{x.width}")
        if self.activation_name == "softmax" and call.kind != "Dense" and call.owner._dense[-1] is not self:
            raise ValueError("softmax is only supported on the output layer")
        return SymbolicTensor("dense", (x,), self.units, layer=self, call=call)

    def backward(self, X, A, dA, n_jobs=1):
        """Gradients from dL/dA: returns (dW, db, dX).

        :math:`dZ = dA \\odot g'(A)`, :math:`dW = X^T dZ + 2\\,l2\\,W`,
        :math:`db = \\sum_i dZ_i`, :math:`dX = dZ W^T`.
        """
        from pyml.neural_network import _nn_kernels as _k

        X = self._check_input(X)
        A = np.ascontiguousarray(A, dtype=X.dtype)
        dA = np.ascontiguousarray(dA, dtype=X.dtype)
        return _k.dense_backward(X, self.kernel, A, dA, self.activation_code, self.l2, True, n_jobs, self.alpha)

    def _check_input(self, X):
        from pyml.utils.validation import check_array

        if not self.built:
            raise ValueError(f"layer {self.name!r} is not built: set_weights or add it to a built model first")
        X = check_array(X, caller=f"Dense {self.name!r}").astype(self.kernel.dtype, copy=False)
        if X.shape[1] != self.kernel.shape[0]:
            raise ValueError(f"Dense {self.name!r}: input has {X.shape[1]} features, the layer expects "
                             f"{self.kernel.shape[0]}")
        return np.ascontiguousarray(X)

    def get_config(self):
        """Constructor arguments as a JSON-serialisable dict (used by save / load_model)."""
        cfg = {"class": "Dense", "units": self.units, "activation": self.activation_name, "name": self.name,
               "l2": self.l2 if self.kernel_regularizer is not None else None}
        if self.activation_name == "leaky_relu":
            cfg["negative_slope"] = self.alpha
        return cfg

    @classmethod
    def _from_config(cls, lc):
        """The layer (unbuilt) described by :meth:`get_config`."""
        layer = cls(lc["units"], activation=lc["activation"], kernel_regularizer=L2(lc["l2"])
                    if lc.get("l2") is not None else None, name=lc["name"])
        if "negative_slope" in lc:
            layer._slope = float(lc["negative_slope"])
        return layer

    def __repr__(self):
        return f"Dense({self.units}, activation={self.activation_name!r}, name={self.name!r})"
