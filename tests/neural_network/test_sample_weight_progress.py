"""sample_weight in MLPClassifier / MLPRegressor (scikit-learn's normalisation) and
Sequential.fit (Keras's), and the Keras 3 progress bar of fit(verbose=1) in and out
of a terminal."""
import io
import re
import sys
import warnings

import numpy as np
import pytest

from pyml.neural_network import SGD, Dense, Input, MLPClassifier, MLPRegressor, Sequential
from pyml.neural_network._progress import KerasProgressBar


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X @ [1.0, 2.0, 3.0] + rng.normal(size=40)
    w = rng.integers(0, 4, size=40)
    return X, y, w


def _fit(est, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # ConvergenceWarning of the short fits
        return est.fit(*args, **kw)


def _reg(**kw):
    return MLPRegressor(hidden_layer_sizes=(5,), batch_size=1000, max_iter=15, random_state=0, **kw)


def test_integer_weights_equal_repeated_rows_full_batch(data):
    X, y, w = data
    a = _fit(_reg(), X, y, sample_weight=w)
    b = _fit(_reg(), np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-10)
    # scaling every weight changes nothing (each batch is divided by its weight sum), and
    # a zero weight removes the row
    c = _fit(_reg(), X, y, sample_weight=3.5 * w)
    np.testing.assert_allclose(a.predict(X), c.predict(X), rtol=1e-10, atol=1e-12)
    keep = w > 0
    d = _fit(_reg(), X[keep], y[keep], sample_weight=w[keep])
    np.testing.assert_allclose(a.predict(X), d.predict(X), rtol=1e-10, atol=1e-12)
    # unit weights (a number too) are the unweighted fit, bit for bit
    e, f = _fit(_reg(), X, y), _fit(_reg(), X, y, sample_weight=1.0)
    np.testing.assert_array_equal(e.predict(X), f.predict(X))


def test_classifier_weighted_loss_matches_sklearn_log_loss(data):
    metrics = pytest.importorskip("sklearn.metrics")
    X, y, w = data
    labels = (y > 0).astype(int)
    # a vanishing step: the first epoch's full-batch loss is the initial network's weighted log loss,
    # the objective scikit-learn's MLP minimises with sample_weight (its weighted average)
    clf = _fit(MLPClassifier(hidden_layer_sizes=(4,), batch_size=1000, max_iter=1, learning_rate=1e-12,
                             random_state=0), X, labels, sample_weight=w)
    expected = metrics.log_loss(labels, clf.predict_proba(X), sample_weight=w)
    assert clf.loss_curve_[0] == pytest.approx(expected, rel=1e-9)
    mini = _fit(MLPClassifier(hidden_layer_sizes=(4,), batch_size=8, max_iter=3, random_state=0), X, labels,
                sample_weight=w)
    assert mini.n_iter_ == 3 and np.isfinite(mini.loss_curve_).all()


def test_mlp_sample_weight_errors(data):
    X, y, w = data
    for bad, msg in ((-w, ">= 0"), (w[:5], "shape"), (np.zeros(40), "zero everywhere"),
                     (np.r_[np.nan, w[1:]], "NaN")):
        with pytest.raises(ValueError, match=msg):
            _reg().fit(X, y, sample_weight=bad)
    with pytest.raises(ValueError, match=">= 0"):
        MLPClassifier().fit(X, y > 0, sample_weight=-w)


def test_sequential_sample_weight_keras_semantics(data):
    # Keras: L = (1/n) sum_i w_i l_i (divided by the batch size, not the weight sum)
    X, y, w = data
    lr = 0.05
    m = Sequential([Input(shape=(3,)), Dense(1)], dtype="float64", random_state=0)
    m.compile(loss="mse", optimizer=SGD(learning_rate=lr))
    W0, b0 = m.get_weights()
    h = m.fit(X, y, epochs=1, batch_size=40, shuffle=False, verbose=0, sample_weight=w)
    r = X @ W0[:, 0] + b0[0] - y
    np.testing.assert_allclose((W0[:, 0] - m.get_weights()[0][:, 0]) / lr, X.T @ (2 * w * r) / 40, rtol=1e-9)
    np.testing.assert_allclose((b0 - m.get_weights()[1]) / lr, [np.sum(2 * w * r) / 40], rtol=1e-9)
    assert h.history["loss"][0] == pytest.approx(np.mean(w * r * r), rel=1e-12)
    with pytest.raises(ValueError, match="sample_weight"):
        m.fit(X, y, sample_weight=np.ones(3), verbose=0)


# ---- progress bar ---------------------------------------------------------------------------------

class _Tty(io.StringIO):
    def isatty(self):
        return True


def _model():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(64, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.float32)
    m = Sequential([Input(shape=(4,)), Dense(3, activation="relu"), Dense(1, activation="sigmoid")], random_state=0)
    m.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return m, X, y


BAR_LINE = (r"2/2 \x1b\[1m\u2501{20}\x1b\[0m\x1b\[2m\x1b\[0m \d+s \d+(us|ms|s)/step"
            r" - loss: \d\.\d{4} - accuracy: \d\.\d{4}")


def test_progress_bar_redraws_in_a_terminal(monkeypatch):
    m, X, y = _model()
    out = _Tty()
    monkeypatch.setattr(sys, "stdout", out)
    m.fit(X, y, epochs=2, batch_size=32, verbose=1)
    text = out.getvalue()
    lines = text.split("\n")
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and lines[-1] == ""
    # each epoch: the empty bar drawn at its start, then redrawn in place (\r) when it ends
    start, end = lines[1].split("\r")
    assert re.fullmatch(r"0/2 \x1b\[1m\x1b\[0m\x1b\[2m\u2501{20}\x1b\[0m 0s", start)
    assert re.fullmatch(BAR_LINE + r" *", end)
    assert len(end) >= len(start)         # the old line is fully overwritten
    assert lines[3].count("\r") == 1


def test_progress_bar_one_line_per_epoch_when_not_a_tty(monkeypatch):
    m, X, y = _model()
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    m.fit(X, y, epochs=3, batch_size=32, verbose=1)
    lines = out.getvalue().splitlines()
    assert len(lines) == 6 and "\r" not in out.getvalue() and "\x1b" not in out.getvalue()
    for k in range(3):
        assert lines[2 * k] == f"Epoch {k + 1}/3"
        assert re.fullmatch(r"2/2 \u2501{20} \d+s \d+(us|ms|s)/step - loss: \d\.\d{4} - accuracy: \d\.\d{4}",
                            lines[2 * k + 1])
    # the logged loss is the epoch's loss
    h = m.fit(X, y, epochs=1, verbose=1)
    assert f"loss: {h.history['loss'][0]:.4f}" in out.getvalue().splitlines()[-1]


def test_progress_bar_functional_model_and_step_units(monkeypatch):
    from pyml.neural_network import Model

    inp = Input(shape=(4,))
    model = Model(inp, Dense(1)(inp), random_state=0)
    model.compile(loss="mse", optimizer="adam")
    out = _Tty()
    monkeypatch.setattr(sys, "stdout", out)
    model.fit(np.ones((10, 4)), np.ones(10), epochs=1, batch_size=5, verbose=1)
    assert out.getvalue().startswith("Epoch 1/1\n0/2 ") and "\r2/2 " in out.getvalue()
    from pyml.neural_network._progress import _format_step

    assert (_format_step(2.5), _format_step(0.0123), _format_step(4e-5)) == ("2s/step", "12ms/step", "40us/step")
    bar = KerasProgressBar(5, 0, verbose=2, stream=io.StringIO())
    assert bar.steps == 1


def test_functional_model_sample_weight_keras_semantics(data):
    from pyml.neural_network import Model

    X, y, w = data
    lr = 0.05
    inp = Input(shape=(3,))
    m = Model(inp, Dense(1)(inp), dtype="float64", random_state=0)
    m.compile(loss="mse", optimizer=SGD(learning_rate=lr))
    W0, b0 = m.get_weights()
    h = m.fit(X, y, epochs=1, batch_size=40, shuffle=False, verbose=0, sample_weight=w)
    r = X @ W0[:, 0] + b0[0] - y
    np.testing.assert_allclose((W0[:, 0] - m.get_weights()[0][:, 0]) / lr, X.T @ (2 * w * r) / 40, rtol=1e-9)
    assert h.history["loss"][0] == pytest.approx(np.mean(w * r * r), rel=1e-12)
    # the same model as a Sequential, trained on mini-batches with weights: the same numbers
    s = Sequential([Input(shape=(3,)), Dense(1)], dtype="float64")
    s.set_weights([W0, b0])
    s.compile(loss="mse", optimizer=SGD(learning_rate=lr))
    m.set_weights([W0, b0])
    hs = s.fit(X, y, epochs=2, batch_size=8, shuffle=False, verbose=0, sample_weight=w)
    hm = m.fit(X, y, epochs=2, batch_size=8, shuffle=False, verbose=0, sample_weight=w)
    np.testing.assert_allclose(hs.history["loss"], hm.history["loss"], rtol=1e-12)
    with pytest.raises(ValueError, match=">= 0"):
        m.fit(X, y, sample_weight=-w, verbose=0)
