"""The course's from-scratch neural-network functions (Course 2, week 1-2 labs).

``dense(a_in, W, b, g)`` is one layer, ``sequential(x, *params)`` a forward pass
through several, and ``relu``/``sigmoid``/``linear``/``softmax`` the
activations. Weights use the course (and Keras) layout: ``W`` has shape
``(n_in, units)``. When ``g`` is one of pyml's activations the layer runs in
the compiled kernel (matrix product, bias and activation fused); any other
callable is applied with NumPy.
"""
import numpy as np

from pyml.utils.validation import check_array

__all__ = ["linear", "relu", "leaky_relu", "sigmoid", "softmax", "tanh", "dense", "sequential"]

# Keras's activations.leaky_relu default (the LeakyReLU *layer* defaults to 0.3)
LEAKY_SLOPE = 0.2


def linear(z):
    """Identity activation :math:`g(z) = z`."""
    return np.asarray(z)


def relu(z):
    """Rectified linear unit :math:`g(z) = \\max(0, z)`."""
    z = np.asarray(z)
    return np.maximum(z, 0)


def leaky_relu(z, negative_slope=LEAKY_SLOPE):
    """Leaky rectified linear unit :math:`g(z) = z` for :math:`z > 0`, else :math:`\\alpha z`
    (``negative_slope`` :math:`\\alpha \\ge 0`, 0.2 as Keras's ``activations.leaky_relu``).

    Its derivative, used by the compiled backward pass, is 1 for :math:`z > 0` and
    :math:`\\alpha` otherwise (at 0 too, as TensorFlow).
    """
    alpha = _check_slope(negative_slope, "leaky_relu")
    z = np.asarray(z)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    return np.where(z > 0, z, z * z.dtype.type(alpha))


def _check_slope(negative_slope, owner):
    import numbers

    if isinstance(negative_slope, bool) or not isinstance(negative_slope, numbers.Real) or \
            not np.isfinite(negative_slope) or negative_slope < 0:
        raise ValueError(f"{owner}: negative_slope must be a finite number >= 0, got {negative_slope!r}")
    return float(negative_slope)


def sigmoid(z):
    """Logistic function :math:`g(z) = 1 / (1 + e^{-z})`, evaluated without overflow."""
    z = np.asarray(z)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def tanh(z):
    """Hyperbolic tangent :math:`g(z) = \\tanh z`."""
    return np.tanh(z)


def softmax(z):
    """Softmax along the last axis: :math:`a_j = e^{z_j} / \\sum_k e^{z_k}`.

    Computed as :math:`e^{z_j - \\max z} / \\sum_k e^{z_k - \\max z}` so large
    logits do not overflow. Accepts a vector (the course's ``my_softmax``) or a
    matrix with one row per example.
    """
    z = np.asarray(z)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


_BUILTIN = {linear: "linear", relu: "relu", sigmoid: "sigmoid", softmax: "softmax", tanh: "tanh",
            leaky_relu: "leaky_relu"}
# the kernels' codes (nn.h)
_ACTIVATIONS = {"linear": 0, "relu": 1, "sigmoid": 2, "softmax": 3, "tanh": 4, "leaky_relu": 5}


def _activation_code(name, owner):
    """The kernel code of an activation given by name or as one of the functions above."""
    if name is None:
        name = "linear"
    if callable(name):
        name = _BUILTIN.get(name, name)
    if not isinstance(name, str) or name not in _ACTIVATIONS:
        raise ValueError(f"{owner}: unknown activation {name!r}; choose one of {sorted(_ACTIVATIONS)}")
    return _ACTIVATIONS[name]


def _bias(b, name, owner):
    """``b`` as a vector: shape (units,) or the labs' row (1, units); any other shape is an error
    (reshaping a (units, 1, 1) array would silently accept a wrongly built bias)."""
    b = check_array(b, name=name, caller=owner, ensure_2d=False)
    if b.ndim == 0:
        return b.reshape(1)
    if b.ndim > 2 or (b.ndim == 2 and b.shape[0] != 1):
        raise ValueError(f"{owner}: {name} must have shape (units,) or (1, units), got {b.shape}; "
                         f"pass {name}.reshape(-1) if it holds one bias per unit")
    return b.reshape(-1)


def dense(a_in, W, b, g=sigmoid, *, n_jobs=1):
    """One dense layer: :math:`a_{out} = g(a_{in} W + b)`.

    Parameters
    ----------
    a_in : array of shape (n_in,) or (m, n_in)
        Input activations (one example, or one row per example).
    W : array of shape (n_in, units)
    b : array of shape (units,) (or (1, units), as the labs write it)
    g : callable, default=sigmoid
        Activation; pyml's ``relu``, ``leaky_relu`` (slope 0.2), ``sigmoid``, ``linear``,
        ``softmax``, ``tanh`` (or their names) run fused in the compiled kernel.

    Returns
    -------
    a_out : array of shape (units,) or (m, units)
    """
    return _dense(a_in, W, b, g, n_jobs, ("a_in", "W", "b"), "dense")


def _dense(a_in, W, b, g, n_jobs, names, owner):
    """:func:`dense` with the parameter names the errors use (``sequential`` names W2, b2, ...)."""
    a = np.asarray(a_in)
    one = a.ndim == 1
    X = check_array(a.reshape(1, -1) if one else a, name=names[0], caller=owner)
    W = check_array(W, name=names[1], caller=owner).astype(X.dtype, copy=False)
    b = _bias(b, names[2], owner).astype(X.dtype)
    if W.shape[0] != X.shape[1]:
        raise ValueError(f"{owner}: {names[0]} has {X.shape[1]} features but {names[1]} has shape {W.shape}; "
                         f"{names[1]} must be (n_in, units)")
    if b.shape[0] != W.shape[1]:
        raise ValueError(f"{owner}: {names[2]} has {b.shape[0]} entries but {names[1]} has {W.shape[1]} units")
    name = g if isinstance(g, str) else _BUILTIN.get(g)
    if name is not None:
        from pyml.neural_network import _nn_kernels as _k

        out = _k.dense_forward(X, np.ascontiguousarray(W), b, _activation_code(name, owner), n_jobs,
                               LEAKY_SLOPE)
    else:
        if not callable(g):
            raise ValueError(f"{owner}: g (the activation) must be a function or one of "
                             f"{sorted(_ACTIVATIONS)}, got {g!r}")
        out = np.asarray(g(X @ W + b))
    return out[0] if one else out


def sequential(x, *params, activation=sigmoid):
    """Forward pass through dense layers: ``sequential(x, W1, b1, W2, b2, ...)``.

    Each layer computes :math:`a^{[l]} = g(a^{[l-1]} W^{[l]} + b^{[l]})`.
    ``activation`` is one activation for every layer (the course's
    ``my_sequential`` uses sigmoid) or a list with one per layer. Errors name the
    parameter as written here (``W2``, ``b2``, ...).
    """
    if len(params) == 0 or len(params) % 2:
        raise ValueError("sequential expects pairs of parameters: W1, b1, W2, b2, ...")
    n_layers = len(params) // 2
    acts = list(activation) if isinstance(activation, (list, tuple)) else [activation] * n_layers
    if len(acts) != n_layers:
        raise ValueError(f"sequential: {len(acts)} activations for {n_layers} layers")
    a = x
    for i in range(n_layers):
        names = ("x" if i == 0 else f"the output of layer {i}", f"W{i + 1}", f"b{i + 1}")
        a = _dense(a, params[2 * i], params[2 * i + 1], acts[i], 1, names, "sequential")
    return a
