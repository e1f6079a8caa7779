"""Keras's fit / evaluate arguments on Sequential and Model: class_weight, initial_epoch, weighted
validation data, evaluate(sample_weight=, return_dict=), save_weights / load_weights,
predict_on_batch / test_on_batch; against Keras 3 itself where keras and torch are installed."""
import os

import numpy as np
import pytest

from pyml.neural_network import Dense, Input, Model, Sequential, callbacks, losses, optimizers

# keras (where installed) warns about numpy 2's copy keyword on its torch backend
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _data(n=200, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    y = (X @ rng.normal(size=d) + 0.5 * rng.normal(size=n) > 0.8).astype(np.int64)  # imbalanced
    return X, y


def _model(kind="sequential", units=2, seed=0):
    if kind == "sequential":
        model = Sequential([Dense(8, activation="relu"), Dense(units)], random_state=seed)
        model.build((None, 5))
    else:
        inp = Input(shape=(5,))
        model = Model(inp, Dense(units)(Dense(8, activation="relu")(inp)))
    model.compile(loss=losses.SparseCategoricalCrossentropy(from_logits=True), optimizer=optimizers.Adam(0.01),
                  metrics=["accuracy"])
    return model


def _same_weights(a, b):
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("kind", ["sequential", "model"])
def test_class_weight_is_a_sample_weight_per_class(kind):
    X, y = _data()
    a, b = _model(kind), _model(kind)
    b.set_weights(a.get_weights())
    ha = a.fit(X, y, epochs=2, batch_size=32, shuffle=False, verbose=0, class_weight={0: 1.0, 1: 4.0})
    hb = b.fit(X, y, epochs=2, batch_size=32, shuffle=False, verbose=0, sample_weight=np.where(y == 1, 4.0, 1.0))
    _same_weights(a, b)
    assert ha.history["loss"] == hb.history["loss"]
    with pytest.raises(ValueError, match="class_weight.*class 1"):
        _model(kind).fit(X, y, epochs=1, verbose=0, class_weight={0: 1.0})
    with pytest.raises(ValueError, match="class_weight"):
        _model(kind).fit(X, y, epochs=1, verbose=0, class_weight={0: 1.0, 1: -2.0})


@pytest.mark.parametrize("kind", ["sequential", "model"])
def test_initial_epoch_numbers_the_epochs_as_keras(kind):
    X, y = _data()
    seen = []

    class Record(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(epoch)

    history = _model(kind).fit(X, y, epochs=5, initial_epoch=2, verbose=0, callbacks=[Record()])
    assert history.epoch == [2, 3, 4] and seen == [2, 3, 4] and len(history.history["loss"]) == 3
    with pytest.raises(ValueError, match="initial_epoch"):
        _model(kind).fit(X, y, epochs=2, initial_epoch=-1, verbose=0)


@pytest.mark.parametrize("kind", ["sequential", "model"])
def test_weighted_validation_data_and_evaluate(kind):
    X, y = _data()
    sw = np.random.default_rng(2).uniform(0.5, 2.0, len(y))
    model = _model(kind)
    history = model.fit(X[:150], y[:150], epochs=1, verbose=0, validation_data=(X[150:], y[150:], sw[150:]))
    weighted = model.evaluate(X[150:], y[150:], sample_weight=sw[150:], return_dict=True)
    assert set(weighted) == {"loss", "accuracy"}
    assert history.history["val_loss"][-1] == pytest.approx(weighted["loss"], rel=1e-6)
    assert history.history["val_accuracy"][-1] == pytest.approx(weighted["accuracy"], rel=1e-6)
    plain = model.evaluate(X[150:], y[150:], return_dict=True)
    assert plain["loss"] != pytest.approx(weighted["loss"])
    assert plain["accuracy"] == weighted["accuracy"]  # Keras's compile(metrics=) are unweighted
    assert model.evaluate(X[150:], y[150:]) == pytest.approx([plain["loss"], plain["accuracy"]])
    # the weighted loss: sum_i w_i loss_i / n, from the per-row losses of one-row evaluations
    rows = np.array([model.evaluate(X[i:i + 1], y[i:i + 1])[0] for i in range(150, 200)])
    assert weighted["loss"] == pytest.approx(np.dot(sw[150:], rows) / 50, rel=1e-5)


@pytest.mark.parametrize("kind", ["sequential", "model"])
def test_save_weights_load_weights_round_trip(kind, tmp_path):
    X, y = _data()
    model = _model(kind)
    model.fit(X, y, epochs=1, verbose=0)
    path = tmp_path / "net.weights.npz"
    model.save_weights(path)
    other = _model(kind, seed=7)
    other.load_weights(path)
    _same_weights(model, other)
    np.testing.assert_array_equal(other.predict(X), model.predict(X))
    with pytest.raises(ValueError, match="do not fit"):
        _model(kind, units=3).load_weights(path)


@pytest.mark.parametrize("kind", ["sequential", "model"])
def test_on_batch_methods(kind):
    X, y = _data()
    model = _model(kind)
    np.testing.assert_array_equal(model.predict_on_batch(X[:10]), model.predict(X[:10]))
    loss, acc = model.test_on_batch(X, y)
    assert [loss, acc] == pytest.approx(model.evaluate(X, y))


def _keras():
    pytest.importorskip("torch")
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("the reference runs keras on its torch backend")
    return keras


def test_class_weight_and_weighted_validation_equal_keras():
    keras = _keras()
    X, y = _data()
    sw = np.random.default_rng(2).uniform(0.5, 2.0, len(y)).astype(np.float32)
    model = _model()
    kmodel = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)])
    kmodel.set_weights(model.get_weights())
    kmodel.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                   optimizer=keras.optimizers.Adam(0.01), metrics=["accuracy"])
    kwargs = dict(epochs=2, batch_size=32, shuffle=False, verbose=0, class_weight={0: 1.0, 1: 4.0},
                  validation_data=(X[150:], y[150:], sw[150:]))
    ours = model.fit(X[:150], y[:150], **kwargs).history
    theirs = kmodel.fit(X[:150], y[:150], **kwargs).history
    for got, want in zip(model.get_weights(), kmodel.get_weights()):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5)
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(ours[key], theirs[key], rtol=2e-4, err_msg=key)
    got = model.evaluate(X, y, sample_weight=sw, return_dict=True)
    want = kmodel.evaluate(X, y, sample_weight=sw, return_dict=True, verbose=0)
    assert got["loss"] == pytest.approx(want["loss"], rel=1e-5)
    assert got["accuracy"] == pytest.approx(want["accuracy"], rel=1e-5)


def test_learning_rate_callbacks_equal_keras():
    """A schedule before each epoch and a plateau rule after it change the rate the next epochs
    use; the history records it as "learning_rate", as Keras's does."""
    keras = _keras()
    X, y = _data()
    model = _model()
    kmodel = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)])
    kmodel.set_weights(model.get_weights())
    kmodel.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                   optimizer=keras.optimizers.Adam(0.01), metrics=["accuracy"])

    def schedule(epoch, lr):
        return lr if epoch < 2 else lr * 0.5

    def fit(m, cbs):
        return m.fit(X, y, epochs=5, batch_size=32, shuffle=False, verbose=0, validation_split=0.2,
                     callbacks=[cbs.LearningRateScheduler(schedule),
                                cbs.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=0, min_delta=0.05)])

    ours, theirs = fit(model, callbacks).history, fit(kmodel, keras.callbacks).history
    assert sorted(ours) == sorted(theirs) and "learning_rate" in ours
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=2e-4, atol=1e-7, err_msg=key)
    for got, want in zip(model.get_weights(), kmodel.get_weights()):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5)


def test_keras_defaults_for_verbose_and_batch_size(capsys):
    X, y = _data()
    a, b = _model(), _model()
    a.fit(X, y, epochs=1, batch_size=None, verbose=0)  # None: Keras's 32
    b.fit(X, y, epochs=1, batch_size=32, verbose=0)
    _same_weights(a, b)
    capsys.readouterr()
    _model().fit(X, y, epochs=1, verbose="auto")  # "auto": the progress bar of verbose=1
    auto = capsys.readouterr().out
    _model().fit(X, y, epochs=1, verbose=1)
    assert "━" in auto and auto.splitlines()[0] == capsys.readouterr().out.splitlines()[0] == "Epoch 1/1"
    with pytest.raises(ValueError, match="verbose must be"):
        _model().fit(X, y, epochs=1, verbose="loud")


@pytest.mark.parametrize("kind", ["sequential", "model"])
def test_weighted_metrics(kind, tmp_path):
    X, y = _data()
    sw = np.random.default_rng(3).uniform(0.1, 3.0, len(y))
    model = _model(kind)
    model.compile(loss=losses.SparseCategoricalCrossentropy(from_logits=True), optimizer=optimizers.Adam(0.01),
                  metrics=["accuracy"], weighted_metrics=["accuracy", "mse"])
    model.fit(X, y, epochs=1, verbose=0, sample_weight=sw)
    got = model.evaluate(X, y, sample_weight=sw, return_dict=True)
    assert list(got) == ["loss", "accuracy", "weighted_accuracy", "mse"]
    correct = (np.argmax(model.predict(X), axis=1) == y).astype(float)
    assert got["accuracy"] == pytest.approx(correct.mean())
    assert got["weighted_accuracy"] == pytest.approx(np.dot(sw, correct) / sw.sum())
    assert model.evaluate(X, y, return_dict=True)["weighted_accuracy"] == pytest.approx(correct.mean())
    # the compile settings travel with the model file
    if kind == "sequential":
        from pyml.neural_network import load_model

        path = model.save(tmp_path / "m")
        assert load_model(path).evaluate(X, y, sample_weight=sw, return_dict=True) == pytest.approx(got)


def test_weighted_metrics_equal_keras():
    keras = _keras()
    X, y = _data()
    sw = np.random.default_rng(2).uniform(0.5, 2.0, len(y)).astype(np.float32)
    model = _model()
    model.compile(loss=losses.SparseCategoricalCrossentropy(from_logits=True), optimizer=optimizers.Adam(0.01),
                  metrics=["accuracy"], weighted_metrics=["accuracy"])
    kmodel = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)])
    kmodel.set_weights(model.get_weights())
    kmodel.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                   optimizer=keras.optimizers.Adam(0.01), metrics=["accuracy"], weighted_metrics=["accuracy"])
    kwargs = dict(epochs=2, batch_size=32, shuffle=False, verbose=0, sample_weight=sw,
                  validation_data=(X[150:], y[150:], sw[150:]))
    ours = model.fit(X[:150], y[:150], **{**kwargs, "sample_weight": sw[:150]}).history
    theirs = kmodel.fit(X[:150], y[:150], **{**kwargs, "sample_weight": sw[:150]}).history
    assert sorted(ours) == sorted(theirs)
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=2e-4, err_msg=key)
    got = model.evaluate(X, y, sample_weight=sw, return_dict=True)
    want = kmodel.evaluate(X, y, sample_weight=sw, return_dict=True, verbose=0)
    assert got == pytest.approx(want, rel=1e-5)


def test_keras_model_attributes():
    from pyml.neural_network import Normalization

    X, y = _data()
    norm = Normalization()
    norm.adapt(X)
    seq = Sequential([norm, Dense(4, activation="relu"), Dense(2)], random_state=0)
    seq.build((None, 5))
    assert seq.trainable and not seq.stop_training
    assert [w.shape for w in seq.trainable_weights] == [(5, 4), (4,), (4, 2), (2,)]
    assert [w.shape for w in seq.non_trainable_weights] == [(5,), (5,)]
    assert len(seq.weights) == 6 and seq.weights[0] is norm.mean
    seq.trainable_weights[-1][...] = 7.0  # the arrays themselves, as Keras's variables
    assert np.all(seq.get_weights()[-1] == 7.0)
    assert seq.inputs[0].shape == (None, 5) and seq.outputs[0].shape == (None, 2) and seq.output_shape == (None, 2)
    model = _model("model")
    assert model.input is model.inputs[0] and model.output is model.outputs[0]
    assert model.input_shape == (None, 5) and model.output_shape == (None, 2)
    assert [w.shape for w in model.weights] == [(5, 8), (8,), (8, 2), (2,)] and model.non_trainable_weights == []
