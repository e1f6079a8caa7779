"""The callback protocol shared by every iterative fit in pyml.

An iterative fit (gradient descent, neural-network epochs, boosting rounds,
collaborative filtering, DQN) calls, in order::

    on_fit_begin(estimator, logs)
    on_iteration_begin(estimator, iteration, logs)          # where the fit runs in Python between
    on_iteration_end(estimator, iteration, logs) -> bool   # iterations (NN epochs); True asks to stop
    ...
    on_fit_end(estimator, logs)

``logs`` is a dict of floats (``"loss"``, and ``"val_loss"`` or metrics
where the fit computes them). ``verbose`` output, the recorded history and
early stopping are all implementations of this protocol.

Compiled loops (the whole gradient-descent run happens inside C) call back
through :class:`IterationHook` between iterations, which also checks for
Ctrl-C, so a long fit can always be interrupted.
"""
import sys
import time
import warnings


__all__ = ["Callback", "History", "ProgressLogger", "KerasProgress", "CallbackList", "IterationHook",
           "as_callback", "fit_callbacks",
           # Keras's training callbacks (pyml/utils/_keras_callbacks.py)
           "EarlyStopping", "ReduceLROnPlateau", "LearningRateScheduler", "ModelCheckpoint", "CSVLogger",
           "TerminateOnNaN", "LambdaCallback"]


class Callback:
    """Base class: override pyml's three methods, or Keras's ``on_train_begin(logs)``,
    ``on_epoch_end(epoch, logs)`` and ``on_train_end(logs)``.

    The Keras methods are called from pyml's: ``self.model`` is the estimator
    being fitted, and setting ``self.model.stop_training = True`` in
    ``on_epoch_end`` stops the fit as in Keras.
    """

    model = None

    def on_fit_begin(self, estimator, logs=None):
        """Called once before the first iteration."""
        self.model = estimator
        self.on_train_begin(logs)

    def on_iteration_begin(self, estimator, iteration, logs=None):
        """Called before each iteration by the fits that loop in Python (Sequential, Model)."""
        self.on_epoch_begin(iteration, logs)

    def on_iteration_end(self, estimator, iteration, logs=None):
        """Called after each iteration; return True to stop the fit."""
        self.on_epoch_end(iteration, logs)
        return bool(getattr(estimator, "stop_training", False))

    def on_fit_end(self, estimator, logs=None):
        """Called once after the last iteration."""
        self.on_train_end(logs)

    # Keras's names (each a no-op unless overridden).
    def on_train_begin(self, logs=None):
        """Keras: before the first epoch."""

    def on_epoch_begin(self, epoch, logs=None):
        """Keras: before each epoch (0-based)."""

    def on_epoch_end(self, epoch, logs=None):
        """Keras: after each epoch (0-based), with the epoch's ``logs``."""

    def on_train_end(self, logs=None):
        """Keras: after the last epoch."""


class KerasCallbackAdapter(Callback):
    """Wraps an object that only has Keras's methods (``on_epoch_end`` ...) into pyml's protocol."""

    def __init__(self, callback):
        self.callback = callback

    def on_fit_begin(self, estimator, logs=None):
        if hasattr(self.callback, "set_model"):
            self.callback.set_model(estimator)
        else:
            self.callback.model = estimator
        getattr(self.callback, "on_train_begin", lambda logs=None: None)(logs)

    def on_iteration_begin(self, estimator, iteration, logs=None):
        getattr(self.callback, "on_epoch_begin", lambda epoch, logs=None: None)(iteration, logs)

    def on_iteration_end(self, estimator, iteration, logs=None):
        getattr(self.callback, "on_epoch_end", lambda epoch, logs=None: None)(iteration, logs)
        return bool(getattr(estimator, "stop_training", False))

    def on_fit_end(self, estimator, logs=None):
        getattr(self.callback, "on_train_end", lambda logs=None: None)(logs)


_BATCH_HOOKS = ("on_batch_begin", "on_batch_end", "on_train_batch_begin", "on_train_batch_end",
                "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end")


def _warn_batch_hooks(cb, owner):
    """Keras's per-batch hooks a callback defines (outside Keras's own no-op base) are never called:
    say so instead of skipping them silently."""
    defined = []
    for hook in _BATCH_HOOKS:
        where = next((k for k in type(cb).__mro__ if hook in vars(k)), None)
        if where is not None and not where.__module__.startswith("keras"):
            defined.append(hook)
    if defined:
        warnings.warn(f"{owner}: callback {type(cb).__name__} defines {', '.join(defined)}, which pyml never "
                      "calls: a fit runs each epoch in one compiled call and calls back between epochs "
                      "(on_epoch_begin / on_epoch_end)", UserWarning, stacklevel=4)


def as_callback(cb, owner):
    """A pyml callback for ``cb`` (pyml's protocol or Keras's method names), else a TypeError."""
    if isinstance(cb, Callback) or hasattr(cb, "on_iteration_end"):
        _warn_batch_hooks(cb, owner)
        return cb
    if any(hasattr(cb, m) for m in ("on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end")):
        _warn_batch_hooks(cb, owner)
        return KerasCallbackAdapter(cb)
    raise TypeError(f"{owner}: callbacks must implement on_iteration_end (pyml) or on_epoch_end (Keras), "
                    f"got {cb!r}")


def fit_callbacks(callbacks, owner, verbose=0, total=None, name="iteration", progress_first=False):
    """The :class:`CallbackList` an iterative fit calls: the user's ``callbacks``
    (each checked by :func:`as_callback`) and, when ``verbose``, a
    :class:`ProgressLogger` over ``total`` iterations called ``name``.

    ``progress_first`` puts the progress line before the user's callbacks (so
    it prints before a callback that stops the fit says why).
    """
    if callbacks is None:
        callbacks = ()
    elif not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"{owner}: callbacks must be a list of callbacks, got {type(callbacks).__name__}")
    cbs = [as_callback(cb, owner) for cb in callbacks]
    if verbose:
        logger = ProgressLogger(total=total, verbose=int(verbose), name=name)
        cbs.insert(0, logger) if progress_first else cbs.append(logger)
    return CallbackList(cbs)


class KerasProgress(Callback):
    """What Keras's ``fit(verbose=1|2)`` prints to stdout, one epoch at a time::

        Epoch 3/10
        32/32 [==============================] - 0s 1ms/step - loss: 0.2730 - accuracy: 0.9000   (verbose=1)
        32/32 - 0s - loss: 0.2730 - accuracy: 0.9000 - 45ms/epoch - 1ms/step                  (verbose=2)

    (An epoch is one compiled call, so the bar is printed complete once per
    epoch rather than redrawn during it.)
    """

    def __init__(self, epochs, steps, verbose=1, stream=None):
        self.epochs, self.steps, self.verbose, self.stream = epochs, max(1, int(steps)), verbose, stream
        self._last = None

    def on_fit_begin(self, estimator, logs=None):
        self._last = time.perf_counter()

    @staticmethod
    def _metrics(logs):
        return "".join(f" - {k}: {v:.4f}" for k, v in (logs or {}).items())

    def on_iteration_end(self, estimator, iteration, logs=None):
        now = time.perf_counter()
        elapsed, self._last = now - (self._last or now), now
        out = self.stream if self.stream is not None else sys.stdout
        per_step = 1000.0 * elapsed / self.steps
        print(f"Epoch {iteration + 1}/{self.epochs}", file=out)
        if self.verbose == 1:
            print(f"{self.steps}/{self.steps} [==============================] - {elapsed:.0f}s "
                  f"{per_step:.0f}ms/step{self._metrics(logs)}", file=out, flush=True)
        else:
            print(f"{self.steps}/{self.steps} - {elapsed:.0f}s{self._metrics(logs)} - {1000 * elapsed:.0f}ms/epoch"
                  f" - {per_step:.0f}ms/step", file=out, flush=True)
        return False


class History(Callback):
    """Records ``logs`` after every iteration: ``history.history["loss"]`` is a list."""

    def __init__(self):
        self.history = {}
        self.iterations = []

    def on_fit_begin(self, estimator, logs=None):
        self.history = {}
        self.iterations = []

    def on_iteration_end(self, estimator, iteration, logs=None):
        self.iterations.append(iteration)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        return False


class ProgressLogger(Callback):
    """Prints progress to ``stream`` (stderr): the ``verbose=`` implementation.

    verbose=1 prints about ``n_lines`` evenly spaced lines; verbose>=2 prints every iteration.
    """

    def __init__(self, total=None, verbose=1, n_lines=10, stream=None, name="iteration"):
        self.total = total
        self.verbose = verbose
        self.n_lines = n_lines
        self.stream = stream
        self.name = name
        self._start = None

    def _out(self):
        return self.stream if self.stream is not None else sys.stderr

    def on_fit_begin(self, estimator, logs=None):
        self._start = time.perf_counter()

    def on_iteration_end(self, estimator, iteration, logs=None):
        every = 1 if self.verbose >= 2 or not self.total else max(1, self.total // self.n_lines)
        last = self.total is not None and iteration + 1 == self.total
        if (iteration + 1) % every == 0 or iteration == 0 or last:
            parts = " ".join(f"{k}={v:.6g}" for k, v in (logs or {}).items())
            of = f"/{self.total}" if self.total else ""
            elapsed = time.perf_counter() - (self._start or time.perf_counter())
            print(f"[{type(estimator).__name__}] {self.name} {iteration + 1}{of} {parts} ({elapsed:.2f}s)",
                  file=self._out(), flush=True)
        return False


class CallbackList(Callback):
    """Dispatches to several callbacks; stops when any of them asks to."""

    def __init__(self, callbacks=()):
        self.callbacks = [c for c in callbacks if c is not None]

    def on_fit_begin(self, estimator, logs=None):
        for cb in self.callbacks:
            cb.on_fit_begin(estimator, logs)

    def on_iteration_begin(self, estimator, iteration, logs=None):
        for cb in self.callbacks:
            begin = getattr(cb, "on_iteration_begin", None)  # optional in pyml's protocol
            if begin is not None:
                begin(estimator, iteration, logs)

    def on_iteration_end(self, estimator, iteration, logs=None):
        stop = False
        for cb in self.callbacks:
            stop = bool(cb.on_iteration_end(estimator, iteration, logs)) or stop
        return stop

    def on_fit_end(self, estimator, logs=None):
        for cb in self.callbacks:
            cb.on_fit_end(estimator, logs)

    def __bool__(self):
        return bool(self.callbacks)


class IterationHook:
    """Bridge from a compiled loop to the callbacks (see ``_kernel_support.pxd``).

    The C kernel calls ``on_iteration(iteration, loss)`` between iterations
    (after Ctrl-C was checked); an exception raised by a callback is stored in
    ``error`` and re-raised once the kernel has returned.
    """

    def __init__(self, estimator=None, callbacks=None, extra_logs=None):
        self.estimator = estimator
        self.callbacks = callbacks if callbacks is not None else CallbackList()
        self.extra_logs = extra_logs
        self.error = None

    def on_iteration(self, iteration, loss):
        if not self.callbacks:
            return False
        logs = {"loss": loss}
        if self.extra_logs is not None:
            logs.update(self.extra_logs(iteration))
        return bool(self.callbacks.on_iteration_end(self.estimator, iteration, logs))


# at the end: they subclass Callback, defined above
from pyml.utils._keras_callbacks import (  # noqa: E402
    CSVLogger,
    EarlyStopping,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
