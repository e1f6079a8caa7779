"""Keras-like functional models: symbolic tensors, ``Model(inputs, outputs)`` and the
graph layers ``L2Normalize``, ``Dot`` and ``Concatenate`` (``LeakyReLU`` and ``Dropout``
calls are graph nodes too).

Calling an ``Input``, ``Dense``, ``Sequential`` or graph layer on a symbolic
tensor records a node; ``Model`` traces the nodes back from its output into a
DAG in topological order. The DAG runs in C (csrc/nn_graph.h): one call per
training epoch does, for every mini-batch, the forward pass of every node, the
loss, the backward pass (gradients of nodes used several times summed in a
fixed order) and the optimiser update of every Dense layer. Weights live on the
``Dense`` objects, so two models built from the same layers share them (the
content-based lab's ``item_model = Model(input_item, vm)`` reuses the towers'
trained weights).

Saved format (``model.save(path)``): one ``.npz`` with ``config`` (JSON: the
nodes, the Dense layers, the calls shown by ``summary``, compile settings) and
``layer_<i>_kernel`` / ``layer_<i>_bias`` arrays in the model's dtype.
"""
import numbers

import numpy as np

from pyml.neural_network import _nn_kernels as _k
from pyml.neural_network._core_layers import _ParamFree, layer_from_config
from pyml.neural_network._layers import Dense, Input, SymbolicTensor, _Call
from pyml.neural_network._training import (_Trainable, _layer_arrays, _pyml_version, _restore_compile,
                                           _writable_weights)
from pyml.utils._threads import resolve_n_jobs, threads_for_work
from pyml.utils.validation import cast_checked, check_array

__all__ = ["Model", "L2Normalize", "Dot", "Concatenate", "l2_normalize"]

FORMAT = "pyml.neural_network.Model/1"
_L2_EPS = 1e-12


# ---- graph layers -------------------------------------------------------------------------------

def l2_normalize(x, axis=1, name=None):
    """Scale rows to unit Euclidean length: :math:`y = x / \\sqrt{\\max(\\sum_c x_c^2, 10^{-12})}`
    (``tf.linalg.l2_normalize``).

    ``x`` is a symbolic tensor (then a graph node is returned: its forward and
    backward pass run in the compiled graph executor; only ``axis=1`` / ``-1``)
    or an array (computed with NumPy along ``axis``).
    """
    if isinstance(x, SymbolicTensor):
        return L2Normalize(axis=axis, name=name or "l2_normalize")(x)
    # NaN / inf would come back as NaN rows: an error naming x instead (float32 stays float32)
    x = check_array(x, name="x", caller="l2_normalize", ensure_2d=False, min_samples=0)
    axis = _check_axis(axis, x.ndim, "l2_normalize")
    s = np.sum(x * x, axis=axis, keepdims=True)
    return x / np.sqrt(np.maximum(s, _L2_EPS))


def _check_axis(axis, ndim, owner):
    """``axis`` (an int or a tuple of ints) checked against an array of ``ndim`` dimensions."""
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    for a in axes:
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, numbers.Integral):
            raise TypeError(f"{owner}: axis must be an integer (or a tuple of integers), got {axis!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"{owner}: axis {a} is out of range for an array of {ndim} dimension(s); "
                             f"use an axis in [{-ndim}, {ndim - 1}]")
    return tuple(int(a) for a in axes) if isinstance(axis, (tuple, list)) else int(axis)


class _GraphLayer(_ParamFree):
    """Base of the parameter-free graph layers (no weights: count_params, get_weights ... as
    LeakyReLU / Dropout answer them)."""

    _kind = None
    _base_name = None

    def __init__(self, name=None):
        self.name = name or self._base_name

    def get_config(self):
        """Class and name as a JSON-serialisable dict."""
        return {"class": type(self).__name__, "name": self.name}


class L2Normalize(_GraphLayer):
    """Layer form of :func:`l2_normalize` (rows scaled to unit length along ``axis=1``).

    Backward: :math:`dx = (dy - y\\,(y \\cdot dy)) / \\lVert x \\rVert`
    (:math:`dy / 10^{-6}` where the norm is clamped).
    """

    _kind, _base_name = "l2norm", "l2_normalize"

    def __init__(self, axis=1, name=None):
        super().__init__(name)
        if axis not in (1, -1):
            raise ValueError(f"L2Normalize: only axis=1 (the feature axis) is supported in a model, got {axis!r}")
        self.axis = 1

    def __call__(self, x):
        """A graph node on a symbolic tensor; the NumPy formula on an array."""
        if isinstance(x, SymbolicTensor):
            call = _Call(self, [x])
            return SymbolicTensor("l2norm", (x,), x.width, call=call)
        return l2_normalize(x, axis=self.axis)


class Dot(_GraphLayer):
    """Row-wise dot product of two tensors: :math:`y_i = \\sum_c a_{ic} b_{ic}`, shape (n, 1)
    (Keras ``Dot(axes=1)``). Backward: :math:`da = dy\\,b`, :math:`db = dy\\,a`."""

    _kind, _base_name = "dot", "dot"

    def __init__(self, axes=1, normalize=False, name=None):
        super().__init__(name)
        if axes not in (1, -1, (1, 1), [1, 1]):
            raise ValueError(f"Dot: only axes=1 (row-wise dot product of (n, k) tensors) is supported, got {axes!r}")
        if normalize:
            raise ValueError("Dot: normalize=True is not supported; apply l2_normalize to both inputs instead")
        self.axes = 1

    def __call__(self, inputs):
        """A graph node on two symbolic tensors; the NumPy formula on arrays."""
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError("Dot expects a list of two tensors [a, b]")
        a, b = inputs
        if isinstance(a, SymbolicTensor) and isinstance(b, SymbolicTensor):
            if a.width != b.width:
                raise ValueError(f"Dot: the two tensors have {a.width} and {b.width} columns; they must match")
            call = _Call(self, [a, b])
            return SymbolicTensor("dot", (a, b), 1, call=call)
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.ndim != 2:
            raise ValueError(f"Dot: arrays of shapes {a.shape} and {b.shape}; two (n, k) arrays are needed")
        return np.sum(a * b, axis=1, keepdims=True)


class Concatenate(_GraphLayer):
    """Columns of several tensors side by side (Keras ``Concatenate(axis=-1)``)."""

    _kind, _base_name = "concat", "concatenate"

    def __init__(self, axis=-1, name=None):
        super().__init__(name)
        if axis not in (1, -1):
            raise ValueError(f"Concatenate: only the feature axis (-1 or 1) is supported, got {axis!r}")
        self.axis = -1

    def __call__(self, inputs):
        """A graph node on symbolic tensors; ``np.concatenate(axis=1)`` on arrays."""
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 1:
            raise ValueError("Concatenate expects a list of tensors")
        symbolic = [isinstance(t, SymbolicTensor) for t in inputs]
        if all(symbolic):
            if len(inputs) > 16:
                raise ValueError("Concatenate: at most 16 tensors per layer; nest Concatenate layers for more")
            call = _Call(self, list(inputs))
            return SymbolicTensor("concat", tuple(inputs), sum(t.width for t in inputs), call=call)
        if any(symbolic):
            raise TypeError("Concatenate: inputs mix symbolic tensors and arrays; pass only tensors (to build "
                            "a model) or only arrays (to compute)")
        arrays = [np.asarray(t) for t in inputs]
        shapes = [a.shape for a in arrays]
        if any(a.ndim != 2 for a in arrays) or len({s[0] for s in shapes}) > 1:
            raise ValueError(f"Concatenate: inputs of shapes {shapes}; every input must be a 2-D array "
                             "(n_samples, k) with the same number of samples (rows)")
        return np.concatenate(arrays, axis=1)


_GRAPH_LAYERS = {"L2Normalize": L2Normalize, "Dot": Dot, "Concatenate": Concatenate}


# ---- the model ----------------------------------------------------------------------------------

def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _topological(output):
    """Nodes reachable from ``output``, every node after its arguments (DFS post-order)."""
    order, seen, stack = [], set(), [(output, False)]
    while stack:
        t, expanded = stack.pop()
        if id(t) in seen:
            continue
        if expanded:
            seen.add(id(t))
            order.append(t)
            continue
        stack.append((t, True))
        for a in reversed(t.args):
            if id(a) not in seen:
                stack.append((a, False))
    return order


class Model(_Trainable):
    """A functional model: a graph of layers from ``inputs`` to ``outputs`` (Keras ``Model``).

    Parameters
    ----------
    inputs : Input or list of Input
        The model's input tensors; ``fit``/``predict`` take one array per input, in this order.
    outputs : SymbolicTensor (or a list holding one)
        The output tensor, built by calling layers on the inputs.
    name : str, optional
    dtype : {"float32", "float64"} or None
        None: the dtype of already built layers, else float32.
    random_state : int, Generator or None
        Seeds the Glorot initialisation of unbuilt layers and the per-epoch shuffles
        (None: see :func:`set_seed`).
    n_jobs : int or None
        Threads for the kernels; results do not depend on it. None: all usable cores where
        the work pays for them (training on small mini-batches, such as the lab's 32 rows
        through 82k weights, then runs on one thread).

    Examples
    --------
    >>> user_NN = Sequential([Dense(256, activation="relu"), Dense(128, activation="relu"), Dense(32)])
    >>> item_NN = Sequential([Dense(256, activation="relu"), Dense(128, activation="relu"), Dense(32)])
    >>> input_user = Input(shape=(14,)); vu = l2_normalize(user_NN(input_user), axis=1)
    >>> input_item = Input(shape=(16,)); vm = l2_normalize(item_NN(input_item), axis=1)
    >>> model = Model([input_user, input_item], Dot(axes=1)([vu, vm]))
    >>> model.count_params()
    82240
    """

    def __init__(self, inputs, outputs, name=None, dtype=None, random_state=None, n_jobs=None):
        self.inputs = _as_list(inputs)
        outs = _as_list(outputs)
        if len(outs) != 1:
            raise ValueError(f"Model: exactly one output tensor is supported, got {len(outs)}")
        self.outputs = outs
        for i, t in enumerate(self.inputs):
            if not isinstance(t, Input):
                raise TypeError(f"Model: inputs[{i}] must be an Input(shape=(n,)), got {type(t).__name__}")
        if len({id(t) for t in self.inputs}) != len(self.inputs):
            raise ValueError("Model: the same Input appears twice in inputs")
        if not isinstance(outs[0], SymbolicTensor):
            raise TypeError(f"Model: outputs must be a tensor built from the inputs, got {type(outs[0]).__name__}")
        if isinstance(outs[0], Input):
            raise ValueError("Model: the output is an Input; call at least one layer on it")
        self.name = name or "model"
        self._init_training(random_state, n_jobs)
        self._trace()
        self._build(dtype)

    # -- graph ----------------------------------------------------------------------
    def _trace(self):
        order = _topological(self.outputs[0])
        index = {id(t): j for j, t in enumerate(order)}
        pos = {id(t): i for i, t in enumerate(self.inputs)}
        layers, lindex = [], {}
        for t in order:
            if t.op == "input" and id(t) not in pos:
                raise ValueError(f"Model: the output depends on Input {t.name!r} (shape {t.shape}), which is not "
                                 "in inputs; add it to the inputs list")
            if t.op == "dense" and id(t.layer) not in lindex:
                lindex[id(t.layer)] = len(layers)
                layers.append(t.layer)
        if not layers:
            raise ValueError("Model: the graph has no Dense layer, nothing to train or compute")
        if len(order) > _k.MAX_NODES or len(layers) > _k.MAX_LAYERS:
            raise ValueError(f"Model: at most {_k.MAX_NODES} nodes and {_k.MAX_LAYERS} Dense layers")
        for t in order:
            if t.op == "dense" and t.layer.activation_name == "softmax" and t is not self.outputs[0]:
                raise ValueError(f"Model: softmax is only supported on the output layer ({t.layer.name!r})")
        self._order, self._index, self._layers = order, index, layers
        self._layer_index = lindex
        self._input_pos = pos

    def _build(self, dtype):
        built = [l.kernel.dtype for l in self._layers if l.built]
        if dtype is None:
            dtype = built[0] if built else np.float32
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"Model: dtype must be float32 or float64, got {dtype!r}")
        for t in self._order:
            if t.op != "dense":
                continue
            layer, n_in = t.layer, t.args[0].width
            if layer.built:
                if layer.kernel.shape[0] != n_in:
                    raise ValueError(f"layer {layer.name!r} has kernel {layer.kernel.shape} but receives {n_in} "
                                     "inputs here")
                if layer.kernel.dtype != self.dtype:  # the layer object keeps being shared
                    layer.kernel = layer.kernel.astype(self.dtype)
                    layer.bias = layer.bias.astype(self.dtype)
            else:
                owner = t.call.owner
                rng = owner._generator() if getattr(owner, "random_state", None) is not None and \
                    hasattr(owner, "_generator") else self._generator()
                layer.build(n_in, rng, self.dtype)

    def _nodes(self, dropout_key=None):
        """The graph for the kernels; dropout_key (training): this epoch's key, else the
        dropout nodes are written with rate 0 (the identity)."""
        nodes = []
        for j, t in enumerate(self._order):
            nd = {"kind": t.op, "args": [self._index[id(a)] for a in t.args], "width": t.width}
            if t.op == "input":
                nd["input"] = self._input_pos[id(t)]
            elif t.op == "dense":
                nd["layer"] = self._layer_index[id(t.layer)]
            elif t.op == "act":
                nd.update(t.layer._node())
            elif t.op == "dropout":
                if dropout_key is not None:
                    nd["param"], nd["seed"] = t.layer.rate, t.layer._key(dropout_key, j)
            nodes.append(nd)
        return nodes

    @property
    def _has_dropout(self):
        return any(t.op == "dropout" and t.layer.rate > 0 for t in self._order)

    def _specs(self, training=False):
        if training:
            _writable_weights(self._layers)
        for l in self._layers:
            if l.kernel.dtype != self.dtype:
                l.kernel, l.bias = l.kernel.astype(self.dtype), l.bias.astype(self.dtype)
        specs = [l._spec() for l in self._layers]
        if training:
            self._add_training_state(specs, self._layers)
        return specs

    @property
    def _output_activation(self):
        t = self.outputs[0]
        return t.layer.activation_code if t.op == "dense" else 0

    @property
    def _output_alpha(self):
        t = self.outputs[0]
        return t.layer.alpha if t.op == "dense" else 0.0

    def _output_act(self):
        return self._output_activation, self._output_alpha

    @property
    def output_shape(self):
        """``(None, width)`` of the output tensor."""
        return (None, self.outputs[0].width)

    @property
    def input(self):
        """Keras's ``model.input``: the input tensor, or the list of them when there are several."""
        return self.inputs[0] if len(self.inputs) == 1 else list(self.inputs)

    @property
    def output(self):
        """Keras's ``model.output``: the output tensor."""
        return self.outputs[0]

    @property
    def input_shape(self):
        """``(None, width)`` of the input, or the list of them when there are several."""
        shapes = [(None, t.width) for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    # -- inputs ---------------------------------------------------------------------
    def _check_x(self, x, name="x"):
        if isinstance(x, dict):
            missing = [t.name for t in self.inputs if t.name not in x]
            if missing:
                raise ValueError(f"{self.name}: {name} is missing inputs {missing}")
            x = [x[t.name] for t in self.inputs]
        xs = _as_list(x) if isinstance(x, (list, tuple)) else [x]
        if len(xs) != len(self.inputs):
            raise ValueError(f"{self.name}: the model has {len(self.inputs)} inputs "
                             f"({', '.join(t.name for t in self.inputs)}) but {name} holds {len(xs)} arrays; "
                             "pass a list with one array per input, in the order of Model(inputs=...)")
        out = []
        for i, (X, t) in enumerate(zip(xs, self.inputs)):
            X = check_array(X, name=f"{name}[{i}] ({t.name})", caller=self.name)
            if X.shape[1] != t.width:
                raise ValueError(f"{self.name}: {name}[{i}] ({t.name}) has {X.shape[1]} columns but the input "
                                 f"expects {t.width}; reshape it to (n_samples, {t.width})")
            out.append(cast_checked(X, self.dtype, f"{name}[{i}]", self.name))
        n = out[0].shape[0]
        for i, X in enumerate(out):
            if X.shape[0] != n:
                raise ValueError(f"{self.name}: {name}[0] has {n} rows but {name}[{i}] has {X.shape[0]}; every "
                                 "input needs one row per example")
        return out

    # what _Trainable asks for: a list of arrays (one per input), the Dense layers in optimiser order
    _x_name, _rows_msg = "x", "the inputs have {n} rows"
    _check_inputs = _check_x

    @staticmethod
    def _n_rows(xs):
        return xs[0].shape[0]

    @staticmethod
    def _rows(xs, rows):
        return [X[rows] for X in xs]

    @property
    def _n_outputs(self):
        return self.outputs[0].width

    @property
    def _weight_layers(self):
        return self._layers

    def _logits(self, xs):
        """Outputs before the output node's activation."""
        return self._forward(xs, False)

    def _threads(self, work, per_batch=False):
        # A mini-batch of the lab's size (32 rows x 82k weights) is ~0.15 ms of work split by ~13
        # barriers: a second thread gains little on an idle machine and loses badly on a busy
        # one, so with n_jobs=None small batches run on one thread (an explicit n_jobs is honoured).
        min_items = 4_000_000 if per_batch and self.n_jobs is None else 200_000
        return threads_for_work(resolve_n_jobs(self.n_jobs), work, min_items_per_thread=min_items)

    def _n_weights(self):
        return sum(l.kernel.size for l in self._layers)

    # -- compile / fit ---------------------------------------------------------------
    def compile(self, optimizer="adam", loss="mse", metrics=None, weighted_metrics=None):
        """Choose the optimiser, the loss and metrics (``"mse"``, ``"mae"``, ``"accuracy"``);
        ``weighted_metrics`` as :meth:`Sequential.compile`."""
        return self._compile(loss, optimizer, metrics, weighted_metrics)

    def fit(self, x, y, epochs=1, batch_size=32, validation_data=None, validation_split=0.0, shuffle=True,
            callbacks=None, verbose=1, sample_weight=None, class_weight=None, initial_epoch=0):
        """Train for ``epochs`` passes in mini-batches of ``batch_size`` (one C call per epoch).

        Dropout nodes are active here only (a mask per mini-batch drawn in C from a key taken
        each epoch from the model's generator, or from the layer's seed). Before ``compile``
        it raises ``NotCompiledError``, a RuntimeError (Keras's type) and a ValueError.

        Parameters
        ----------
        x : array or list of arrays (one per input; a dict keyed by input name also works)
        y : targets (n_samples,) or (n_samples, n_outputs); integer labels for sparse categorical
            cross-entropy
        validation_data : (x_val, y_val) or (x_val, y_val, sample_weight_val), optional
        validation_split : float in [0, 1)
            Hold out the last fraction of rows (before shuffling) for validation.
        callbacks : list of callbacks
            pyml's (:class:`pyml.utils.callbacks.Callback`) or Keras-style
            objects with ``on_epoch_end(epoch, logs)``.
        verbose : int
            What Keras prints, to stdout: 0 silent; 1 ``Epoch k/N`` and a
            progress bar with the loss and metrics (redrawn in a terminal, one
            final line per epoch otherwise); 2 one line per epoch (see
            :class:`pyml.neural_network._progress.KerasProgressBar`).
        sample_weight : array of shape (n_samples,), optional
            Keras semantics, as :meth:`Sequential.fit`: each row's loss times its
            weight, a mini-batch's sum divided by the batch size.
        class_weight : dict {class index: weight}, optional
            As :meth:`Sequential.fit`.
        initial_epoch : int, default=0
            As :meth:`Sequential.fit`.

        Returns
        -------
        history : History
            ``history.history["loss"]`` (mean batch loss over each epoch, and ``val_loss``, metrics).
        """
        history = self._fit(x, y, epochs, batch_size, validation_data, validation_split, shuffle, callbacks,
                            verbose, sample_weight, class_weight, initial_epoch)
        self._work = None  # the workspace is sized for this fit's batches: not kept with the model
        return history

    def _epoch_runner(self, xs, Yf, Yi, sw, n_train, batch_size):
        """Graph, training specs and thread count, then ``run(perm, key, opt) -> (loss, steps)``:
        one epoch in C (``key``: this epoch's dropout key, None without dropout)."""
        nodes, specs = self._nodes(), self._specs(training=True)
        nt = self._threads(min(batch_size, n_train) * self._n_weights(), per_batch=True)

        def run(perm, key, opt, outputs):
            graph = nodes if key is None else self._nodes(key)
            loss, t, self._work = _k.graph_train_epoch(graph, specs, self.loss.kind, self.loss.from_logits, opt, xs,
                                                       Yf, Yi, perm, batch_size, nt, self._work, sw, 0, outputs)
            return loss, t

        return run

    def _gradient(self, x, y):
        """(loss, [(dW, db), ...]) of all rows of x as one batch (testing aid; no update)."""
        self._require_compiled("_gradient")
        xs = self._check_x(x)
        Yf, Yi = self._targets(y, xs[0].shape[0])
        specs = self._specs(training=True)
        loss = _k.graph_gradient(self._nodes(), specs, self.loss.kind, self.loss.from_logits, xs, Yf, Yi,
                                 self._threads(xs[0].shape[0] * self._n_weights()))
        return loss, [(s["gW"].copy(), s["gb"].copy()) for s in specs]

    # -- inference -------------------------------------------------------------------
    def _forward(self, xs, apply_output_activation=True):
        nt = self._threads(xs[0].shape[0] * self._n_weights())
        return _k.graph_forward(self._nodes(), self._specs(), xs, apply_output_activation, nt)

    def predict(self, x, batch_size=None, verbose=0):
        """Output of the model for ``x`` (one array per input), shape (n_samples, width)."""
        return self._forward(self._check_x(x))

    def __call__(self, x):
        """``predict(x)`` for arrays (nested models on symbolic tensors are not supported)."""
        if isinstance(x, SymbolicTensor) or (isinstance(x, (list, tuple)) and x and
                                             isinstance(x[0], SymbolicTensor)):
            raise NotImplementedError("calling a Model on symbolic tensors (nested models) is not supported; "
                                      "call its Sequential / layers instead")
        return self.predict(x)

    def evaluate(self, x, y, batch_size=None, verbose=0, sample_weight=None, return_dict=False):
        """Loss (plus L2 penalties) on (x, y); ``[loss, *metrics]`` when metrics were compiled,
        a dict with ``return_dict``; ``sample_weight`` as :meth:`Sequential.evaluate`."""
        return self._evaluate(x, y, sample_weight, return_dict)

    # -- weights ---------------------------------------------------------------------
    @property
    def dense_layers(self):
        """The Dense layers of the graph (each once, in order of first use)."""
        return list(self._layers)

    @property
    def layers(self):
        """The model's layers as ``summary`` lists them: inputs, then each called layer / Sequential."""
        return [c.owner for c in self._calls()]

    def count_params(self):
        """Total number of trainable parameters (a shared layer counted once)."""
        return sum(l.count_params() for l in self._layers)

    def get_weights(self):
        """``[W, b, ...]`` of every Dense layer (copies), in ``dense_layers`` order."""
        return self._get_weights()

    def set_weights(self, weights):
        """Set every Dense layer's ``[kernel, bias]`` from a flat list (shapes must match)."""
        self._set_weights(weights)

    def _set_layer_weights(self, layer, W, b):
        W = np.asarray(W, dtype=self.dtype)
        if W.shape != layer.kernel.shape:  # the graph fixes every shape: no layer is rebuilt here
            raise ValueError(f"{self.name}: layer {layer.name!r} kernel shape {W.shape} != {layer.kernel.shape}")
        layer.set_weights([W, np.asarray(b, dtype=self.dtype)])

    def get_layer(self, name=None, index=None):
        """Layer (as in ``layers``) by name or index; Dense layers inside a Sequential by name too."""
        layers = self.layers
        if index is not None:
            return layers[index]
        for l in layers + self._layers:
            if getattr(l, "name", None) == name:
                return l
        raise ValueError(f"no layer named {name!r}")

    # -- summary ---------------------------------------------------------------------
    def _calls(self):
        calls, seen = [], set()
        for t in self._order:
            c = t.call
            if id(c) not in seen:
                seen.add(id(c))
                calls.append(c)
        # Keras lists the input layers first
        return [c for c in calls if c.kind == "InputLayer"] + [c for c in calls if c.kind != "InputLayer"]

    def _call_names(self, calls):
        names, used = {}, {}
        for c in calls:
            base = getattr(c.owner, "name", None) or getattr(c.owner, "_base_name", None) or c.kind.lower()
            k = used.get(base, 0)
            used[base] = k + 1
            names[id(c)] = base if k == 0 else f"{base}_{k}"
        return names

    def summary(self, print_fn=print):
        """Print the Keras-style table: layer (type), output shape, parameters, inbound layers."""
        calls = self._calls()
        names = self._call_names(calls)
        out_of = {}
        for c in calls:
            out_of[id(c.output)] = names[id(c)]
        rows = [("Layer (type)", "Output Shape", "Param #", "Connected to")]
        counted = set()
        for c in calls:
            if c.kind == "InputLayer":
                shape, params, conn = f"[(None, {c.output.width})]", 0, "[]"
            else:
                shape = f"(None, {c.output.width})"
                params = 0
                for l in c.dense_layers():
                    if id(l) not in counted:
                        counted.add(id(l))
                        params += l.count_params()
                conn = "[" + ", ".join(f"'{out_of.get(id(a), '?')}[0][0]'" for a in c.inputs) + "]"
            rows.append((f"{names[id(c)]} ({c.kind})", shape, f"{params:,}", conn))
        widths = [max(len(r[i]) for r in rows) + 2 for i in range(4)]
        line = lambda r: "".join(col.ljust(w) for col, w in zip(r, widths)).rstrip()  # noqa: E731
        total = self.count_params()
        out = [f'Model: "{self.name}"', "_" * sum(widths), line(rows[0]), "=" * sum(widths)]
        out += [line(r) for r in rows[1:]]
        out += ["=" * sum(widths), f"Total params: {total:,}", f"Trainable params: {total:,}",
                "Non-trainable params: 0", "_" * sum(widths)]
        text = "\n".join(out)
        if print_fn is not None:
            print_fn(text)
        return text

    # -- persistence -----------------------------------------------------------------
    def get_config(self):
        """The graph, layers and compile settings as a JSON-serialisable dict (used by save / load_model)."""
        calls = [t.call for t in self._order]
        call_ids = {}
        call_cfg = []
        for c in calls:
            if id(c) not in call_ids:
                call_ids[id(c)] = len(call_cfg)
                cfg = {"kind": c.kind, "name": getattr(c.owner, "name", None)}
                if c.kind in ("LeakyReLU", "Dropout"):
                    cfg["config"] = c.owner.get_config()
                if c.kind == "Sequential":
                    cfg["input_shape"] = list(c.owner.input_shape) if c.owner.input_shape else None
                call_cfg.append(cfg)
        nodes = self._nodes()
        for nd, t in zip(nodes, self._order):
            nd["call"] = call_ids[id(t.call)]
            if t.op == "input":
                nd["name"] = t.name
            elif t.op in ("act", "dropout"):
                nd["config"] = t.layer.get_config()
        cfg = {"format": FORMAT, "pyml_version": _pyml_version(), "name": self.name, "dtype": self.dtype.name,
               "n_inputs": len(self.inputs), "nodes": nodes, "calls": call_cfg,
               "layers": [l.get_config() for l in self._layers]}
        if self._compiled:
            cfg["compile"] = self._compile_config()
        return cfg

    def save(self, path):
        """Write the model to ``path`` (.npz: JSON config + weight arrays, and the optimiser's moments,
        step count and the shuffling generator, so that training resumes exactly; see the module
        docstring)."""
        return self._write(path, self.get_config(), _layer_arrays(self._layers))

    _unpicklable = ("_index", "_layer_index", "_input_pos")  # keyed by id(): rebuilt on unpickling

    def _after_unpickle(self):
        self._trace()

    def __repr__(self):
        return f"<Model {self.name!r}: {len(self.inputs)} inputs, {self.count_params()} parameters>"


def _model_from_config(cfg, data, path):
    """Rebuild a Model written by :meth:`Model.save`."""
    from pyml.neural_network._sequential import Sequential

    dtype = cfg["dtype"]
    layers = []
    for i, lc in enumerate(cfg["layers"]):
        layer = Dense._from_config(lc)
        layer.set_weights([data[f"layer_{i}_kernel"], data[f"layer_{i}_bias"]])
        layers.append(layer)
    owners = []
    for cc in cfg["calls"]:
        kind = cc["kind"]
        if kind == "Sequential":
            owner = Sequential(name=cc["name"], dtype=dtype)
            if cc.get("input_shape"):
                owner.input_shape = tuple(cc["input_shape"])
        elif kind == "Dense" or kind == "InputLayer":
            owner = None  # filled from the node
        elif kind in ("LeakyReLU", "Dropout"):
            owner = layer_from_config(cc["config"])
        elif kind in _GRAPH_LAYERS:
            owner = _GRAPH_LAYERS[kind](name=cc["name"])
        else:
            raise ValueError(f"{path}: unknown layer kind {kind!r} in the model file")
        owners.append(owner)
    calls = [None] * len(owners)
    tensors, inputs = [], [None] * cfg["n_inputs"]
    for nd in cfg["nodes"]:
        args = tuple(tensors[a] for a in nd["args"])
        ci = nd["call"]
        kind = cfg["calls"][ci]["kind"]
        if nd["kind"] == "input":
            t = Input(shape=(nd["width"],), name=nd.get("name"))
            inputs[nd["input"]] = t
            tensors.append(t)
            continue
        if calls[ci] is None:
            owner = owners[ci] if owners[ci] is not None else layers[nd["layer"]]
            calls[ci] = _Call(owner, list(args))
        call = calls[ci]
        if nd["kind"] == "dense":
            layer = layers[nd["layer"]]
            if kind == "Sequential" and all(l is not layer for l in call.owner.layers):
                call.owner.layers.append(layer)
            t = SymbolicTensor("dense", args, nd["width"], layer=layer, call=call)
        elif nd["kind"] in ("act", "dropout"):
            if kind == "Sequential":  # a fresh layer object in the rebuilt Sequential
                layer = layer_from_config(nd["config"])
                call.owner.layers.append(layer)
            else:
                layer = call.owner
            t = SymbolicTensor(nd["kind"], args, nd["width"], layer=layer, call=call)
        else:
            t = SymbolicTensor(nd["kind"], args, nd["width"], call=call)
        call.output = t
        tensors.append(t)
    if any(t is None for t in inputs):
        raise ValueError(f"{path}: the model file lists an input that no node reads")
    model = Model(inputs, tensors[-1], name=cfg["name"], dtype=dtype)
    _restore_compile(model, cfg, data, path, layers=model._layers)
    return model
