"""Keras-like ``Sequential`` model running on pyml's compiled kernels.

Training: each epoch is one call into C (``mlp_train_epoch``): for every
mini-batch of a permutation drawn here from the model's seeded generator, the
forward pass, the loss (fused softmax/sigmoid + cross-entropy), the backward
pass and the optimiser update of every layer run without returning to Python.
Between epochs the callbacks run (History, verbose progress, EarlyStopping,
validation metrics) and Ctrl-C is honoured.

Saved format (``model.save(path)``): one ``.npz`` file holding
``config`` (a JSON string: layers, dtype, compile settings, pyml version) and
``layer_<i>_kernel`` / ``layer_<i>_bias`` arrays in the model's dtype.
"""
import json
import numbers
import warnings

import numpy as np

from pyml.neural_network import _nn_kernels as _k
from pyml.neural_network._normalization import Normalization
from pyml.neural_network._core_layers import Dropout, LeakyReLU, layer_from_config
from pyml.neural_network._layers import Dense, Input, SymbolicTensor, _Call
from pyml.neural_network._training import (  # noqa: F401 - _check_pickle_version: pyml.rl imports it from here
    _Trainable, _check_pickle_version, _layer_arrays, _pyml_version, _restore_compile, _writable_weights,
)
from pyml.utils._threads import resolve_n_jobs, threads_for_work
from pyml.utils.validation import cast_checked, check_array

__all__ = ["Sequential", "load_model", "soft_update"]

FORMAT = "pyml.neural_network.Sequential/1"


class Sequential(_Trainable):
    """A stack of Dense layers, Keras style (with LeakyReLU and Dropout between them).

    Parameters
    ----------
    layers : list of Input / Normalization / Dense / LeakyReLU / Dropout, optional
        ``layers`` (the attribute) lists them all, as Keras does; each LeakyReLU /
        Dropout is folded into the Dense layer before it for the kernels: the
        activation becomes :math:`g(z) = z` for :math:`z > 0` else :math:`\\alpha z`,
        and while training that layer's output is multiplied by a mask
        :math:`M_{ij} \\in \\{0, 1/(1-p)\\}` (inverted dropout).
    name : str, optional
    dtype : {"float32", "float64"}, default="float32"
        Precision of weights and computation (inputs are converted).
    random_state : int, Generator or None
        Seeds the Glorot initialisation and the per-epoch shuffles.
    n_jobs : int or None
        Threads for the kernels (None: all usable cores). Results do not
        depend on it.

    Examples
    --------
    >>> model = Sequential([Input(shape=(400,)), Dense(25, activation="relu"),
    ...                     Dense(15, activation="relu"), Dense(10, activation="linear")])
    >>> model.compile(loss=SparseCategoricalCrossentropy(from_logits=True), optimizer=Adam(0.001))
    >>> history = model.fit(X, y, epochs=40)
    """

    def __init__(self, layers=None, name=None, dtype="float32", random_state=None, n_jobs=None):
        self.name = name or "sequential"
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"Sequential: dtype must be float32 or float64, got {dtype!r}")
        self._init_training(random_state, n_jobs)
        self.layers = []
        self.normalizer = None
        self.input_shape = None
        for layer in layers or []:
            self.add(layer)

    # -- construction -------------------------------------------------------------
    def add(self, layer):
        """Append an ``Input``, ``Normalization``, ``Dense``, ``LeakyReLU`` or ``Dropout`` layer
        (the last two after a Dense layer; LeakyReLU after a linear one)."""
        if isinstance(layer, Input):
            if self.layers or self.normalizer is not None:
                raise ValueError("Input must come before the first Dense layer")
            self.input_shape = layer.shape
            return
        if isinstance(layer, Normalization):
            if self.layers or self.normalizer is not None:
                raise ValueError("Normalization must come before the first Dense layer (one per model)")
            if layer.built:
                if self.input_shape is not None and self.input_shape[0] != layer.mean.size:
                    raise ValueError(f"Normalization adapted to {layer.mean.size} features but Input has "
                                     f"{self.input_shape[0]}")
                self.input_shape = (layer.mean.size,)
            self.normalizer = layer
            return
        if isinstance(layer, (LeakyReLU, Dropout)):
            self._add_param_free(layer)
            return
        if not isinstance(layer, Dense):
            raise TypeError(f"Sequential accepts Input, Normalization, Dense, LeakyReLU and Dropout layers, got "
                            f"{type(layer).__name__}")
        if layer.input_shape is not None and not self._dense and self.input_shape is None:
            self.input_shape = tuple(layer.input_shape)
        if layer.name is None:
            layer.name = f"dense_{len(self._dense)}" if self._dense else "dense"
        if any(l.name == layer.name for l in self.layers):
            raise ValueError(f"duplicate layer name {layer.name!r}")
        if self._dense and self._dense[-1].activation_name == "softmax":
            raise ValueError("softmax is only supported on the output layer; put it on the last Dense")
        self.layers.append(layer)
        self._grads = None
        if self.input_shape is not None and not layer.built:
            # Keras builds as soon as the input shape is known: summary() and get_weights() work at once
            n_in = self._dense[-2].units if len(self._dense) > 1 else self.input_shape[0]
            if len(self._dense) == 1 or self._dense[-2].built:
                layer.build(n_in, self._generator(), self.dtype)

    def _add_param_free(self, layer):
        """LeakyReLU / Dropout: folded into the Dense layer before them (see _groups)."""
        kind = type(layer).__name__
        if not self._dense and kind == "LeakyReLU":
            raise ValueError("LeakyReLU must follow a Dense layer in a Sequential model (an activation on the "
                             "inputs: use the functional Model)")
        tail = self.layers[self.layers.index(self._dense[-1]) + 1:] if self._dense else self.layers
        if any(type(t) is type(layer) for t in tail):
            where = f"after Dense {self._dense[-1].name!r}" if self._dense else "before the first Dense layer"
            raise ValueError(f"two {kind} layers {where}; use one")
        if kind == "LeakyReLU" and self._dense[-1].activation_name != "linear":
            raise ValueError(f"LeakyReLU must follow a Dense layer with a linear activation, but "
                             f"{self._dense[-1].name!r} has {self._dense[-1].activation_name!r}; write "
                             "Dense(units) then LeakyReLU(), or Dense(units, activation='leaky_relu')")
        if layer.name is None:
            base = "leaky_re_lu" if kind == "LeakyReLU" else "dropout"
            k = sum(type(t) is type(layer) for t in self.layers)
            layer.name = base if k == 0 else f"{base}_{k}"
        if any(l.name == layer.name for l in self.layers):
            raise ValueError(f"duplicate layer name {layer.name!r}")
        self.layers.append(layer)

    @property
    def _dense(self):
        """The Dense layers (what the kernels train), in order."""
        return [l for l in self.layers if isinstance(l, Dense)]

    def _groups(self):
        """(dense, LeakyReLU or None, Dropout or None) per Dense layer: the layer the kernels see.

        ``Dense, Dropout, LeakyReLU`` is taken as ``Dense, LeakyReLU, Dropout``: the same
        values up to rounding, since :math:`\\mathrm{lrelu}(s x) = s\\,\\mathrm{lrelu}(x)` for a mask
        value :math:`s \\ge 0`.
        """
        groups = []
        for l in self.layers:
            if isinstance(l, Dense):
                groups.append([l, None, None])
            elif not groups:  # a Dropout on the inputs: see _input_dropout
                continue
            elif isinstance(l, LeakyReLU):
                groups[-1][1] = l
            else:
                groups[-1][2] = l
        return groups

    def _input_dropout(self):
        """The Dropout before the first Dense layer (on the inputs), or None."""
        for l in self.layers:
            if isinstance(l, Dense):
                return None
            if isinstance(l, Dropout):
                return l
        return None

    @property
    def built(self):
        return bool(self._dense) and all(l.built for l in self._dense)

    @property
    def input(self):
        """Keras's ``model.input``: a symbolic tensor of shape ``(None, n_features)``."""
        if self.input_shape is None:
            raise AttributeError(f"{self.name}: the input shape is unknown until the model is built")
        return SymbolicTensor("input", (), self.input_shape[0], name="input")

    @property
    def output(self):
        """Keras's ``model.output``: a symbolic tensor of shape ``(None, units of the last layer)``."""
        if not self._dense:
            raise AttributeError(f"{self.name}: the model has no layers")
        return self._dense[-1].output

    @property
    def inputs(self):
        """Keras's ``model.inputs``: ``[model.input]``."""
        return [self.input]

    @property
    def outputs(self):
        """Keras's ``model.outputs``: ``[model.output]``."""
        return [self.output]

    @property
    def output_shape(self):
        """``(None, units of the last layer)``."""
        return (None, self.output.width)

    def _stat_layers(self):
        return [self.normalizer] if self.normalizer is not None and self.normalizer.built else []

    def build(self, input_shape=None):
        """Create the weights (Glorot uniform) for inputs of ``input_shape = (n_features,)``."""
        if input_shape is not None:
            shape = (input_shape,) if isinstance(input_shape, numbers.Integral) else tuple(input_shape)
            self.input_shape = (int(shape[-1]),)
        if self.input_shape is None:
            raise ValueError("Sequential.build: the input shape is unknown; add Input(shape=(n_features,)) "
                             "or call fit/predict first")
        if not self._dense:
            raise ValueError("Sequential has no Dense layers")
        rng = self._generator()
        n_in = self.input_shape[0]
        for layer in self._dense:
            if layer.built and layer.kernel.shape[0] != n_in:
                raise ValueError(f"layer {layer.name!r} has kernel {layer.kernel.shape} but receives {n_in} inputs")
            if not layer.built:
                layer.build(n_in, rng, self.dtype)
            else:
                layer.kernel = layer.kernel.astype(self.dtype, copy=False)
                layer.bias = layer.bias.astype(self.dtype, copy=False)
            n_in = layer.units
        return self

    def _ensure_built(self, n_features):
        if self.input_shape is not None and self.input_shape[0] != n_features:
            raise ValueError(f"{self.name}: X has {n_features} features but the model's input shape is "
                             f"{self.input_shape}; reshape X to (n_samples, {self.input_shape[0]})")
        if not self.built:
            self.build((n_features,))

    # -- compile ------------------------------------------------------------------
    def compile(self, optimizer="adam", loss="mse", metrics=None, weighted_metrics=None):
        """Choose the optimiser, the loss and metrics (``"accuracy"``, ``"mse"``, ``"mae"``), in
        Keras's argument order. ``metrics`` are unweighted; ``weighted_metrics`` are weighted by
        ``fit``'s / ``evaluate``'s sample (and class) weights and logged under their name, or
        ``"weighted_<name>"`` when also in ``metrics``."""
        return self._compile(loss, optimizer, metrics, weighted_metrics)

    # -- helpers ------------------------------------------------------------------
    def _threads(self, work):
        return threads_for_work(resolve_n_jobs(self.n_jobs), work, min_items_per_thread=200_000)

    def _check_X(self, X, name="X"):
        X = check_array(X, name=name, caller=self.name)
        if self.normalizer is not None:
            X = self.normalizer(X)
        X = cast_checked(X, self.dtype, name, self.name)
        self._ensure_built(X.shape[1])
        return X

    # what _Trainable asks for: one input array X, the Dense layers in order
    _x_name, _rows_msg = "X", "X has {n} samples"
    _check_inputs = _check_X

    @staticmethod
    def _n_rows(X):
        return X.shape[0]

    @staticmethod
    def _rows(X, rows):
        return X[rows]

    @property
    def _n_outputs(self):
        return self._dense[-1].units

    @property
    def _weight_layers(self):
        return self._dense

    def _logits(self, X):
        """Outputs before the output layer's activation."""
        return _k.mlp_forward(self._specs(), X, False, self._threads(X.shape[0] * 1000))

    def _layer_specs(self):
        specs = []
        for dense, leaky, _ in self._groups():
            spec = dense._spec()
            if leaky is not None:
                spec["activation"], spec["alpha"] = 5, leaky.negative_slope
            specs.append(spec)
        return specs

    @property
    def _has_dropout(self):
        return any(isinstance(l, Dropout) and l.rate > 0 for l in self.layers)

    def _set_dropout_keys(self, specs, model_key):
        """The dropout rate and this epoch's mask key of every layer (training only)."""
        groups = self._groups()
        if groups[-1][2] is not None and groups[-1][2].rate > 0:
            raise ValueError(f"{self.name}: Dropout after the output layer is not supported; remove "
                             f"{groups[-1][2].name!r} (or add a Dense layer after it)")
        for i, (spec, (_, _, drop)) in enumerate(zip(specs, groups)):
            if drop is not None and drop.rate > 0:
                spec["dropout"], spec["seed"] = drop.rate, drop._key(model_key, i)
        drop = self._input_dropout()
        if drop is not None and drop.rate > 0:
            specs[0]["in_dropout"], specs[0]["in_seed"] = drop.rate, drop._key(model_key, len(groups))

    def _specs(self, training=False):
        if training:
            _writable_weights(self._dense)
        specs = self._layer_specs()
        if training:
            self._add_training_state(specs, self._dense)
        return specs

    # -- training -----------------------------------------------------------------
    def fit(self, X, y, epochs=1, batch_size=32, validation_data=None, validation_split=0.0, shuffle=True,
            callbacks=None, verbose=1, sample_weight=None, class_weight=None, initial_epoch=0):
        """Train for ``epochs`` passes over the data in mini-batches of ``batch_size``.

        Parameters
        ----------
        X : array of shape (n_samples, n_features)
        y : labels (n_samples,) for sparse categorical cross-entropy, otherwise
            targets (n_samples,) or (n_samples, n_outputs)
        validation_data : (X_val, y_val) or (X_val, y_val, sample_weight_val), optional
        validation_split : float in [0, 1)
            Hold out the last fraction of rows (before shuffling) for validation.
        callbacks : list of callbacks
            pyml's (:class:`pyml.utils.callbacks.Callback`) or Keras-style
            objects with ``on_epoch_end(epoch, logs)``.
            e.g. ``EarlyStopping(monitor="val_loss", restore_best_weights=True)``.
        verbose : int
            What Keras prints, to stdout: 0 silent; 1 ``Epoch k/N`` and a
            progress bar with the loss and metrics (redrawn in a terminal, one
            final line per epoch otherwise); 2 one line per epoch (see
            :class:`pyml.neural_network._progress.KerasProgressBar`).
        sample_weight : array of shape (n_samples,), optional
            Keras semantics: each row's loss (and gradient) is multiplied by
            its weight, and a mini-batch's sum is divided by the batch size:
            :math:`L_B = \\frac{1}{|B|}\\sum_{i \\in B} w_i \\ell_i`. Weights must be
            finite and >= 0. The epoch loss reported is the mean of
            :math:`w_i \\ell_i` over the rows; validation losses are weighted by
            ``sample_weight_val`` only.
        class_weight : dict {class index: weight}, optional
            Keras's: every class 0..k-1 gets a weight, which multiplies the
            sample weight of its rows (in the loss; metrics stay unweighted).
        initial_epoch : int, default=0
            The epoch to start from (epochs ``initial_epoch .. epochs - 1`` run,
            and callbacks and ``History.epoch`` see those numbers), as Keras.

        Returns
        -------
        history : History
            ``history.history["loss"]`` (and ``val_loss``, metrics) per epoch.

        Raises
        ------
        NotCompiledError
            Before ``compile``; a subclass of both RuntimeError (Keras's type) and
            ValueError (pyml's usage errors), so either ``except`` catches it.

        Notes
        -----
        Dropout layers are active here only (a mask per mini-batch, drawn in C
        from a key taken each epoch from the model's generator, or from the
        layer's own seed); predict, evaluate and the metrics see the identity.
        """
        return self._fit(X, y, epochs, batch_size, validation_data, validation_split, shuffle, callbacks, verbose,
                         sample_weight, class_weight, initial_epoch)

    def _epoch_runner(self, X, Yf, Yi, sw, n_train, batch_size):
        """Training specs and thread count, then ``run(perm, key, opt) -> (loss, steps)``: one
        epoch in C (``key``: this epoch's dropout key, None without dropout)."""
        specs = self._specs(training=True)
        if self._has_dropout:
            self._set_dropout_keys(specs, 0)  # (validates the layout before any epoch)
        nt = self._threads(min(batch_size, n_train) * sum(l.kernel.size for l in self._dense))
        work = None  # the kernel's workspace, reused across epochs

        def run(perm, key, opt, outputs):
            nonlocal work
            if key is not None:
                self._set_dropout_keys(specs, key)
            loss, t, work = _k.mlp_train_epoch(specs, self.loss.kind, self.loss.from_logits, opt, X, Yf, Yi, perm,
                                               batch_size, nt, work, sw, int(getattr(self, "_weight_norm", 0)),
                                               outputs)
            return loss, t

        return run

    def _output_act(self):
        """(kernel code, slope) of the output layer's activation, a LeakyReLU after it included."""
        spec = self._layer_specs()[-1]
        return spec["activation"], spec.get("alpha", 0.0)

    def train_on_batch(self, X, y, cols=None):
        """One optimiser step on one mini-batch (all rows of X); returns the loss.

        ``cols`` (int, one per row) applies an MSE loss only to output
        ``cols[i]`` of row i — the DQN update on :math:`Q(s_i, a_i)`.
        """
        self._require_compiled("train_on_batch")
        X = self._check_X(X)
        if cols is not None:
            if self.loss.kind != 0:
                raise ValueError("train_on_batch: cols (gathered outputs) requires the mse loss")
            cols = np.ascontiguousarray(cols, dtype=np.int32)
            k = self._dense[-1].units
            if cols.shape != (X.shape[0],) or (cols.size and (cols.min() < 0 or cols.max() >= k)):
                raise ValueError(f"cols must hold one output index in [0, {k - 1}] per row")
            Yf = np.ascontiguousarray(np.asarray(y, dtype=self.dtype).reshape(-1))
            if Yf.shape[0] != X.shape[0]:
                raise ValueError("train_on_batch: one target per row is needed with cols")
            Yi = None
        else:
            Yf, Yi = self._targets(y, X.shape[0])
        specs = self._specs(training=True)
        if self._has_dropout:
            self._set_dropout_keys(specs, int(self._generator().integers(0, 2**63, dtype=np.int64)))
        nt = self._threads(X.shape[0] * sum(l.kernel.size for l in self._dense))
        loss, t = _k.mlp_train_step(specs, self.loss.kind, self.loss.from_logits, self.optimizer._params(), X,
                                    Yf, Yi, cols, nt)
        self.optimizer.iterations = int(t)
        return loss

    # -- inference ----------------------------------------------------------------
    def predict(self, X, batch_size=None, verbose=0):
        """Outputs of the last layer (after its activation), shape (n_samples, units)."""
        X = self._check_X(X)
        nt = self._threads(X.shape[0] * sum(l.kernel.size for l in self._dense))
        return _k.mlp_forward(self._specs(), X, True, nt)

    def __call__(self, X, training=False, **kwargs):
        """``predict(X)``; on a symbolic tensor (functional API), the layers as graph nodes.

        A symbolic call shares this model's Dense layers (and so their weights)
        with the functional ``Model`` built from it. ``training=True`` (Keras's
        flag) applies the Dropout layers: one mask draw each, keyed from the
        model's generator (or the layer's seed), layer by layer through the same
        kernels as training.
        """
        if isinstance(X, SymbolicTensor):
            return self._symbolic(X)
        if not training or not self._has_dropout:
            return self.predict(X, **kwargs)
        X = self._check_X(X)
        specs = self._layer_specs()
        self._set_dropout_keys(specs, int(self._generator().integers(0, 2**63, dtype=np.int64)))
        self._calls = getattr(self, "_calls", 0) + 1
        nt = self._threads(X.shape[0] * sum(l.kernel.size for l in self._dense))
        A = np.ascontiguousarray(X)
        if specs[0].get("in_dropout"):
            A = _k.dropout(A, specs[0]["in_dropout"], specs[0]["in_seed"], self._calls, False, nt)
        for spec in specs:  # a loop over layers (each a compiled call), never over rows
            A = _k.dense_forward(A, spec["W"], spec["b"], spec["activation"], nt, spec.get("alpha", 0.0))
            if spec.get("dropout"):
                A = _k.dropout(A, spec["dropout"], spec["seed"], self._calls, False, nt)
        return A

    def _symbolic(self, x):
        if not self._dense:
            raise ValueError(f"{self.name}: no Dense layers to call")
        if self.input_shape is not None and self.input_shape[0] != x.width:
            raise ValueError(f"{self.name}: expects inputs of width {self.input_shape[0]}, got a tensor of width "
                             f"{x.width}")
        if self.input_shape is None:
            self.input_shape = (x.width,)
        call = _Call(self, [x])
        t = x
        for layer in self.layers:
            t = layer._symbolic(t, call)
        return t

    def evaluate(self, X, y, batch_size=None, verbose=0, sample_weight=None, return_dict=False):
        """Loss (plus L2 penalties) on (X, y); ``[loss, *metrics]`` when metrics were compiled,
        ``{"loss": ..., metric: ...}`` with ``return_dict``. With ``sample_weight`` the loss is
        Keras's :math:`\\sum_i w_i \\ell_i / n`; the metrics stay unweighted, as Keras's
        ``compile(metrics=)``."""
        return self._evaluate(X, y, sample_weight, return_dict)

    # -- weights ------------------------------------------------------------------
    def get_weights(self):
        """``[W1, b1, W2, b2, ...]`` (copies)."""
        return self._get_weights()

    def set_weights(self, weights):
        """Set every layer's ``[kernel, bias]`` from a flat list (shapes must match)."""
        self._set_weights(weights)

    _weights_attrs = ("input_shape",)  # set_weights may set it: put back when it fails

    def _set_layer_weights(self, layer, W, b):
        layer.set_weights([np.asarray(W, dtype=self.dtype), np.asarray(b, dtype=self.dtype)])

    def _check_weights(self):
        """Each kernel takes the previous layer's outputs (the first: the input width)."""
        if self.input_shape is None:
            self.input_shape = (self._dense[0].kernel.shape[0],)
        n_in = self.input_shape[0]
        for l in self._dense:
            if l.kernel.shape[0] != n_in:
                raise ValueError(f"layer {l.name!r}: kernel {l.kernel.shape} does not follow {n_in} inputs")
            n_in = l.units

    def get_layer(self, name=None, index=None):
        """Layer by name or index."""
        if index is not None:
            return self.layers[index]
        for l in self.layers:
            if l.name == name:
                return l
        raise ValueError(f"no layer named {name!r}")

    def count_params(self):
        """Total number of parameters of all layers (a Normalization's mean, variance and count too,
        as Keras counts them)."""
        extra = self.normalizer.count_params() if self.normalizer is not None else 0
        return sum(l.count_params() for l in self._dense) + extra

    def summary(self, print_fn=print):
        """Print a table of layers, output shapes and parameter counts (Keras style)."""
        rows = [("Layer (type)", "Output Shape", "Param #")]
        fixed = self.normalizer.count_params() if self.normalizer is not None else 0
        if self.normalizer is not None:
            width = self.normalizer.mean.size if self.normalizer.built else "?"
            rows.append((f"{self.normalizer.name} (Normalization)", f"(None, {width})", str(fixed)))
        units = self.input_shape[0] if self.input_shape is not None else "?"
        for l in self.layers:
            if isinstance(l, Dense):
                params, units = (l.count_params() if l.built else "?"), l.units
            else:  # LeakyReLU / Dropout: the shape of the Dense before, no parameters
                params = 0
            rows.append((f"{l.name} ({type(l).__name__})", f"(None, {units})", str(params)))
        widths = [max(len(r[i]) for r in rows) + 2 for i in range(3)]
        line = lambda r: "".join(c.ljust(w) for c, w in zip(r, widths))  # noqa: E731
        total = sum(l.count_params() for l in self._dense if l.built)
        out = [f'Model: "{self.name}"', "_" * sum(widths), line(rows[0]), "=" * sum(widths)]
        out += [line(r) for r in rows[1:]]
        out += ["=" * sum(widths), f"Total params: {total + fixed}", f"Trainable params: {total}",
                f"Non-trainable params: {fixed}", "_" * sum(widths)]
        text = "\n".join(out)
        if print_fn is not None:
            print_fn(text)
        return text

    # -- persistence --------------------------------------------------------------
    def get_config(self):
        """Constructor arguments as a JSON-serialisable dict (used by save / load_model)."""
        cfg = {"format": FORMAT, "pyml_version": _pyml_version(), "name": self.name, "dtype": self.dtype.name,
               "input_shape": list(self.input_shape) if self.input_shape else None,
               "layers": [l.get_config() for l in self.layers]}
        if self.normalizer is not None:
            cfg["normalizer"] = self.normalizer.get_config()
        if self._compiled:
            cfg["compile"] = self._compile_config()
        return cfg

    def save(self, path):
        """Write the model to ``path`` (.npz: JSON config + weight arrays; see module docstring)."""
        if not self.built:
            raise ValueError(f"{self.name}: build or fit the model before saving it")
        cfg = self.get_config()
        arrays = _layer_arrays(self._dense)
        if self.normalizer is not None:
            if not self.normalizer.built:
                raise ValueError(f"{self.name}: adapt the Normalization layer before saving the model")
            arrays["normalizer_mean"], arrays["normalizer_variance"] = self.normalizer.mean, self.normalizer.variance
            cfg["normalizer"]["count"] = self.normalizer.count
        return self._write(path, cfg, arrays)


def load_model(path):
    """Load a model written by :meth:`Sequential.save` or :meth:`Model.save` (the file's
    format decides which; weights restored bit for bit)."""
    from pyml.neural_network._functional import FORMAT as MODEL_FORMAT, _model_from_config

    with np.load(path, allow_pickle=False) as data:
        if "config" not in data:
            raise ValueError(f"{path}: not a pyml model file (no config entry)")
        cfg = json.loads(str(data["config"]))
        if cfg.get("format") not in (FORMAT, MODEL_FORMAT):
            raise ValueError(f"{path}: not a pyml Sequential or Model file (format {cfg.get('format')!r})")
        if cfg.get("pyml_version") != _pyml_version():
            from pyml.exceptions import InconsistentVersionWarning

            warnings.warn(f"model saved by pyml {cfg.get('pyml_version')}, loaded by {_pyml_version()}",
                          InconsistentVersionWarning, stacklevel=2)
        if cfg["format"] == MODEL_FORMAT:
            return _model_from_config(cfg, data, path)
        model = Sequential(name=cfg["name"], dtype=cfg["dtype"])
        if cfg.get("input_shape"):
            model.add(Input(shape=tuple(cfg["input_shape"])))
        if cfg.get("normalizer"):
            nc = cfg["normalizer"]
            if "normalizer_mean" not in data or "normalizer_variance" not in data:
                raise ValueError(f"{path}: damaged file: the Normalization statistics are missing")
            norm = Normalization(invert=bool(nc.get("invert")), name=nc.get("name"))
            norm._set_stats(data["normalizer_mean"], data["normalizer_variance"], int(nc.get("count", 0)))
            model.add(norm)
        i = 0
        for lc in cfg["layers"]:
            if lc.get("class", "Dense") != "Dense":
                model.add(layer_from_config(lc))
                continue
            layer = Dense._from_config(lc)
            model.add(layer)
            layer.set_weights([data[f"layer_{i}_kernel"], data[f"layer_{i}_bias"]])
            i += 1
        _restore_compile(model, cfg, data, path)
    return model


def soft_update(target, source, tau):
    """Soft target update :math:`\\theta_{target} \\leftarrow \\tau \\theta + (1 - \\tau) \\theta_{target}`
    for every weight of ``target`` (a Sequential) from ``source`` (same architecture), in place.

    Used by DQN target networks (compiled kernel, no temporaries).
    """
    if not isinstance(tau, numbers.Real) or not 0 <= tau <= 1:
        raise ValueError(f"soft_update: tau must be in [0, 1], got {tau!r}")
    if len(target._dense) != len(source._dense):
        raise ValueError("soft_update: the two models have different numbers of layers")
    for lt, ls in zip(target._dense, source._dense):
        if not (lt.built and ls.built) or lt.kernel.shape != ls.kernel.shape or lt.kernel.dtype != ls.kernel.dtype:
            raise ValueError(f"soft_update: layers {lt.name!r} and {ls.name!r} differ in shape or dtype")
        for t_arr, s_arr in ((lt.kernel, ls.kernel), (lt.bias, ls.bias)):
            if not t_arr.flags.writeable:
                raise ValueError("soft_update: the target's weights are read-only")
            _k.soft_update(t_arr, s_arr, float(tau), 1)
    return target
