"""Keras's training callbacks: the rules by hand, Keras's own callbacks (where keras is installed)
fed the same logs, and each one inside a real Sequential fit."""
import csv
import os
import types

import numpy as np
import pytest

from pyml.neural_network import Dense, Sequential, load_model
from pyml.utils.callbacks import (
    CSVLogger,
    EarlyStopping,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TerminateOnNaN,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # keras (where installed) on numpy 2


class _Estimator:
    """What the callbacks touch: an optimizer's learning rate, the fit state, stop_training."""

    def __init__(self, learning_rate=0.1):
        self.optimizer = types.SimpleNamespace(learning_rate=learning_rate)
        self.stop_training = False
        self.state = 0

    def _get_fit_state(self):
        return self.state

    def _set_fit_state(self, state):
        self.state = state

    def get_weights(self):
        return [np.array(self.state)]

    def set_weights(self, weights):
        self.state = int(weights[0])


def _run(callback, values, key="val_loss", estimator=None):
    """Feed one logged value per epoch; (epochs run, learning rates after each epoch, estimator)."""
    est = estimator or _Estimator()
    callback.on_fit_begin(est, {})
    lrs = []
    for epoch, value in enumerate(values):
        est.state = epoch
        stop = callback.on_iteration_end(est, epoch, {key: value})
        lrs.append(est.optimizer.learning_rate)
        if stop:
            break
    callback.on_fit_end(est, {})
    return len(lrs), lrs, est


# -- the rules by hand -------------------------------------------------------------------------

def test_early_stopping_has_keras_defaults_and_rule():
    es = EarlyStopping()
    assert (es.monitor, es.patience, es.min_delta, es.mode, es.baseline) == ("val_loss", 0, 0.0, "auto", None)
    losses = [1.0, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert _run(EarlyStopping(), losses)[0] == 3  # patience 0: stops at the first epoch without improvement
    assert _run(EarlyStopping(patience=2), losses)[0] == 4
    es = EarlyStopping(patience=2)
    _run(es, losses)
    assert (es.best, es.best_epoch, es.stopped_epoch, es.wait) == (0.5, 1, 3, 2)


def test_early_stopping_accuracy_rises_in_auto_mode_and_min_mode_can_be_forced():
    acc = [0.5, 0.7, 0.6, 0.65, 0.9]
    assert _run(EarlyStopping(monitor="val_accuracy", patience=1), acc, "val_accuracy")[0] == 3
    assert _run(EarlyStopping(monitor="val_accuracy", patience=1, mode="min"), acc, "val_accuracy")[0] == 2
    returns = [10.0, 20.0, 30.0]  # DQN's mean_return rises too
    assert _run(EarlyStopping(monitor="mean_return", patience=0), returns, "mean_return")[0] == 3


def test_early_stopping_baseline_start_from_epoch_and_restore():
    # epochs 0-1 improve on the best but not on the baseline 0.1: wait keeps counting through them
    # (an improving epoch never stops the fit), so the first stale epoch stops it
    losses = [1.0, 0.9, 0.95, 0.96, 0.97]
    assert _run(EarlyStopping(patience=2, baseline=0.1), losses)[0] == 3
    assert _run(EarlyStopping(patience=2), losses)[0] == 4
    # the first two epochs are ignored; then 0.6 is the best and 0.7, 0.8 do not improve
    assert _run(EarlyStopping(patience=1, start_from_epoch=2), [5.0, 6.0, 0.6, 0.7, 0.8])[0] == 4
    es = EarlyStopping(patience=2, restore_best_weights=True)
    n, _, est = _run(es, [1.0, 0.4, 0.5, 0.6, 0.7])
    assert n == 4 and est.state == 1  # the state of the best epoch put back


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(mode="up"), ValueError, "mode must be 'auto', 'min' or 'max'"),
    (dict(monitor="val_lr_spread"), ValueError, "cannot tell whether monitor='val_lr_spread'.*mode='max'"),
    (dict(baseline=float("nan")), ValueError, "baseline must be a finite number"),
    (dict(start_from_epoch=-1), ValueError, "start_from_epoch must be >= 0"),
    (dict(verbose="yes"), TypeError, "verbose must be an integer"),
])
def test_early_stopping_rejects_bad_settings(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        EarlyStopping(**kwargs)


def test_reduce_lr_on_plateau_rule():
    cb = ReduceLROnPlateau(factor=0.5, patience=2, min_delta=0.0, cooldown=1, min_lr=0.02)
    n, lrs, _ = _run(cb, [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    # a reduction after every second stale epoch (the cooldown epoch resets the count, then counts);
    # the third is clipped at min_lr
    assert n == 8 and lrs == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02]
    n, lrs, _ = _run(ReduceLROnPlateau(factor=0.1, patience=0, min_lr=0.05), [1.0, 2.0, 3.0])
    assert lrs == [0.1, 0.05, 0.05]  # clipped at min_lr, and no lower
    with pytest.raises(ValueError, match="factor must lie in"):
        ReduceLROnPlateau(factor=1.0)
    with pytest.raises(TypeError, match="has no optimizer"):
        ReduceLROnPlateau().on_fit_begin(object())


def test_terminate_on_nan_and_keras_style_epoch_begin():
    assert _run(TerminateOnNaN(), [1.0, np.nan, 0.5], "loss")[0] == 2
    assert _run(TerminateOnNaN(), [1.0, np.inf, 0.5], "loss")[0] == 2
    est = _Estimator(1.0)
    sched = LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr)
    sched.on_fit_begin(est)
    for epoch in range(3):
        sched.on_iteration_begin(est, epoch)
    assert est.optimizer.learning_rate == 0.25
    old_api = LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))  # Keras's one-argument form
    old_api.on_iteration_begin(est, 3)
    assert est.optimizer.learning_rate == pytest.approx(0.025)
    with pytest.raises(ValueError, match="positive finite"):
        LearningRateScheduler(lambda epoch, lr: -1.0).on_iteration_begin(est, 0)
    with pytest.raises(TypeError, match="schedule must be a function"):
        LearningRateScheduler(0.1)


# -- Keras's own callbacks, fed the same logs -------------------------------------------------

def _keras():
    """keras 3 on its torch backend (its numpy backend needs jax), where both are installed."""
    pytest.importorskip("torch")
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def _keras_run(callback, values, key, lr=0.1):
    model = _Estimator(lr)
    callback.set_model(model)
    callback.on_train_begin({})
    lrs = []
    for epoch, value in enumerate(values):
        model.state = epoch
        callback.on_epoch_end(epoch, {key: value})
        lrs.append(float(model.optimizer.learning_rate))
        if model.stop_training:
            break
    callback.on_train_end({})
    return len(lrs), lrs, model


def _sequences():
    rng = np.random.default_rng(0)
    for _ in range(40):
        trend = np.cumsum(rng.normal(-0.02, 0.05, 30)) + 1.0
        yield np.round(trend, 2).tolist()  # rounding makes ties, where the rules differ most easily


@pytest.mark.parametrize("kwargs", [dict(), dict(patience=3), dict(patience=2, min_delta=0.02),
                                    dict(patience=3, baseline=0.8), dict(patience=2, start_from_epoch=5),
                                    dict(patience=4, mode="max", restore_best_weights=True)])
def test_early_stopping_matches_keras(kwargs):
    keras = _keras()
    for values in _sequences():
        ours = _run(EarlyStopping(**kwargs), values)
        theirs = _keras_run(keras.callbacks.EarlyStopping(**kwargs), values, "val_loss")
        assert ours[0] == theirs[0] and ours[2].state == theirs[2].state, values


@pytest.mark.parametrize("kwargs", [dict(), dict(patience=2, factor=0.5), dict(patience=1, cooldown=2),
                                    dict(patience=2, min_delta=0.03, min_lr=0.01), dict(patience=1, mode="max")])
def test_reduce_lr_on_plateau_matches_keras(kwargs):
    keras = _keras()
    for values in _sequences():
        ours = _run(ReduceLROnPlateau(**kwargs), values)
        theirs = _keras_run(keras.callbacks.ReduceLROnPlateau(**kwargs), values, "val_loss")
        np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)


# -- inside a real fit --------------------------------------------------------------------------

def _model(seed=0):
    model = Sequential([Dense(8, activation="relu"), Dense(1)], random_state=seed)
    model.compile(loss="mse", optimizer="adam")
    return model


def _xy():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3)).astype(np.float32)
    return X, (X @ np.array([1.0, -2.0, 0.5]) + rng.normal(0, 0.3, 200)).astype(np.float32)


class _Snapshots:
    """Records the weights after every epoch (pyml's protocol)."""

    def on_fit_begin(self, estimator, logs=None):
        self.weights = []

    def on_iteration_end(self, estimator, iteration, logs=None):
        self.weights.append([w.copy() for w in estimator.get_weights()])

    def on_fit_end(self, estimator, logs=None):
        pass


def test_model_checkpoint_keeps_the_best_epoch_at_exactly_the_path(tmp_path):
    X, y = _xy()
    snaps = _Snapshots()
    path = tmp_path / "ckpt" / "best.keras"  # any name, the folder made as Keras does
    model = _model()
    history = model.fit(X, y, epochs=8, batch_size=16, validation_split=0.25, verbose=0,
                        callbacks=[ModelCheckpoint(path, save_best_only=True), snaps])
    best = int(np.argmin(history.history["val_loss"]))
    loaded = load_model(path)
    for got, want in zip(loaded.get_weights(), snaps.weights[best]):
        np.testing.assert_array_equal(got, want)
    ModelCheckpoint(tmp_path / "w_{epoch:02d}_{loss:.3f}.npz", save_weights_only=True).on_fit_begin(model)
    model.fit(X, y, epochs=2, batch_size=16, verbose=0,
              callbacks=[ModelCheckpoint(str(tmp_path / "w_{epoch:02d}.npz"), save_weights_only=True)])
    weights = list(np.load(tmp_path / "w_02.npz").values())
    for got, want in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(KeyError, match="names 'val_acc'"):
        model.fit(X, y, epochs=1, verbose=0, callbacks=[ModelCheckpoint(str(tmp_path / "m_{val_acc}.npz"))])
    with pytest.raises(ValueError, match="save_freq must be 'epoch'"):
        ModelCheckpoint(tmp_path / "m.npz", save_freq=10)


def test_csv_logger_writes_the_history(tmp_path):
    X, y = _xy()
    path = tmp_path / "log.csv"
    history = _model().fit(X, y, epochs=3, batch_size=32, validation_split=0.2, verbose=0,
                           callbacks=[CSVLogger(path)])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]
    np.testing.assert_allclose([float(r["val_loss"]) for r in rows], history.history["val_loss"], rtol=1e-12)
    _model().fit(X, y, epochs=2, verbose=0, callbacks=[CSVLogger(path, separator=";", append=True)])
    with open(path) as f:
        lines = f.read().splitlines()
    # appended without a second header; no validation: Keras's val_ columns hold NA
    assert len(lines) == 6 and lines[0] == "epoch,loss,val_loss" and lines[-1].endswith(";NA")


def test_reduce_lr_on_plateau_lowers_the_rate_a_fit_uses():
    X, y = _xy()
    model = _model()
    history = model.fit(X, y, epochs=6, batch_size=32, verbose=0,
                        callbacks=[ReduceLROnPlateau(monitor="loss", patience=0, factor=0.5, min_delta=10.0)])
    # no epoch improves by 10: the rate halves after each epoch from the second on
    assert model.optimizer.learning_rate == pytest.approx(0.001 * 0.5 ** 5)
    assert len(history.history["loss"]) == 6


def test_lambda_callback_is_called_as_keras_calls_it():
    from pyml.utils.callbacks import LambdaCallback

    X, y = _xy()
    calls = []
    cb = LambdaCallback(on_train_begin=lambda logs: calls.append("begin"),
                        on_epoch_begin=lambda epoch, logs: calls.append(("epoch", epoch)),
                        on_epoch_end=lambda epoch, logs: calls.append(("end", epoch, sorted(logs))),
                        on_train_end=lambda logs: calls.append("finish"))
    _model().fit(X, y, epochs=2, verbose=0, validation_split=0.25, callbacks=[cb])
    assert calls == ["begin", ("epoch", 0), ("end", 0, ["loss", "val_loss"]), ("epoch", 1),
                     ("end", 1, ["loss", "val_loss"]), "finish"]
    with pytest.raises(ValueError, match="on_train_batch_end cannot be called"):
        LambdaCallback(on_train_batch_end=lambda batch, logs: None)
    with pytest.raises(TypeError, match="on_epoch_end must be a function"):
        LambdaCallback(on_epoch_end=3)


def test_per_batch_hooks_are_reported_not_skipped_silently():
    from pyml.utils.callbacks import Callback as PymlCallback

    class BatchCounter(PymlCallback):
        def on_train_batch_end(self, batch, logs=None):
            pass

    class KerasStyle:
        def on_epoch_end(self, epoch, logs=None):
            pass

        def on_batch_end(self, batch, logs=None):
            pass

    X, y = _xy()
    for cb, hook in ((BatchCounter(), "on_train_batch_end"), (KerasStyle(), "on_batch_end")):
        with pytest.warns(UserWarning, match=f"defines {hook}, which pyml never calls"):
            _model().fit(X, y, epochs=1, verbose=0, callbacks=[cb])


def test_lambda_callback_calls_equal_keras():
    keras = _keras()
    from pyml.utils.callbacks import LambdaCallback

    X, y = _xy()
    seen = {"ours": [], "theirs": []}

    def recorder(key, module):
        log = seen[key]
        return module(on_train_begin=lambda logs: log.append("begin"),
                      on_epoch_begin=lambda epoch, logs: log.append(("epoch", epoch)),
                      on_epoch_end=lambda epoch, logs: log.append(("end", epoch, sorted(logs))),
                      on_train_end=lambda logs: log.append("finish"))

    _model().fit(X, y, epochs=3, verbose=0, validation_split=0.25, callbacks=[recorder("ours", LambdaCallback)])
    kmodel = keras.Sequential([keras.Input((3,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    kmodel.compile(loss="mse", optimizer="adam")
    kmodel.fit(X, y, epochs=3, verbose=0, validation_split=0.25,
               callbacks=[recorder("theirs", keras.callbacks.LambdaCallback)])
    assert seen["ours"] == seen["theirs"]
