"""What ``Sequential`` and the functional ``Model`` share: compile settings, the epoch loop of
``fit`` (validation split, callbacks, Ctrl-C between epochs, the non-finite loss stop, the
metrics of each epoch), ``evaluate``, the ``.npz`` writer and the pickling / training-state
helpers.

Both classes keep their own public methods (signatures and docstrings as in Keras) and call
into :class:`_Trainable`, which asks them for what differs: how inputs are checked (one array
for a Sequential, one per input for a Model), how rows are sliced, the forward pass and the
output activation, and how one epoch is handed to C (``_epoch_runner``).
"""
import json
import numbers
import warnings

import numpy as np

from pyml.neural_network import _nn_kernels as _k
from pyml.neural_network._errors import NotCompiledError
from pyml.neural_network._layers import _default_rng
from pyml.neural_network._losses import _targets, get_loss, metric_values
from pyml.neural_network._optimizers import get_optimizer
from pyml.neural_network._progress import KerasProgressBar
from pyml.utils.callbacks import CallbackList, History, fit_callbacks
from pyml.utils.validation import check_array, check_random_state

_METRICS = ("accuracy", "acc", "mse", "mae")


def _pyml_version():
    from pyml import __version__

    return __version__


def _check_metrics(metrics, name):
    """Keras's metric names pyml computes ("acc" is "accuracy")."""
    metrics = list(metrics or [])
    for m in metrics:
        if m not in _METRICS:
            raise ValueError(f"unknown metric {m!r} in {name}; choose from 'accuracy', 'mse', 'mae'")
    return ["accuracy" if m == "acc" else m for m in metrics]


def _check_verbose(verbose):
    """Keras's verbose: 0, 1, 2 or "auto" (1)."""
    if verbose == "auto":
        return 1
    if not isinstance(verbose, (numbers.Integral, np.bool_)) or verbose < 0:  # True: 1, as in Keras
        raise ValueError(f"verbose must be 0 (silent), 1 (progress bar), 2 (one line per epoch) or 'auto', "
                         f"got {verbose!r}")
    return min(int(verbose), 2)


def _check_fit_params(epochs, batch_size, validation_split, initial_epoch=0):
    """Keras's fit arguments, checked before any data is looked at."""
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
    if isinstance(initial_epoch, bool) or not isinstance(initial_epoch, numbers.Integral) or initial_epoch < 0:
        raise ValueError(f"initial_epoch must be a non-negative integer (the epoch to start from), got "
                         f"{initial_epoch!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if not isinstance(validation_split, numbers.Real) or not 0 <= validation_split < 1:
        raise ValueError(f"validation_split must be in [0, 1), got {validation_split!r}")


def _sample_weight(sample_weight, n, dtype, owner, name="sample_weight", rows="X"):
    """Keras's fit(sample_weight=): None or (n,) finite weights >= 0, in the model's dtype."""
    if sample_weight is None:
        return None
    sw = check_array(sample_weight, name=name, caller=owner, ensure_2d=False)
    if sw.ndim != 1 or sw.shape[0] != n:
        raise ValueError(f"{owner}: {name} must have shape ({n},) (one weight per row of {rows}), got {sw.shape}")
    if np.any(sw < 0):
        raise ValueError(f"{owner}: {name} must be >= 0 (it scales each row's loss)")
    return np.ascontiguousarray(sw, dtype=dtype)


def _rows_of(Y, rows):
    """Those rows of a target array (None stays None)."""
    return Y[rows] if Y is not None else None


def _writable_weights(layers):
    """Weights from a read-only memmap/unpickle: train on a copy (the kernels write in place)."""
    for l in layers:
        if not l.kernel.flags.writeable or not l.bias.flags.writeable:
            l.kernel, l.bias = l.kernel.copy(), l.bias.copy()


def _check_pickle_version(state, owner):
    """Drop the version recorded in a pickle; warn (with both versions) when another pyml wrote it."""
    state = dict(state)
    version = state.pop("_pyml_version", None)
    if version is not None and version != _pyml_version():
        from pyml.exceptions import InconsistentVersionWarning

        warnings.warn(f"Trying to unpickle {owner} from pyml {version} with pyml {_pyml_version()}; results may "
                      "differ. Save it again with this version (model.save) or load it with the one that wrote it.",
                      InconsistentVersionWarning, stacklevel=3)
    return state


def _training_state(model, arrays):
    """Optimiser moments (``opt_<i>_<key>`` arrays), its step count and the shuffling generator's
    state, so that training resumes exactly from a saved file. Returns the config entries."""
    out = {}
    opt = model.optimizer if model._compiled else None
    if opt is not None and opt._state is not None:
        for i, st in enumerate(opt._state):
            for key, arr in st.items():
                arrays[f"opt_{i}_{key}"] = arr
        out["optimizer_iterations"] = int(opt.iterations)
        out["optimizer_state_keys"] = sorted(opt._state[0]) if opt._state else []
    rng = model._rng
    if isinstance(rng, np.random.Generator) and type(rng.bit_generator).__name__ == "PCG64":
        out["shuffle_rng_state"] = rng.bit_generator.state
    return out


def _restore_training_state(model, cfg, data, path, layers=None):
    """Put back what :func:`_training_state` saved (``layers``: the model's Dense layers in the
    order their optimiser state was saved; a Sequential's ``layers`` by default)."""
    layers = model._dense if layers is None else layers
    keys = cfg.get("optimizer_state_keys")
    if keys is not None:
        state = model.optimizer._state_for(layers)
        for i, (st, layer) in enumerate(zip(state, layers)):
            for key in keys:
                name = f"opt_{i}_{key}"
                if name not in data or key not in st or data[name].shape != st[key].shape:
                    raise ValueError(f"{path}: damaged optimiser state ({name}); save the model again")
                st[key][...] = data[name]
        model.optimizer.iterations = int(cfg["optimizer_iterations"])
    if cfg.get("shuffle_rng_state"):
        rng = np.random.Generator(np.random.PCG64())
        rng.bit_generator.state = cfg["shuffle_rng_state"]
        model._rng = rng


def _restore_compile(model, cfg, data, path, layers=None):
    """Compile a loaded model as it was saved and put its training state back (files saved
    before compile have no ``compile`` entry and load uncompiled)."""
    if "compile" not in cfg:
        return
    c = cfg["compile"]
    model.compile(loss=get_loss(c["loss"]["name"], c["loss"].get("from_logits")),
                  optimizer=get_optimizer(c["optimizer"]), metrics=c["metrics"],
                  weighted_metrics=c.get("weighted_metrics"))
    _restore_training_state(model, cfg, data, path, layers=layers)


class _Trainable:
    """Training, evaluation and persistence shared by Sequential and Model.

    A subclass provides ``_x_name`` ("X" or "x", as its messages name the inputs),
    ``_rows_msg`` (how a row-count mismatch starts), ``_check_inputs(x, name)``,
    ``_n_rows(data)``, ``_rows(data, slice)``, ``_n_outputs``, ``_weight_layers`` (its Dense
    layers in optimiser order), ``_logits(data)`` (outputs before the output activation),
    ``_output_act()`` (kernel code and slope of that activation), ``_has_dropout``,
    ``_epoch_runner(...)`` (one epoch in C) and ``_set_layer_weights(layer, W, b)``; optionally
    ``_check_weights()``, ``_weights_attrs``, ``_unpicklable`` and ``_after_unpickle()``.
    """

    _unpicklable = ()  # attributes dropped by __getstate__ and rebuilt by _after_unpickle
    trainable = True  # Keras's model.trainable: fit trains every Dense weight
    stop_training = False  # Keras's flag: a callback sets it to True to stop fit after the epoch

    @property
    def trainable_weights(self):
        """Keras's ``model.trainable_weights``: every Dense layer's kernel and bias, in order (the
        arrays themselves, as Keras's variables)."""
        return [w for l in self._weight_layers for w in l.weights]

    @property
    def non_trainable_weights(self):
        """Keras's ``model.non_trainable_weights``: a Normalization layer's mean and variance."""
        return [w for l in self._stat_layers() for w in l.weights]

    @property
    def weights(self):
        """Keras's ``model.weights``: the non-trainable (a first Normalization layer's) then the
        trainable arrays, in layer order."""
        return self.non_trainable_weights + self.trainable_weights

    def _stat_layers(self):
        """Layers with non-trainable weights (none by default)."""
        return []

    def _init_training(self, random_state, n_jobs):
        """The attributes every model starts with (uncompiled, no generator drawn yet)."""
        self.random_state = random_state
        self.n_jobs = n_jobs
        self._rng = None
        self.loss = None
        self.optimizer = None
        self.metrics = []
        self.weighted_metrics = []
        self._metric_keys = []
        self._compiled = False
        self._grads = None
        self._work = None

    def _generator(self):
        if self._rng is None:
            self._rng = _default_rng() if self.random_state is None else check_random_state(self.random_state)
        return self._rng

    def _require_compiled(self, what):
        if not self._compiled:
            raise NotCompiledError(f"{self.name}: call model.compile(loss=..., optimizer=...) before {what}")

    # -- weights ------------------------------------------------------------------------
    _weights_attrs = ()  # the model's own attributes that _set_weights may change

    def _get_weights(self):
        return [w for l in self._weight_layers for w in l.get_weights()]

    def _set_weights(self, weights):
        """All or nothing: a failed check leaves every layer (and ``_weights_attrs``) as it was.
        The subclass sets one layer (``_set_layer_weights``) and checks the whole
        (``_check_weights``)."""
        layers = self._weight_layers
        weights = list(weights)
        if len(weights) != 2 * len(layers):
            raise ValueError(f"{self.name}: expected {2 * len(layers)} arrays, got {len(weights)}")
        saved = [(l.kernel, l.bias) for l in layers], {k: getattr(self, k) for k in self._weights_attrs}
        try:
            for i, l in enumerate(layers):
                self._set_layer_weights(l, weights[2 * i], weights[2 * i + 1])
            self._check_weights()
        except Exception:
            for l, (kernel, bias) in zip(layers, saved[0]):
                l.kernel, l.bias = kernel, bias
            self.__dict__.update(saved[1])
            raise

    def _check_weights(self):
        """Called once every layer is set (nothing more to check by default)."""

    def _get_fit_state(self):
        return self.get_weights()

    def _set_fit_state(self, state):
        self.set_weights(state)

    # -- compile ------------------------------------------------------------------------
    def _compile(self, loss, optimizer, metrics, weighted_metrics=None):
        self.loss = get_loss(loss)
        self.optimizer = get_optimizer(optimizer)
        self.metrics = _check_metrics(metrics, "metrics")
        self.weighted_metrics = _check_metrics(weighted_metrics, "weighted_metrics")
        # the logged names, as Keras's: a weighted metric also compiled unweighted is "weighted_<name>"
        self._metric_keys = [(m, m, False) for m in self.metrics] + [
            (f"weighted_{m}" if m in self.metrics else m, m, True) for m in self.weighted_metrics]
        self._compiled = True
        return self

    def _compile_config(self):
        return {"loss": self.loss.get_config(), "optimizer": self.optimizer.get_config(),
                "metrics": list(self.metrics), "weighted_metrics": list(self.weighted_metrics)}

    def _add_training_state(self, specs, layers):
        """Gradient buffers (kept between calls while the shapes hold) and the optimiser's
        moments, added to every layer spec for the training kernels."""
        if self._grads is None or any(g[0].shape != l.kernel.shape or g[0].dtype != l.kernel.dtype
                                      for g, l in zip(self._grads, layers)):
            self._grads = [(np.zeros_like(l.kernel), np.zeros_like(l.bias)) for l in layers]
        state = self.optimizer._state_for(layers)
        for s, (gW, gb), st in zip(specs, self._grads, state):
            s["gW"], s["gb"] = gW, gb
            s.update(st)

    def _targets(self, y, n, name="y"):
        Yf, Yi = _targets(self.loss, y, self._n_outputs, self.dtype, self.name)
        got = len(Yf) if Yf is not None else len(Yi)
        if got != n:
            raise ValueError(f"{self.name}: {self._rows_msg.format(n=n)} but {name} has {got}")
        return Yf, Yi

    # -- evaluate -----------------------------------------------------------------------
    def _metrics_of(self, Z, Yf, Yi, prefix, sw=None):
        """The compiled metrics of the output pre-activations Z: ``metrics`` unweighted,
        ``weighted_metrics`` weighted by ``sw`` (rows' sample weights, None: 1), as Keras's."""
        if not self._metric_keys:
            return {}
        code, alpha = self._output_act()
        A = _k.activation(code, Z, 1, alpha)
        out = {}
        for key, name, weighted in self._metric_keys:
            out[prefix + key] = metric_values([name], self.loss, A, Yf, Yi, "", sw if weighted else None)[name]
        return out

    def _evaluate_arrays(self, data, Yf, Yi, sw=None, prefix=""):
        """Loss (Keras's weighted mean :math:`\\sum_i w_i \\ell_i / n` + the L2 penalties) and the
        metrics (``weighted_metrics`` weighted by sw)."""
        Z = self._logits(data)
        code, alpha = self._output_act()
        Zl = Z
        if code == 5:  # leaky_relu output: the loss of its values through a linear output (same value)
            Zl, code = _k.activation(code, Z, 1, alpha), 0
        loss, _ = _k.loss_grad(self.loss.kind, self.loss.from_logits, code, Zl, Yf, Yi, None, 1, sw)
        loss += sum(l.kernel_regularizer(l.kernel) for l in self._weight_layers if l.kernel_regularizer is not None)
        out = {prefix + "loss": float(loss)}
        out.update(self._metrics_of(Z, Yf, Yi, prefix, sw))
        return out

    def _evaluate(self, x, y, sample_weight=None, return_dict=False):
        self._require_compiled("evaluate")
        data = self._check_inputs(x)
        n = self._n_rows(data)
        Yf, Yi = self._targets(y, n)
        logs = self._evaluate_arrays(data, Yf, Yi, _sample_weight(sample_weight, n, self.dtype, self.name))
        if return_dict:
            return logs
        if not self._metric_keys:
            return logs["loss"]
        return [logs["loss"], *(logs[key] for key, _, _ in self._metric_keys)]

    def test_on_batch(self, x, y, sample_weight=None, return_dict=False):
        """Keras's ``test_on_batch``: :meth:`evaluate` on one batch (all rows of ``x``)."""
        return self._evaluate(x, y, sample_weight, return_dict)

    def predict_on_batch(self, x):
        """Keras's ``predict_on_batch``: :meth:`predict` on one batch (all rows of ``x``)."""
        return self.predict(x)

    def save_weights(self, filepath):
        """Write ``get_weights()`` to ``filepath``: an .npz of the arrays in order (``arr_0``,
        ``arr_1``, ...), at exactly that path; :meth:`load_weights` reads it back bit for bit."""
        with open(filepath, "wb") as f:  # a file object: numpy appends no ".npz" to the name
            np.savez(f, *self.get_weights())

    def load_weights(self, filepath):
        """Set the weights from a :meth:`save_weights` file; all or nothing, as :meth:`set_weights`
        (a file of other arrays or shapes is a ValueError naming it)."""
        try:
            data = np.load(filepath, allow_pickle=False)
        except (ValueError, OSError, EOFError):  # not an .npz (numpy's own message talks of pickles)
            raise ValueError(f"{filepath}: not a weights file written by save_weights (not an .npz archive)") \
                from None
        if not hasattr(data, "files"):
            raise ValueError(f"{filepath}: not a weights file written by save_weights (a single array)")
        with data:
            names = [f"arr_{i}" for i in range(len(data.files))]
            if sorted(data.files) != sorted(names):
                raise ValueError(f"{filepath}: not a weights file (arrays {sorted(data.files)[:5]}); write one "
                                 "with save_weights")
            weights = [data[k] for k in names]
        try:
            self.set_weights(weights)
        except ValueError as exc:
            raise ValueError(f"{filepath}: these weights do not fit {self.name}: {exc}") from None

    # -- fit ----------------------------------------------------------------------------
    def _fit(self, x, y, epochs, batch_size, validation_data, validation_split, shuffle, callbacks, verbose,
             sample_weight, class_weight=None, initial_epoch=0):
        """Checks, then the epochs; see the subclasses' ``fit`` for the arguments."""
        self._require_compiled("fit")
        batch_size = 32 if batch_size is None else batch_size  # Keras's default for None
        _check_fit_params(epochs, batch_size, validation_split, initial_epoch)
        data = self._check_inputs(x)
        n = self._n_rows(data)
        Yf, Yi = self._targets(y, n)
        sw = _sample_weight(sample_weight, n, self.dtype, self.name)
        sw = self._with_class_weight(class_weight, Yf, Yi, sw)
        n_train, val = self._validation(data, Yf, Yi, sw, validation_data, validation_split)
        cbs = self._fit_callbacks(callbacks, epochs, -(-n_train // batch_size), verbose)
        rng = self._generator()
        run_epoch = self._epoch_runner(data, Yf, Yi, sw, n_train, int(batch_size))
        return self._run_epochs(run_epoch, rng, (Yf, Yi, sw), val, n_train, range(initial_epoch, epochs), shuffle,
                                cbs)

    def _with_class_weight(self, class_weight, Yf, Yi, sw):
        """Keras's ``class_weight``: row i's weight times ``class_weight[class of row i]`` (the label,
        the one-hot column, or the rounded binary target)."""
        if class_weight is None:
            return sw
        if self.loss.kind == 0:
            raise ValueError(f"{self.name}: class_weight applies to classification losses; the model's loss is "
                             "mse (use sample_weight)")
        if not isinstance(class_weight, dict):
            raise TypeError(f"{self.name}: class_weight must be a dict {{class index: weight}}, got "
                            f"{type(class_weight).__name__}")
        n_classes = max(self._n_outputs, 2)
        missing = [c for c in range(n_classes) if c not in class_weight]
        if missing or len(class_weight) != n_classes:
            raise ValueError(f"{self.name}: class_weight must give a weight to each class 0..{n_classes - 1} (as "
                             f"Keras), got keys {sorted(class_weight, key=str)}"
                             + (f"; class {missing[0]} has none" if missing else ""))
        values = [class_weight[c] for c in range(n_classes)]
        if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) and np.isfinite(v) and v >= 0
                   for v in values):
            raise ValueError(f"{self.name}: class_weight values must be finite numbers >= 0, got {class_weight}")
        weights = np.array(values, dtype=np.float64)
        if Yi is not None:
            classes = Yi
        elif Yf.ndim == 2 and Yf.shape[1] > 1:
            classes = np.argmax(Yf, axis=1)
        else:
            classes = np.rint(Yf.reshape(-1)).astype(np.int64)
        per_row = weights[classes].astype(self.dtype)
        return np.ascontiguousarray(per_row if sw is None else per_row * sw)

    def _validation(self, data, Yf, Yi, sw, validation_data, validation_split):
        """(rows trained on, checked validation arrays (x, Yf, Yi, sample weights) or None):
        validation_split holds out the last rows, before any shuffling, as Keras does."""
        n = n_train = self._n_rows(data)
        if validation_split and validation_data is None:
            n_train = n - int(np.floor(n * validation_split))
            if n_train < 1 or n_train == n:
                raise ValueError(f"validation_split={validation_split} leaves no rows for training or validation")
            # rows already checked (in a Sequential: already through its Normalization layer, which a
            # second check would apply again), so they are used as they are
            tail = slice(n_train, None)
            return n_train, (self._rows(data, tail), _rows_of(Yf, tail), _rows_of(Yi, tail), _rows_of(sw, tail))
        if validation_data is None:
            return n_train, None
        name = f"{self._x_name}_val"
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError(f"validation_data must be a tuple ({name}, y_val) or ({name}, y_val, "
                             "sample_weight_val)")
        xv = self._check_inputs(validation_data[0], name)
        nv = self._n_rows(xv)
        swv = validation_data[2] if len(validation_data) == 3 else None
        return n_train, (xv, *self._targets(validation_data[1], nv, "y_val"),
                         _sample_weight(swv, nv, self.dtype, self.name, "sample_weight_val", name))

    def _fit_callbacks(self, callbacks, epochs, steps, verbose):
        """(History, progress bar or None, the CallbackList): Keras's order, the user's callbacks
        (each checked by fit_callbacks) first, so that the history and Keras's stdout progress
        (not fit_callbacks' stderr logger: Keras users expect these lines) see what they add to
        the logs (a learning-rate callback's "learning_rate")."""
        history = History()
        history.model = self
        verbose = _check_verbose(verbose)
        bar = KerasProgressBar(epochs, steps, verbose) if verbose else None
        user = fit_callbacks(callbacks, self.name)
        return history, bar, CallbackList([*user.callbacks, history, bar])

    def _run_epochs(self, run_epoch, rng, train, val, n_train, epochs, shuffle, cbs):
        history, bar, cblist = cbs
        dropout = self._has_dropout
        # each trained row's output before its batch's update, for Keras's running training metrics
        outputs = np.empty((n_train, self._n_outputs), dtype=self.dtype) if self._metric_keys else None
        self.stop_training = False
        cblist.on_fit_begin(self, {})
        idx = np.arange(n_train, dtype=np.int64)
        for epoch in epochs:
            if bar is not None:
                bar.epoch_begin(epoch)
            cblist.on_iteration_begin(self, epoch, {})  # Keras's on_epoch_begin: e.g. a learning-rate schedule
            perm = rng.permutation(n_train).astype(np.int64) if shuffle else idx
            # drawn only by models with dropout: the others keep their streams
            key = int(rng.integers(0, 2**63, dtype=np.int64)) if dropout else None
            logs = {"loss": self._one_epoch(run_epoch, perm, key, outputs)}
            if not np.isfinite(logs["loss"]):
                self._stop_nonfinite(epoch, logs, history, bar)
                break
            logs.update(self._epoch_metrics(train, perm, outputs, val))
            if cblist.on_iteration_end(self, epoch, logs) or self.stop_training:
                break
        cblist.on_fit_end(self, {})
        history.epoch = list(history.iterations)
        self.history = history
        return history

    def _one_epoch(self, run_epoch, perm, key, outputs):
        opt = self.optimizer._params()
        try:
            loss, t = run_epoch(perm, key, opt, outputs)
        except KeyboardInterrupt:  # Ctrl-C between mini-batches: weights as after the last finished batch
            self.optimizer.iterations = int(opt["t"])
            raise
        self.optimizer.iterations = int(t)
        return loss

    def _stop_nonfinite(self, epoch, logs, history, bar):
        # stacklevel 5: fit -> _fit -> _run_epochs -> here, so the warning names the user's fit call
        warnings.warn(f"{self.name}: the loss became {logs['loss']} at epoch {epoch + 1}; training stopped. "
                      "Lower the learning rate or scale the inputs.", RuntimeWarning, stacklevel=5)
        history.on_iteration_end(self, epoch, logs)
        if bar is not None:  # end the epoch's line
            bar.on_iteration_end(self, epoch, logs)

    def _epoch_metrics(self, train, perm, outputs, val):
        """The compiled metrics of the epoch's training rows as Keras reports them (the running
        mean over the batches: each row's output before its batch's update), and the validation
        loss and metrics."""
        logs = {}
        if self._metric_keys:
            Yf, Yi, sw = train
            logs.update(self._metrics_of(outputs, _rows_of(Yf, perm), _rows_of(Yi, perm), "", _rows_of(sw, perm)))
        if val is not None:
            logs.update(self._evaluate_arrays(*val, prefix="val_"))
        return logs

    # -- persistence --------------------------------------------------------------------
    def _write(self, path, cfg, arrays):
        """``path`` (or a file object) gets the weight ``arrays``, the training state and the
        JSON ``cfg`` as one .npz (".npz" appended to a name without it)."""
        cfg.update(_training_state(self, arrays))
        arrays["config"] = np.array(json.dumps(cfg))
        if not hasattr(path, "write"):
            path = str(path)
            if not path.endswith(".npz"):
                path += ".npz"
        np.savez(path, **arrays)
        return path

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_work"] = None
        for key in self._unpicklable:
            state.pop(key, None)
        state["_pyml_version"] = _pyml_version()
        return state

    def __setstate__(self, state):
        self.__dict__.update(_check_pickle_version(state, type(self).__name__))
        # pickles written before weighted_metrics existed
        self.__dict__.setdefault("weighted_metrics", [])
        self.__dict__.setdefault("_metric_keys", [(m, m, False) for m in self.__dict__.get("metrics", [])])
        self._after_unpickle()

    def _after_unpickle(self):
        """Rebuild what __getstate__ dropped (nothing by default)."""


def _layer_arrays(layers):
    """``layer_<i>_kernel`` / ``layer_<i>_bias`` of the Dense layers, in the saved order."""
    arrays = {}
    for i, l in enumerate(layers):
        arrays[f"layer_{i}_kernel"] = l.kernel
        arrays[f"layer_{i}_bias"] = l.bias
    return arrays
