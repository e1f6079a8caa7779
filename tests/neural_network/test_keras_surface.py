"""The Keras names the labs use: namespaces, layer attributes, Normalization, to_categorical,
fit(verbose=1|2) output and Keras-style callbacks."""
import pickle
import re

import numpy as np
import pytest

import pyml.neural_network as nn
from pyml.neural_network import (Normalization, Sequential, activations, callbacks, layers, losses, optimizers,
                                 regularizers, to_categorical)


def _model(**kw):
    return Sequential([layers.Input(shape=(4,)), layers.Dense(3, activation="relu", name="L1"),
                       layers.Dense(1, activation="sigmoid", name="L2")], random_state=0, **kw)


def _data(n=64):
    X = np.random.default_rng(0).normal(size=(n, 4)).astype(np.float32)
    return X, (X[:, 0] > 0).astype(np.float32)


def test_namespaces_hold_the_keras_names():
    assert layers.Dense is nn.Dense and layers.Input is nn.Input and layers.Normalization is Normalization
    assert losses.BinaryCrossentropy is nn.BinaryCrossentropy and losses.MeanSquaredError is nn.MeanSquaredError
    assert losses.SparseCategoricalCrossentropy is nn.SparseCategoricalCrossentropy
    assert optimizers.Adam is nn.Adam and optimizers.SGD is nn.SGD
    assert callbacks.EarlyStopping is nn.EarlyStopping
    assert regularizers.l2(0.1).l2 == 0.1 and isinstance(regularizers.l2(0.1), regularizers.L2)
    assert activations.get("relu") is nn.relu and activations.get(None) is nn.linear
    with pytest.raises(ValueError, match="unknown activation"):
        activations.get("swish")


def test_layer_attributes_like_keras():
    model = _model()
    l1 = model.get_layer("L1")
    assert l1.activation == activations.relu and l1.activation is nn.relu
    assert model.layers[1].activation == nn.sigmoid and l1.activation_name == "relu"
    assert l1.weights[0] is l1.kernel and l1.weights[1] is l1.bias and l1.kernel.shape == (4, 3)
    assert model.input.shape == (None, 4) and model.output.shape == (None, 1) and l1.output.shape == (None, 3)
    assert layers.Dense(2, input_dim=5).input_shape == (5,)
    with pytest.raises(ValueError, match="not both"):
        layers.Dense(2, input_dim=5, input_shape=(5,))
    model.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss=losses.BinaryCrossentropy())
    assert model.optimizer.learning_rate == 0.01
    l1.activation = "tanh"  # assignable by name or function, as the functional constructor does
    assert l1.activation is nn.tanh
    with pytest.raises(ValueError, match="unknown activation"):
        layers.Dense(2, activation="swish")


def test_dense_pickled_before_the_activation_property_still_loads():
    layer = layers.Dense(2, activation="relu")
    state = layer.__dict__.copy()
    state["activation"] = state.pop("activation_name")  # the old attribute layout
    old = layers.Dense.__new__(layers.Dense)
    old.__setstate__(state)
    assert old.activation is nn.relu
    assert pickle.loads(pickle.dumps(layer)).activation is nn.relu


def test_to_categorical_equals_identity_rows():
    y = np.array([0, 2, 1, 2])
    np.testing.assert_array_equal(to_categorical(y), np.eye(3, dtype=np.float32)[y])
    assert to_categorical(y, num_classes=5).shape == (4, 5) and to_categorical(y).dtype == np.float32
    np.testing.assert_array_equal(to_categorical(y.reshape(-1, 1).astype(float)), np.eye(3)[y])
    for bad, match in (([0, -1], ">= 0"), ([0.5, 1], "integer"), ([[0, 1], [1, 0]], "vector")):
        with pytest.raises(ValueError, match=match):
            to_categorical(bad)
    with pytest.raises(ValueError, match="num_classes=2"):
        to_categorical(y, num_classes=2)


def test_normalization_equals_the_keras_formula():
    X = np.random.default_rng(1).normal([200.0, 13.0], [20.0, 1.5], size=(300, 2))
    X[:, 1][:5] = 7.0
    norm = Normalization(axis=-1)
    norm.adapt(X)
    np.testing.assert_allclose(norm.mean, X.mean(axis=0))
    np.testing.assert_allclose(norm.variance, X.var(axis=0))
    out = norm(X)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, (X - X.mean(0)) / X.std(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(Normalization(mean=norm.mean, variance=norm.variance, invert=True)(out), X,
                               rtol=1e-5)
    const = Normalization().adapt(np.ones((4, 1)))
    np.testing.assert_array_equal(const(np.array([[1.0], [1.0 + 1e-7]])), [[0.0], [1.0]])  # std floored at 1e-7
    assert [w.shape for w in norm.get_weights()[:2]] == [(2,), (2,)] and norm.get_weights()[2] == 300
    with pytest.raises(ValueError, match="adapt"):
        Normalization()(X)
    with pytest.raises(ValueError, match="features"):
        norm(X[:, :1])
    with pytest.raises(ValueError, match="NaN|finite"):
        Normalization().adapt([[np.nan]])
    with pytest.raises(ValueError, match="axis"):
        Normalization(axis=0)


def test_normalization_as_the_first_layer(tmp_path):
    X, y = _data(128)
    X = X * 50 + 200
    norm = Normalization()
    norm.adapt(X)
    model = Sequential([norm, layers.Dense(3, activation="sigmoid"), layers.Dense(1, activation="sigmoid")],
                       random_state=0)
    plain = Sequential([layers.Dense(3, activation="sigmoid"), layers.Dense(1, activation="sigmoid")],
                       random_state=0)
    for m in (model, plain):
        m.compile(loss="binary_crossentropy", optimizer=optimizers.Adam(learning_rate=0.01))
    model.fit(X, y, epochs=5, verbose=0)
    plain.fit(norm(X), y, epochs=5, verbose=0)
    np.testing.assert_array_equal(model.predict(X), plain.predict(norm(X)))
    assert model.count_params() == plain.count_params() + 2 * 4 + 1
    text = model.summary(print_fn=None)
    assert "(Normalization)" in text and "Non-trainable params: 9" in text
    path = model.save(tmp_path / "m.npz")
    back = nn.load_model(path)
    np.testing.assert_array_equal(back.predict(X), model.predict(X))
    with pytest.raises(ValueError, match="before the first Dense"):
        Sequential([layers.Dense(2), Normalization()])


def test_fit_verbose_prints_what_keras_prints(capsys):
    # not a TTY (pytest's capture): Keras 3's final bar line once per epoch
    X, y = _data()
    model = _model()
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(X, y, epochs=2, batch_size=32, verbose=1)
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 4 and "\r" not in out and "\x1b" not in out
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and err == ""
    assert re.fullmatch(r"2/2 \u2501{20} \d+s \d+(us|ms|s)/step - loss: \d\.\d{4} - accuracy: \d\.\d{4}", lines[1])
    model.fit(X, y, epochs=1, batch_size=16, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"4/4 - \d+s - \d+(us|ms|s)/step - loss: \d\.\d{4} - accuracy: \d\.\d{4}", lines[1])
    model.fit(X, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


def test_keras_style_callbacks():
    X, y = _data()
    seen = []

    class Plain:  # duck-typed, only Keras's method names
        def on_train_begin(self, logs=None):
            seen.append("begin")

        def on_epoch_end(self, epoch, logs=None):
            seen.append((epoch, round(logs["loss"], 6)))
            if epoch == 2:
                self.model.stop_training = True

    class Sub(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(("sub", epoch))

        def on_train_end(self, logs=None):
            seen.append("end")

    model = _model()
    model.compile(loss="binary_crossentropy", optimizer="adam")
    history = model.fit(X, y, epochs=10, verbose=0, callbacks=[Plain(), Sub()])
    assert len(history.history["loss"]) == 3
    assert seen[0] == "begin" and seen[-1] == "end"
    assert [s for s in seen if isinstance(s, tuple) and s[0] == "sub"] == [("sub", 0), ("sub", 1), ("sub", 2)]
    assert [s[1] for s in seen if isinstance(s, tuple) and s[0] != "sub"] == \
        [round(v, 6) for v in history.history["loss"]]
    with pytest.raises(TypeError, match="on_epoch_end"):
        model.fit(X, y, epochs=1, verbose=0, callbacks=[object()])
