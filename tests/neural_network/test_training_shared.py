"""What Sequential and Model share through pyml/neural_network/_training.py: the epoch loop's
begin-of-epoch callbacks (a learning-rate schedule as Keras runs it), the all-or-nothing
set_weights, and the binding's checks (an empty batch in dense_backward, target rows)."""
import numpy as np
import pytest

from pyml.neural_network import SGD, Dense, Input, Model, Sequential
from pyml.neural_network import _nn_kernels as _k


class _Schedule:
    """Keras-style: sets the learning rate at the start of each epoch (only Keras's method names)."""

    def __init__(self, rates):
        self.rates, self.seen = rates, []

    def on_epoch_begin(self, epoch, logs=None):
        self.seen.append(epoch)
        self.model.optimizer.learning_rate = self.rates[epoch]


def _data():
    r = np.random.default_rng(3)
    X = r.normal(size=(64, 4))
    return X, X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.3


def _sequential():
    return Sequential([Input(shape=(4,)), Dense(6, activation="tanh"), Dense(1)], dtype="float64", random_state=0)


def _model():
    inp = Input(shape=(4,))
    return Model(inp, Dense(1)(Dense(6, activation="tanh")(inp)), dtype="float64", random_state=0)


@pytest.mark.parametrize("make", [_sequential, _model])
def test_epoch_begin_callback_sets_the_rate_each_epoch_uses(make):
    X, y = _data()
    rates = [0.1, 0.01, 0.001]
    # reference: one epoch per fit, the rate set by hand before each (same generator stream)
    ref = make().compile(loss="mse", optimizer=SGD(1.0))
    for lr in rates:
        ref.optimizer.learning_rate = lr
        ref.fit(X, y, epochs=1, batch_size=16, verbose=0)
    model = make().compile(loss="mse", optimizer=SGD(1.0))
    sched = _Schedule(rates)
    history = model.fit(X, y, epochs=3, batch_size=16, verbose=0, callbacks=[sched])
    assert sched.seen == [0, 1, 2]
    assert len(history.history["loss"]) == 3
    for w, w_ref in zip(model.get_weights(), ref.get_weights()):
        np.testing.assert_array_equal(w, w_ref)


@pytest.mark.parametrize("make", [_sequential, _model])
def test_set_weights_is_all_or_nothing(make):
    model = make()
    before = model.get_weights()
    bad = [w.copy() + 1 for w in before]
    bad[-2] = np.ones((7, 1))  # the last kernel's shape is wrong: nothing may change
    with pytest.raises(ValueError):
        model.set_weights(bad)
    for w, w0 in zip(model.get_weights(), before):
        np.testing.assert_array_equal(w, w0)
    with pytest.raises(ValueError, match="expected 4 arrays, got 3"):
        model.set_weights(before[:3])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_backward_empty_batch_names_the_input(dtype):
    W = np.ones((3, 2), dtype=dtype)
    A = np.zeros((0, 2), dtype=dtype)
    with pytest.raises(ValueError, match=r"dense_backward: X has 0 rows \(samples\)"):
        _k.dense_backward(np.zeros((0, 3), dtype=dtype), W, A, A, 0, 0.0, True, 1)
    # one row works and gives the closed form dW = x^T dA, db = dA, dX = dA W^T (linear activation)
    x, g = np.array([[1.0, 2.0, 3.0]], dtype=dtype), np.array([[0.5, -1.0]], dtype=dtype)
    dW, db, dX = _k.dense_backward(x, W, x @ W, g, 0, 0.0, True, 1)
    np.testing.assert_allclose(dW, x.T @ g)
    np.testing.assert_allclose(db, g[0])
    np.testing.assert_allclose(dX, g @ W.T)


def test_training_kernels_check_target_rows():
    X, y = _data()
    seq = _sequential().compile(loss="mse", optimizer="sgd")
    specs = seq._specs(training=True)
    perm = np.arange(64, dtype=np.int64)
    with pytest.raises(ValueError, match="targets and X have different numbers of rows"):
        _k.mlp_train_epoch(specs, 0, False, seq.optimizer._params(), X, y[:10].reshape(-1, 1), None, perm, 16, 1)
    with pytest.raises(ValueError, match="sample weights and X have different numbers of rows"):
        _k.mlp_train_epoch(specs, 0, False, seq.optimizer._params(), X, y.reshape(-1, 1), None, perm, 16, 1,
                           None, np.ones(3))
    model = _model().compile(loss="mse", optimizer="sgd")
    nodes, specs = model._nodes(), model._specs(training=True)
    with pytest.raises(ValueError, match="targets and inputs have different numbers of rows"):
        _k.graph_gradient(nodes, specs, 0, False, [X], y[:10].reshape(-1, 1), None, 1)
    with pytest.raises(ValueError, match="targets do not match the output width"):
        _k.graph_gradient(nodes, specs, 0, False, [X], np.ones((64, 2)), None, 1)
    with pytest.raises(ValueError, match="labels and inputs have different numbers of rows"):
        _k.graph_train_epoch(nodes, specs, 3, True, model.optimizer._params(), [X], None,
                             np.zeros(5, dtype=np.int32), perm, 16, 1)


def test_validation_split_rows_pass_through_normalization_once():
    from pyml.neural_network import Normalization

    r = np.random.default_rng(0)
    X = r.normal(5.0, 3.0, size=(100, 3))  # far from zero mean / unit variance: a double pass shows
    y = X.sum(axis=1)
    norm = Normalization()
    norm.adapt(X)
    model = Sequential([norm, Dense(1)], dtype="float64", random_state=0)
    model.compile(loss="mse", optimizer=SGD(1e-300))  # weights stay put: val_loss is the start's
    history = model.fit(X, y, epochs=1, validation_split=0.2, verbose=0)
    Z = (X[80:] - norm.mean) / np.sqrt(norm.variance) @ model.get_weights()[0] + model.get_weights()[1]
    want = np.mean((Z.ravel() - y[80:]) ** 2)  # NumPy reference on the raw held-out rows
    assert history.history["val_loss"][0] == pytest.approx(want, rel=1e-7)  # 165.5 when normalised twice
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(X[80:], y[80:]), rel=1e-12)
