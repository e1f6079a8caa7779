"""Keras-like API: course networks, training, persistence and error messages."""
import io
import os
import pathlib
import pickle

import numpy as np
import pytest

from pyml.datasets import load_digits, make_coffee_roasting
from pyml.neural_network import (
    L2, SGD, Adam, BinaryCrossentropy, Dense, EarlyStopping, Input, MeanSquaredError, Sequential,
    SparseCategoricalCrossentropy, dense, load_model, relu, sequential, sigmoid, softmax,
)

COURSE = os.environ.get("PYML_COURSE_DATA") or str(pathlib.Path(__file__).resolve().parents[2].parent / "shared" / "course-data")


def test_activations_match_formulas():
    z = np.array([-800.0, -1.0, 0.0, 2.0, 800.0])
    np.testing.assert_allclose(sigmoid(z), [0.0, 1 / (1 + np.e), 0.5, 1 / (1 + np.exp(-2.0)), 1.0], atol=1e-300)
    np.testing.assert_array_equal(relu(z), np.maximum(z, 0))
    s = softmax(np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_allclose(s, np.exp([1, 2, 3, 4]) / np.exp([1, 2, 3, 4]).sum())
    assert np.isfinite(softmax(np.array([1000.0, 0.0]))).all()


def test_coffee_data_matches_course_generator():
    X, y = make_coffee_roasting()
    assert X.shape == (200, 2) and y.shape == (200, 1)
    rng = np.random.default_rng(2)  # the lab's load_coffee_data, written out
    Xr = rng.random(400).reshape(-1, 2)
    Xr[:, 1] = Xr[:, 1] * 4 + 11.5
    Xr[:, 0] = Xr[:, 0] * (285 - 150) + 150
    np.testing.assert_array_equal(X, Xr)
    t, d = X[:, 0], X[:, 1]
    rule = (t > 175) & (t < 260) & (d > 12) & (d < 15) & (d <= -3 / 85 * t + 21)
    np.testing.assert_array_equal(y.ravel(), rule)


def _coffee_norm():
    X, _ = make_coffee_roasting()
    return X.mean(axis=0), X.std(axis=0)  # Keras Normalization: population variance


def test_course_coffee_network_fixed_weights():
    """C2 W1 lab 'Coffee roasting in NumPy': fixed weights, two test roasts -> [1, 0]."""
    W1 = np.array([[-8.93, 0.29, 12.9], [-0.1, -7.32, 10.81]])
    b1 = np.array([-9.82, -9.28, 0.96])
    W2 = np.array([[-31.18], [-27.59], [-32.56]])
    b2 = np.array([15.41])
    mu, sd = _coffee_norm()
    X_tst = (np.array([[200, 13.9], [200, 17]]) - mu) / sd
    p = sequential(X_tst, W1, b1, W2, b2)
    ref = 1 / (1 + np.exp(-((1 / (1 + np.exp(-(X_tst @ W1 + b1)))) @ W2 + b2)))
    np.testing.assert_allclose(p, ref, rtol=1e-12)
    np.testing.assert_array_equal((p >= 0.5).astype(int).ravel(), [1, 0])
    # one example at a time, as the lab's my_dense loops
    a1 = dense(X_tst[0], W1, b1, sigmoid)
    np.testing.assert_allclose(dense(a1, W2, b2, sigmoid), p[0])
    # same through the Keras-like model with set_weights
    model = Sequential([Input(shape=(2,)), Dense(3, activation="sigmoid", name="layer1"),
                        Dense(1, activation="sigmoid", name="layer2")], dtype="float64")
    model.set_weights([W1, b1, W2, b2])
    np.testing.assert_allclose(model.predict(X_tst), p, rtol=1e-12)
    np.testing.assert_array_equal(model.get_layer("layer1").get_weights()[0], W1)
    # decisions over the whole roast grid agree with the course's NumPy pass
    X, y = make_coffee_roasting()
    Xn = (X - mu) / sd
    np.testing.assert_array_equal(model.predict(Xn) >= 0.5, sequential(Xn, W1, b1, W2, b2) >= 0.5)
    assert np.mean((model.predict(Xn) >= 0.5) == y) > 0.95


def test_coffee_network_trains():
    X, y = make_coffee_roasting()
    mu, sd = _coffee_norm()
    Xn = np.tile((X - mu) / sd, (50, 1))
    Yt = np.tile(y, (50, 1))
    model = Sequential([Input(shape=(2,)), Dense(3, activation="sigmoid"), Dense(1, activation="sigmoid")],
                       random_state=1234)
    model.compile(loss=BinaryCrossentropy(), optimizer=Adam(learning_rate=0.01), metrics=["accuracy"])
    h = model.fit(Xn, Yt, epochs=10, verbose=0)
    assert len(h.history["loss"]) == 10 and h.history["loss"][-1] < h.history["loss"][0]
    assert h.history["accuracy"][-1] > 0.9


@pytest.fixture(scope="module")
def digits():
    Xtr, ytr = load_digits(split="train", return_X_y=True)
    Xte, yte = load_digits(split="test", return_X_y=True)
    return Xtr / 16.0, ytr, Xte / 16.0, yte


def test_digits_softmax_network_reaches_95(digits):
    Xtr, ytr, Xte, yte = digits
    model = Sequential([Input(shape=(64,)), Dense(25, activation="relu", name="L1"),
                        Dense(15, activation="relu", name="L2"), Dense(10, activation="linear", name="L3")],
                       random_state=0)
    model.compile(loss=SparseCategoricalCrossentropy(from_logits=True), optimizer=Adam(learning_rate=0.001),
                  metrics=["accuracy"])
    h = model.fit(Xtr, ytr, epochs=40, verbose=0, validation_data=(Xte, yte))
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    logits = model.predict(Xte)
    acc = np.mean(np.argmax(logits, axis=1) == yte)
    assert acc >= 0.95
    loss, acc2 = model.evaluate(Xte, yte)
    np.testing.assert_allclose(acc2, acc)
    np.testing.assert_allclose(loss, h.history["val_loss"][-1], rtol=1e-6)
    # predict = softmax of logits via the course function
    np.testing.assert_allclose(softmax(logits).sum(axis=1), 1, rtol=1e-5)


def test_zero_one_digits_sigmoid(digits):
    Xtr, ytr, Xte, yte = digits
    tr, te = ytr < 2, yte < 2
    model = Sequential([Input(shape=(64,)), Dense(25, activation="sigmoid"), Dense(15, activation="sigmoid"),
                        Dense(1, activation="sigmoid")], random_state=0)
    model.compile(loss=BinaryCrossentropy(), optimizer=Adam(0.001))
    model.fit(Xtr[tr], ytr[tr], epochs=20, verbose=0)
    assert np.mean((model.predict(Xte[te]).ravel() >= 0.5) == yte[te]) > 0.98


def _fit_small(n_jobs, dtype="float32", optimizer=None):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 12))
    y = rng.integers(0, 4, 200)
    model = Sequential([Input(shape=(12,)), Dense(20, activation="relu", kernel_regularizer=L2(0.01)),
                        Dense(9, activation="tanh"), Dense(4, activation="softmax")], random_state=7,
                       n_jobs=n_jobs, dtype=dtype)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer or Adam(0.01))
    model.fit(X, y, epochs=5, batch_size=16, verbose=0)
    return model


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_identical_weights_1_and_2_threads(dtype):
    a, b = _fit_small(1, dtype), _fit_small(2, dtype)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        assert wa.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(wa, wb)


def test_sgd_momentum_trains():
    m = _fit_small(1, optimizer=SGD(learning_rate=0.05, momentum=0.9))
    assert m.optimizer.iterations == 5 * 13


def test_save_load_round_trip(tmp_path):
    model = _fit_small(1)
    path = model.save(tmp_path / "net")
    assert path.endswith(".npz")
    loaded = load_model(path)
    for wa, wb in zip(model.get_weights(), loaded.get_weights()):
        assert wa.dtype == wb.dtype
        np.testing.assert_array_equal(wa, wb)
    X = np.random.default_rng(0).normal(size=(30, 12))
    np.testing.assert_array_equal(model.predict(X), loaded.predict(X))
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    assert loaded.layers[0].l2 == 0.01 and loaded.loss.kind == model.loss.kind
    buf = io.BytesIO()
    model.save(buf)
    buf.seek(0)
    np.testing.assert_array_equal(load_model(buf).predict(X), model.predict(X))
    m2 = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(m2.predict(X), model.predict(X))


def test_summary_and_weights_api():
    model = Sequential([Input(shape=(400,)), Dense(25, activation="relu"), Dense(15, activation="relu"),
                        Dense(10, activation="linear")], name="my_model")
    model.build()
    text = model.summary(print_fn=None)
    assert "10025" in text and "390" in text and "160" in text and "Total params: 10575" in text
    W1, b1 = model.layers[0].get_weights()
    assert W1.shape == (400, 25) and b1.shape == (25,) and np.all(b1 == 0)
    limit = np.sqrt(6 / (400 + 25))
    assert np.abs(W1).max() <= limit and W1.std() > limit / 3  # Glorot uniform
    with pytest.raises(ValueError, match="kernel"):
        model.layers[0].set_weights([np.zeros((3, 25)), np.zeros(25)])


def test_early_stopping_restores_best():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5))
    y = X @ rng.normal(size=5)
    model = Sequential([Input(shape=(5,)), Dense(30, activation="relu"), Dense(1)], random_state=0)
    model.compile(loss=MeanSquaredError(), optimizer=Adam(0.05))
    stop = EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    h = model.fit(X, y, epochs=300, validation_split=0.3, callbacks=[stop], verbose=0)
    assert len(h.history["loss"]) < 300
    best = min(h.history["val_loss"])
    np.testing.assert_allclose(model.evaluate(X[42:], y[42:]), best, rtol=1e-5)


def test_train_on_batch_gathered_outputs():
    rng = np.random.default_rng(0)
    q = Sequential([Input(shape=(8,)), Dense(16, activation="relu"), Dense(4)], random_state=0, dtype="float64")
    q.compile(loss="mse", optimizer=Adam(1e-3))
    X = rng.normal(size=(64, 8))
    actions = rng.integers(0, 4, 64)
    before = q.predict(X)
    target = before[np.arange(64), actions] + 1.0
    loss = q.train_on_batch(X, target, cols=actions)
    np.testing.assert_allclose(loss, 1.0)


def test_errors_are_clear():
    with pytest.raises(ValueError, match="unknown activation"):
        Dense(3, activation="swish")
    model = Sequential([Input(shape=(4,)), Dense(3, activation="relu"), Dense(2)])
    with pytest.raises(ValueError, match="unknown loss"):
        model.compile(loss="hinge")
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(np.zeros((3, 4)), np.zeros(3))
    model.compile(loss=SparseCategoricalCrossentropy(from_logits=True))
    with pytest.raises(ValueError, match="4 features|input shape"):
        model.fit(np.zeros((3, 5)), np.zeros(3), verbose=0)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 1\]"):
        model.fit(np.zeros((3, 4)), np.array([0, 1, 2]), verbose=0)
    X = np.zeros((3, 4))
    X[1, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(X, np.zeros(3), verbose=0)
    with pytest.raises(ValueError, match="samples"):
        model.fit(np.zeros((3, 4)), np.zeros(4), verbose=0)
    with pytest.raises(ValueError, match="softmax"):
        Sequential([Dense(3, activation="softmax"), Dense(2)])
    m2 = Sequential([Input(shape=(4,)), Dense(2, activation="sigmoid")])
    m2.compile(loss="binary_crossentropy")
    with pytest.raises(ValueError, match="do not match"):
        m2.fit(np.zeros((3, 4)), np.zeros((3, 3)), verbose=0)


@pytest.mark.skipif(not os.path.exists(os.path.join(COURSE, "c2w1-nn-digits", "y.npy")),
                    reason="course data not available")
def test_course_digit_labels_layout():
    y = np.load(os.path.join(COURSE, "c2w1-nn-digits", "y.npy"))
    assert y.shape == (5000, 1) and np.all(np.bincount(y.ravel()) == 500)


def test_soft_update_models():
    from pyml.neural_network import soft_update

    a = Sequential([Input(shape=(3,)), Dense(4, activation="relu"), Dense(2)], random_state=0).build()
    b = Sequential([Input(shape=(3,)), Dense(4, activation="relu"), Dense(2)], random_state=1).build()
    wa, wb = a.get_weights(), b.get_weights()
    soft_update(b, a, 0.25)
    for new, x, y in zip(b.get_weights(), wa, wb):
        np.testing.assert_allclose(new, np.float32(0.25) * x + np.float32(0.75) * y, rtol=1e-6)
    with pytest.raises(ValueError):
        soft_update(b, a, 1.5)


def test_interrupt_from_callback_leaves_model_usable():
    from pyml.utils.callbacks import Callback

    class Stop(Callback):
        def on_iteration_end(self, estimator, iteration, logs=None):
            if iteration == 1:
                raise KeyboardInterrupt
            return False

    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4))
    model = Sequential([Input(shape=(4,)), Dense(5, activation="relu"), Dense(1)], random_state=0)
    model.compile(loss="mse", optimizer="adam")
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, X[:, 0], epochs=10, callbacks=[Stop()], verbose=0)
    assert model.optimizer.iterations == 2 * 2  # two epochs of two batches ran
    assert np.isfinite(model.predict(X)).all()


def test_npz_keeps_optimiser_state_and_training_resumes_exactly(tmp_path):
    from pyml.neural_network import Adam, Dense, Input, Sequential, load_model

    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 5)).astype(np.float32)
    y = (X @ rng.standard_normal(5)).astype(np.float32)
    m = Sequential([Input(shape=(5,)), Dense(8, activation="relu"), Dense(1)], random_state=0)
    m.compile(loss="mse", optimizer=Adam(0.01))
    m.fit(X, y, epochs=2, batch_size=32, verbose=0)
    path = m.save(tmp_path / "m")
    back = load_model(path)
    assert back.optimizer.iterations == m.optimizer.iterations
    m.fit(X, y, epochs=2, batch_size=32, verbose=0)
    back.fit(X, y, epochs=2, batch_size=32, verbose=0)
    for a, b in zip(m.get_weights(), back.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_input_first_builds_weights_at_construction_like_keras():
    from pyml.neural_network import Dense, Input, Sequential

    m = Sequential([Input(shape=(400,)), Dense(25, activation="sigmoid"), Dense(15, activation="sigmoid"),
                    Dense(1, activation="sigmoid")], random_state=0)
    assert [l.count_params() for l in m.layers] == [10_025, 390, 16]     # the C2 W1 lab's summary
    W1, b1 = m.layers[0].get_weights()
    assert W1.shape == (400, 25) and b1.shape == (25,)
    lazy = Sequential([Dense(25, activation="sigmoid"), Dense(15, activation="sigmoid"),
                       Dense(1, activation="sigmoid")], random_state=0).build((400,))
    for a, b in zip(m.get_weights(), lazy.get_weights()):   # same draws whether built early or late
        np.testing.assert_array_equal(a, b)
