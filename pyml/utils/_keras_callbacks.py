"""Keras's training callbacks on pyml's protocol: EarlyStopping, ReduceLROnPlateau,
LearningRateScheduler, ModelCheckpoint, CSVLogger, TerminateOnNaN and LambdaCallback.

Each has Keras's signature, defaults and rule (``keras.callbacks``); each works
with any pyml fit that logs the monitored value, and the learning-rate ones with
any estimator that has an ``optimizer`` (``Sequential``, ``Model``).
Re-exported from :mod:`pyml.utils.callbacks` and
:mod:`pyml.neural_network.callbacks`.
"""
import copy
import csv
import numbers
import os
import pickle

import numpy as np

from pyml.utils.callbacks import Callback

__all__ = ["EarlyStopping", "ReduceLROnPlateau", "LearningRateScheduler", "ModelCheckpoint", "CSVLogger",
           "TerminateOnNaN", "LambdaCallback"]

# Logged values that improve by rising; the other names pyml logs (losses, mse, mae, inertia) fall.
_RISING = ("acc", "auc", "r2", "precision", "recall", "f1", "return")
_FALLING = ("loss", "mse", "mae", "rmse", "inertia", "error")


def _direction(owner, monitor, mode):
    """+1 when ``monitor`` improves by rising, -1 by falling, for Keras's ``mode`` ("auto", "min", "max").

    "auto" reads the name (without "val_"): accuracies, AUC, R², returns rise; losses, errors fall;
    for another name a ValueError asks for ``mode`` (Keras 3 raises too, at the first epoch).
    """
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return 1 if mode == "max" else -1
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if "loss" not in name and any(key in name for key in _RISING):
        return 1
    if any(key in name for key in _FALLING):
        return -1
    raise ValueError(f"{owner}: cannot tell whether monitor={monitor!r} should rise or fall; "
                     "pass mode='max' or mode='min'")


def _improves(sign, min_delta, value, reference):
    """Keras's test, operation for operation (ties at the float level go the same way):
    ``value - min_delta > reference`` for a rising value, ``value + min_delta < reference`` for a falling one."""
    return reference is None or sign * ((value - sign * min_delta) - reference) > 0


def _check_monitor(owner, monitor):
    if not isinstance(monitor, str):
        raise TypeError(f"{owner}: monitor must be the name of a logged value such as 'loss' or 'val_loss', "
                        f"got {monitor!r}")
    return monitor


def _check_count(owner, value, name, what):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{owner}: {name} must be an integer number of {what} >= 0, got {value!r}")
    if value < 0:
        raise ValueError(f"{owner}: {name} must be >= 0 ({what}), got {value}")
    return int(value)


def _check_finite(owner, value, name, what, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a finite number, got {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"{owner}: {name} must be a finite number ({what}), got {value!r}")
    return float(value)


def _logged(owner, monitor, logs):
    value = (logs or {}).get(monitor)
    if value is None:
        raise KeyError(f"{owner} monitors {monitor!r}, which this fit does not log (available: {sorted(logs or {})})")
    return float(value)


def _optimizer(owner, estimator):
    opt = getattr(estimator, "optimizer", None)
    if opt is None or not hasattr(opt, "learning_rate"):
        raise TypeError(f"{owner} changes the optimizer's learning_rate; {type(estimator).__name__} has no "
                        "optimizer (use it with Sequential or Model)")
    return opt


def _set_learning_rate(owner, estimator, lr):
    lr = float(lr)
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"{owner}: the learning rate must be a positive finite number, got {lr!r}")
    _optimizer(owner, estimator).learning_rate = lr
    return lr


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` iterations (Keras's rule).

    An iteration improves when :math:`s \\cdot (v - s \\cdot |min\\_delta|) > s \\cdot best`, with
    :math:`s = +1` when the value should rise (``mode="max"``, or accuracies in ``"auto"``) and
    :math:`-1` when it should fall (losses); i.e. :math:`v < best - |min\\_delta|` for a loss.
    Each iteration without improvement adds one to ``wait``; the fit stops once
    ``wait >= patience`` (``patience=0``: at the first one), never at the first iteration.
    With a ``baseline`` the count is only reset by values better than the baseline too.
    Iterations before ``start_from_epoch`` are ignored.

    With ``restore_best_weights`` the estimator's parameters are put back to those of the best
    iteration at the end of the fit (the estimator provides ``_get_fit_state()`` /
    ``_set_fit_state(state)``).

    Parameters
    ----------
    monitor : str, default="val_loss"
        The key of the fit's logs to watch (``"loss"``, ``"val_loss"``, a metric).
    min_delta : finite float, default=0
    patience : int >= 0, default=0
    verbose : int, default=0
        1 prints the epoch it stopped at and the epoch whose weights it restored.
    mode : {"auto", "min", "max"}, default="auto"
    baseline : float or None, default=None
    restore_best_weights : bool, default=False
    start_from_epoch : int >= 0, default=0

    Attributes
    ----------
    best, best_epoch, wait, stopped_epoch : as Keras's (``stopped_epoch`` is 0 unless it stopped).
    best_, best_iteration_, wait_, stopped_iteration_ : the same (``stopped_iteration_`` None unless it stopped).
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        # checked here, not at the first epoch: a bad patience / min_delta would otherwise never
        # stop the fit (NaN) or stop it at once (-1) without a word
        owner = "EarlyStopping"
        self.monitor = _check_monitor(owner, monitor)
        self.patience = _check_count(owner, patience, "patience", "epochs without improvement before stopping")
        self.min_delta = abs(_check_finite(owner, min_delta, "min_delta",
                                           "the smallest change that counts as an improvement"))
        self.verbose = _check_count(owner, verbose, "verbose", "verbosity")
        self.mode = mode
        self._sign = _direction(owner, monitor, mode)
        self.baseline = _check_finite(owner, baseline, "baseline", "the value to beat", allow_none=True)
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = _check_count(owner, start_from_epoch, "start_from_epoch", "warm-up epochs")

    def on_fit_begin(self, estimator, logs=None):
        self.best = self.best_ = None
        self.best_epoch = self.best_iteration_ = 0
        self.wait = self.wait_ = 0
        self.stopped_epoch, self.stopped_iteration_ = 0, None
        self._best_state = None

    def on_iteration_end(self, estimator, iteration, logs=None):
        value = _logged("EarlyStopping", self.monitor, logs)
        if iteration < self.start_from_epoch:
            return False
        if self.restore_best_weights and self._best_state is None:
            self._best_state = copy.deepcopy(estimator._get_fit_state())
        self.wait += 1
        stop = False
        if _improves(self._sign, self.min_delta, value, self.best):
            self.best, self.best_epoch = value, iteration
            if self.restore_best_weights:
                self._best_state = copy.deepcopy(estimator._get_fit_state())
            if self.baseline is None or _improves(self._sign, self.min_delta, value, self.baseline):
                self.wait = 0
        elif self.wait >= self.patience and iteration > 0:
            self.stopped_epoch = self.stopped_iteration_ = iteration
            stop = True
        self.best_, self.best_iteration_, self.wait_ = self.best, self.best_epoch, self.wait
        return stop

    def on_fit_end(self, estimator, logs=None):
        if self.stopped_iteration_ is not None and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self._best_state is not None:
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            estimator._set_fit_state(self._best_state)


class ReduceLROnPlateau(Callback):
    """Multiply the optimizer's learning rate by ``factor`` after ``patience`` iterations
    without improvement of ``monitor`` (Keras's rule), never below ``min_lr``.

    An iteration improves when :math:`v < best - min\\_delta` (falling values; rising ones
    such as accuracies: :math:`v > best + min\\_delta`). After a reduction, ``cooldown``
    iterations pass before the count starts again. The learning rate used is logged as
    ``"learning_rate"``.

    Parameters
    ----------
    monitor : str, default="val_loss"
    factor : float in (0, 1), default=0.1
    patience : int >= 0, default=10
    verbose : int, default=0
    mode : {"auto", "min", "max"}, default="auto"
    min_delta : finite float, default=1e-4
    cooldown : int >= 0, default=0
    min_lr : float >= 0, default=0.0
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0):
        owner = "ReduceLROnPlateau"
        self.monitor = _check_monitor(owner, monitor)
        self.factor = _check_finite(owner, factor, "factor", "the multiplier of the learning rate")
        if not 0 < self.factor < 1:
            raise ValueError(f"ReduceLROnPlateau: factor must lie in (0, 1) (it lowers the learning rate), "
                             f"got {factor!r}")
        self.patience = _check_count(owner, patience, "patience", "epochs without improvement")
        self.verbose = _check_count(owner, verbose, "verbose", "verbosity")
        self.mode = mode
        self._sign = _direction(owner, monitor, mode)
        self.min_delta = abs(_check_finite(owner, min_delta, "min_delta", "the smallest change that counts"))
        self.cooldown = _check_count(owner, cooldown, "cooldown", "epochs after a reduction")
        self.min_lr = _check_finite(owner, min_lr, "min_lr", "the lowest learning rate")
        if self.min_lr < 0:
            raise ValueError(f"ReduceLROnPlateau: min_lr must be >= 0, got {min_lr!r}")

    def on_fit_begin(self, estimator, logs=None):
        _optimizer("ReduceLROnPlateau", estimator)
        self.best = None
        self.wait = 0
        self.cooldown_counter = 0

    def on_iteration_end(self, estimator, iteration, logs=None):
        opt = _optimizer("ReduceLROnPlateau", estimator)
        if logs is not None:
            logs["learning_rate"] = float(opt.learning_rate)
        value = _logged("ReduceLROnPlateau", self.monitor, logs)
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if _improves(self._sign, self.min_delta, value, self.best):
            self.best, self.wait = value, 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience and float(opt.learning_rate) > np.float32(self.min_lr):
                new_lr = max(float(opt.learning_rate) * self.factor, self.min_lr)
                _set_learning_rate("ReduceLROnPlateau", estimator, new_lr)
                if self.verbose:
                    print(f"Epoch {iteration + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
                self.cooldown_counter, self.wait = self.cooldown, 0
        return False


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate to ``schedule(epoch, lr)`` (or ``schedule(epoch)``)
    before every epoch, as Keras's; the rate used is logged as ``"learning_rate"``.

    Parameters
    ----------
    schedule : callable (epoch: int, lr: float) -> float
        ``epoch`` counts from 0 in each ``fit`` call.
    verbose : int, default=0
    """

    def __init__(self, schedule, verbose=0):
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be a function (epoch, lr) -> lr, got "
                            f"{schedule!r}")
        self.schedule = schedule
        self.verbose = _check_count("LearningRateScheduler", verbose, "verbose", "verbosity")

    def on_fit_begin(self, estimator, logs=None):
        _optimizer("LearningRateScheduler", estimator)

    def on_iteration_begin(self, estimator, iteration, logs=None):
        lr = float(_optimizer("LearningRateScheduler", estimator).learning_rate)
        try:
            new_lr = self.schedule(iteration, lr)
        except TypeError:  # a schedule of the epoch alone (Keras's older form)
            new_lr = self.schedule(iteration)
        if isinstance(new_lr, (bool, np.bool_)) or not isinstance(new_lr, numbers.Real):
            raise TypeError(f"LearningRateScheduler: schedule must return a number, got {new_lr!r}")
        new_lr = _set_learning_rate("LearningRateScheduler", estimator, new_lr)
        if self.verbose:
            print(f"Epoch {iteration + 1}: LearningRateScheduler setting learning rate to {new_lr}.")

    def on_iteration_end(self, estimator, iteration, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(_optimizer("LearningRateScheduler", estimator).learning_rate)
        return False


class ModelCheckpoint(Callback):
    """Save the estimator after every epoch to ``filepath`` (formatted with ``epoch`` counted from 1
    and the logs, e.g. ``"model_{epoch:02d}_{val_loss:.3f}.npz"``), as Keras's.

    With ``save_best_only`` it saves only when ``monitor`` improves on the best value so far
    (and on ``initial_value_threshold``). The file is written by the estimator's ``save``
    (``Sequential``/``Model``: a file :func:`pyml.neural_network.load_model` reads, at exactly
    ``filepath``), else pickled; ``save_weights_only`` writes ``save_weights(path)`` (an .npz of
    the ``get_weights()`` arrays; ``model.load_weights(path)`` reads it back).

    Parameters
    ----------
    filepath : str or os.PathLike
    monitor : str, default="val_loss"
    verbose : int, default=0
    save_best_only : bool, default=False
    save_weights_only : bool, default=False
    mode : {"auto", "min", "max"}, default="auto"
    save_freq : "epoch"
        pyml's fits call back once per epoch; an integer number of batches is not supported.
    initial_value_threshold : float or None, default=None
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        owner = "ModelCheckpoint"
        if not isinstance(filepath, (str, os.PathLike)):
            raise TypeError(f"{owner}: filepath must be a path (str or os.PathLike), got {filepath!r}")
        if save_freq != "epoch":
            raise ValueError(f"{owner}: save_freq must be 'epoch' (pyml's fits call back once per epoch), "
                             f"got {save_freq!r}")
        self.filepath = os.fspath(filepath)
        self.monitor = _check_monitor(owner, monitor)
        self.verbose = _check_count(owner, verbose, "verbose", "verbosity")
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.mode = mode
        self._sign = _direction(owner, monitor, mode)
        self.save_freq = save_freq
        self.initial_value_threshold = _check_finite(owner, initial_value_threshold, "initial_value_threshold",
                                                     "the value a saved model must beat", allow_none=True)

    def on_fit_begin(self, estimator, logs=None):
        if self.save_weights_only and not hasattr(estimator, "get_weights"):
            raise TypeError(f"ModelCheckpoint: save_weights_only needs get_weights(); {type(estimator).__name__} "
                            "has none (use save_weights_only=False)")
        self.best = self.initial_value_threshold

    def on_iteration_end(self, estimator, iteration, logs=None):
        logs = logs or {}
        try:
            path = self.filepath.format(epoch=iteration + 1, **logs)
        except (KeyError, IndexError, ValueError) as exc:
            raise KeyError(f"ModelCheckpoint: filepath {self.filepath!r} names {exc} that this fit does not "
                           f"log (available: epoch, {', '.join(sorted(logs))})") from None
        if self.save_best_only:
            value = _logged("ModelCheckpoint", self.monitor, logs)
            if not _improves(self._sign, 0.0, value, self.best):
                return False
            if self.verbose:
                best = "None" if self.best is None else f"{self.best:.5f}"
                print(f"Epoch {iteration + 1}: {self.monitor} improved from {best} to {value:.5f}, "
                      f"saving model to {path}")
            self.best = value
        elif self.verbose:
            print(f"Epoch {iteration + 1}: saving model to {path}")
        self._save(estimator, path)
        return False

    def _save(self, estimator, path):
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if hasattr(estimator, "save") and not hasattr(estimator, "get_config"):
            estimator.save(path)  # e.g. DQN.save(path), which writes exactly path
            return
        if self.save_weights_only and hasattr(estimator, "save_weights"):
            estimator.save_weights(path)
            return
        with open(path, "wb") as f:  # a file object: Sequential/Model.save do not append ".npz" to it
            if self.save_weights_only:
                np.savez(f, *estimator.get_weights())
            elif hasattr(estimator, "save"):
                estimator.save(f)
            else:
                pickle.dump(estimator, f)


class CSVLogger(Callback):
    """Write one CSV row per epoch to ``filename``: ``epoch`` then the logs' keys in sorted
    order (those of the first epoch, and their "val_" twins when it logged none; a key missing
    is written "NA"), as Keras's.

    Parameters
    ----------
    filename : str or os.PathLike
    separator : str, default=","
    append : bool, default=False
        Append to an existing file (without a second header).
    """

    def __init__(self, filename, separator=",", append=False):
        if not isinstance(filename, (str, os.PathLike)):
            raise TypeError(f"CSVLogger: filename must be a path (str or os.PathLike), got {filename!r}")
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"CSVLogger: separator must be one character, got {separator!r}")
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = bool(append)
        self._file = None

    def on_fit_begin(self, estimator, logs=None):
        header = not (self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0)
        self._file = open(self.filename, "a" if self.append else "w", newline="")
        self._header, self.keys, self._writer = header, None, None

    def on_iteration_end(self, estimator, iteration, logs=None):
        logs = logs or {}
        if self._writer is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += [f"val_{k}" for k in self.keys]  # Keras's columns, "NA" without validation
            self._writer = csv.DictWriter(self._file, fieldnames=["epoch", *self.keys], delimiter=self.sep)
            if self._header:
                self._writer.writeheader()
        self._writer.writerow({"epoch": iteration, **{k: logs.get(k, "NA") for k in self.keys}})
        self._file.flush()
        return False

    def on_fit_end(self, estimator, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = None


class TerminateOnNaN(Callback):
    """Stop the fit once the logged ``loss`` is NaN or infinite (Keras's; pyml checks it after
    every epoch or iteration, where the fit calls back)."""

    def on_iteration_end(self, estimator, iteration, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            print(f"Epoch {iteration + 1}: Invalid loss, terminating training")
            return True
        return False


class LambdaCallback(Callback):
    """Keras's ``LambdaCallback``: plain functions as a callback, ``on_epoch_begin(epoch, logs)``,
    ``on_epoch_end(epoch, logs)``, ``on_train_begin(logs)`` and ``on_train_end(logs)``.

    pyml's fits call back between epochs (each epoch is one compiled call), so Keras's per-batch
    hooks (``on_train_batch_end``, ``on_batch_end``, ...) are a ValueError rather than never called.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 **batch_hooks):
        if batch_hooks:
            raise ValueError(f"LambdaCallback: {', '.join(sorted(batch_hooks))} cannot be called: pyml's fits "
                             "run each epoch in one compiled call and call back between epochs; use "
                             "on_epoch_begin / on_epoch_end")
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_train_begin=on_train_begin,
                     on_train_end=on_train_end)
        for name, fn in hooks.items():
            if fn is not None and not callable(fn):
                raise TypeError(f"LambdaCallback: {name} must be a function, got {fn!r}")
        self._hooks = hooks

    def on_train_begin(self, logs=None):
        if self._hooks["on_train_begin"]:
            self._hooks["on_train_begin"](logs)

    def on_epoch_begin(self, epoch, logs=None):
        if self._hooks["on_epoch_begin"]:
            self._hooks["on_epoch_begin"](epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self._hooks["on_epoch_end"]:
            self._hooks["on_epoch_end"](epoch, logs)

    def on_train_end(self, logs=None):
        if self._hooks["on_train_end"]:
            self._hooks["on_train_end"](logs)
