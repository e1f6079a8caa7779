"""The callback protocol shared by every iterative fit in pyml.

An iterative fit (gradient descent, neural-network epochs, boosting rounds,
collaborative filtering, DQN) calls, in order::

    on_fit_begin(estimator, logs)
    on_iteration_end(estimator, iteration, logs) -> bool   # True asks to stop
    ...
    on_fit_end(estimator, logs)

``logs`` is a dict of floats (``"loss"``, and ``"val_loss"`` or metrics
where the fit computes them). ``verbose`` output, the recorded history and
early stopping are all implementations of this protocol.

Compiled loops (the whole gradient-descent run happens inside C) call back
through :class:`IterationHook` between iterations, which also checks for
Ctrl-C, so a long fit can always be interrupted.
"""
import copy
import sys
import time

import numpy as np

__all__ = ["Callback", "History", "ProgressLogger", "EarlyStopping", "CallbackList", "IterationHook"]


class Callback:
    """Base class: override any of the three methods."""

    def on_fit_begin(self, estimator, logs=None):
        """Called once before the first iteration."""

    def on_iteration_end(self, estimator, iteration, logs=None):
        """Called after each iteration; return True to stop the fit."""
        return False

    def on_fit_end(self, estimator, logs=None):
        """Called once after the last iteration."""


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


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` iterations.

    With ``restore_best_weights`` the estimator's parameters are put back to
    those of the best iteration at the end (the estimator provides
    ``_get_fit_state()`` / ``_set_fit_state(state)``).
    """

    def __init__(self, monitor="loss", patience=5, min_delta=0.0, restore_best_weights=False):
        self.monitor = monitor
        self.patience = patience
        self.min_delta = min_delta
        self.restore_best_weights = restore_best_weights

    def on_fit_begin(self, estimator, logs=None):
        self.best_ = np.inf
        self.best_iteration_ = -1
        self.wait_ = 0
        self.stopped_iteration_ = None
        self._best_state = None

    def on_iteration_end(self, estimator, iteration, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None:
            raise KeyError(f"EarlyStopping monitors {self.monitor!r}, which this fit does not log "
                           f"(available: {sorted(logs or {})})")
        if value < self.best_ - self.min_delta:
            self.best_, self.best_iteration_, self.wait_ = float(value), iteration, 0
            if self.restore_best_weights:
                self._best_state = copy.deepcopy(estimator._get_fit_state())
            return False
        self.wait_ += 1
        if self.wait_ >= self.patience:
            self.stopped_iteration_ = iteration
            return True
        return False

    def on_fit_end(self, estimator, logs=None):
        if self.restore_best_weights and self._best_state is not None:
            estimator._set_fit_state(self._best_state)


class CallbackList(Callback):
    """Dispatches to several callbacks; stops when any of them asks to."""

    def __init__(self, callbacks=()):
        self.callbacks = [c for c in callbacks if c is not None]

    def on_fit_begin(self, estimator, logs=None):
        for cb in self.callbacks:
            cb.on_fit_begin(estimator, logs)

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
