"""pyml's Sequential against Keras 3 itself (torch backend, where keras and torch are installed):
the same layers and starting weights give the same predictions, and the same fit (no shuffling)
gives the same weights and the same per-epoch losses."""
import os

import numpy as np
import pytest

from pyml.neural_network import Dense, LeakyReLU, Normalization, Sequential, losses, optimizers, regularizers

torch = pytest.importorskip("torch")
os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
if keras.backend.backend() != "torch":
    pytest.skip("these references run keras on its torch backend", allow_module_level=True)
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # keras on numpy 2's copy keyword


def _data(task, n=200, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    score = X @ rng.normal(size=d) + 0.3 * rng.normal(size=n)
    if task == "regression":
        return X, score.astype(np.float32)
    if task == "binary":
        return X, (score > 0).astype(np.float32)
    return X, np.digitize(score, np.quantile(score, [0.33, 0.66])).astype(np.int64)


def _twins(hidden, out_units, out_activation, l2=None, leaky=False):
    """A pyml Sequential and a Keras Sequential with the same layers and the same starting weights."""
    reg = (lambda: regularizers.l2(l2)) if l2 else (lambda: None)
    kreg = (lambda: keras.regularizers.l2(l2)) if l2 else (lambda: None)
    ours, theirs = [], [keras.Input((5,))]
    for units in hidden:
        act = None if leaky else "relu"
        ours.append(Dense(units, activation=act, kernel_regularizer=reg()))
        theirs.append(keras.layers.Dense(units, activation=act, kernel_regularizer=kreg()))
        if leaky:
            ours.append(LeakyReLU(negative_slope=0.1))
            theirs.append(keras.layers.LeakyReLU(negative_slope=0.1))
    ours.append(Dense(out_units, activation=out_activation))
    theirs.append(keras.layers.Dense(out_units, activation=out_activation))
    model, kmodel = Sequential(ours, random_state=0), keras.Sequential(theirs)
    model.build((None, 5))
    kmodel.set_weights(model.get_weights())
    return model, kmodel


@pytest.mark.parametrize("out_activation", ["linear", "sigmoid", "softmax", "tanh"])
@pytest.mark.parametrize("leaky", [False, True])
def test_predictions_equal_keras(out_activation, leaky):
    X, _ = _data("regression")
    model, kmodel = _twins((16, 8), 3, out_activation, leaky=leaky)
    np.testing.assert_allclose(model.predict(X), kmodel.predict(X, verbose=0), rtol=1e-5, atol=1e-6)


def test_normalization_layer_equals_keras():
    X, _ = _data("regression")
    X = X * np.array([1.0, 10.0, 0.1, 100.0, 1.0], dtype=np.float32) + 3.0
    ours, theirs = Normalization(axis=-1), keras.layers.Normalization(axis=-1)
    ours.adapt(X)
    theirs.adapt(X)
    np.testing.assert_allclose(ours(X), keras.ops.convert_to_numpy(theirs(X)), rtol=1e-5, atol=1e-5)


_CASES = {
    "mse-adam": ("regression", 1, "linear", "mse", lambda: optimizers.Adam(0.01), lambda: keras.optimizers.Adam(0.01)),
    "bce-logits-sgd-momentum": ("binary", 1, "linear", losses.BinaryCrossentropy(from_logits=True),
                                lambda: optimizers.SGD(0.05, momentum=0.9),
                                lambda: keras.optimizers.SGD(0.05, momentum=0.9)),
    "bce-sigmoid-adam": ("binary", 1, "sigmoid", "binary_crossentropy", lambda: optimizers.Adam(0.01),
                         lambda: keras.optimizers.Adam(0.01)),
    "sparse-logits-nesterov": ("multiclass", 3, "linear",
                               losses.SparseCategoricalCrossentropy(from_logits=True),
                               lambda: optimizers.SGD(0.05, momentum=0.5, nesterov=True),
                               lambda: keras.optimizers.SGD(0.05, momentum=0.5, nesterov=True)),
    "sparse-softmax-adam": ("multiclass", 3, "softmax", "sparse_categorical_crossentropy",
                            lambda: optimizers.Adam(0.005), lambda: keras.optimizers.Adam(0.005)),
}


def _keras_loss(loss):
    if isinstance(loss, str):
        return loss
    cls = {"BinaryCrossentropy": keras.losses.BinaryCrossentropy,
           "SparseCategoricalCrossentropy": keras.losses.SparseCategoricalCrossentropy}[type(loss).__name__]
    return cls(from_logits=loss.from_logits)


def _fit_both(case, l2=None, sample_weight=False, epochs=3, batch_size=32, metrics=None, validation_split=0.0):
    task, units, act, loss, opt, kopt = _CASES[case]
    X, y = _data(task)
    sw = np.random.default_rng(1).uniform(0.2, 2.0, len(y)).astype(np.float32) if sample_weight else None
    model, kmodel = _twins((16, 8), units, act, l2=l2)
    model.compile(loss=loss, optimizer=opt(), metrics=metrics)
    kmodel.compile(loss=_keras_loss(loss), optimizer=kopt(), metrics=metrics)
    kwargs = dict(epochs=epochs, batch_size=batch_size, shuffle=False, verbose=0, sample_weight=sw,
                  validation_split=validation_split)
    ours, theirs = model.fit(X, y, **kwargs), kmodel.fit(X, y, **kwargs)
    if metrics or validation_split:
        return model, kmodel, ours.history, theirs.history
    return model, kmodel, ours.history["loss"], theirs.history["loss"]


@pytest.mark.parametrize("case", sorted(_CASES))
def test_fit_equals_keras_fit(case):
    # 200 rows in batches of 32: six full batches and one of 8, as Keras cuts them
    model, kmodel, ours, theirs = _fit_both(case)
    for got, want in zip(model.get_weights(), kmodel.get_weights()):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(ours, theirs, rtol=2e-4)


def test_l2_penalty_and_sample_weights_equal_keras():
    model, kmodel, ours, theirs = _fit_both("mse-adam", l2=0.01, sample_weight=True)
    for got, want in zip(model.get_weights(), kmodel.get_weights()):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(ours, theirs, rtol=2e-4)


@pytest.mark.parametrize("case, metrics", [("sparse-softmax-adam", ["accuracy"]), ("mse-adam", ["mae", "mse"]),
                                           ("bce-sigmoid-adam", ["accuracy"])])
def test_metrics_and_validation_equal_keras(case, metrics):
    # the training metrics as Keras reports them: the running mean over the epoch's batches, each row's
    # output taken before its batch's update; the validation ones at the end of the epoch
    model, kmodel, ours, theirs = _fit_both(case, metrics=metrics, validation_split=0.2, sample_weight=True)
    assert sorted(ours) == sorted(theirs)
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=2e-4, atol=1e-6, err_msg=key)


def test_evaluate_equals_keras():
    model, kmodel, _, _ = _fit_both("sparse-softmax-adam", epochs=1)
    X, y = _data("multiclass", seed=3)
    np.testing.assert_allclose(model.evaluate(X, y), kmodel.evaluate(X, y, verbose=0), rtol=1e-5)


def test_two_tower_functional_model_equals_keras():
    """The content-based lab's network (smaller towers): the same fit gives the same towers."""
    from pyml.neural_network import Adam, Dot, Input, MeanSquaredError, Model, l2_normalize

    rng = np.random.default_rng(0)
    user = rng.normal(size=(300, 6)).astype(np.float32)
    item = rng.normal(size=(300, 7)).astype(np.float32)
    y = np.tanh(user[:, :1] * item[:, :1] + 0.3 * user[:, 1:2]).astype(np.float32)

    def towers(seq, dense, input_, normalize, dot, model_cls):
        user_nn = seq([dense(16, activation="relu"), dense(8)])
        item_nn = seq([dense(16, activation="relu"), dense(8)])
        input_user, input_item = input_((6,)), input_((7,))
        vu, vm = normalize(user_nn(input_user)), normalize(item_nn(input_item))
        return user_nn, item_nn, model_cls([input_user, input_item], dot([vu, vm]))

    user_nn, item_nn, model = towers(lambda layers: Sequential(layers, random_state=0), Dense,
                                     lambda shape: Input(shape=shape), lambda v: l2_normalize(v, axis=1),
                                     Dot(axes=1), Model)
    kuser_nn, kitem_nn, kmodel = towers(keras.Sequential, keras.layers.Dense, lambda shape: keras.Input(shape),
                                        keras.layers.UnitNormalization(axis=1), keras.layers.Dot(axes=1),
                                        keras.Model)
    kuser_nn.set_weights(user_nn.get_weights())
    kitem_nn.set_weights(item_nn.get_weights())
    np.testing.assert_allclose(model.predict([user, item]), kmodel.predict([user, item], verbose=0),
                               rtol=1e-5, atol=1e-6)
    model.compile(optimizer=Adam(learning_rate=0.01), loss=MeanSquaredError())
    kmodel.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss=keras.losses.MeanSquaredError())
    ours = model.fit([user, item], y, epochs=3, batch_size=32, shuffle=False, verbose=0)
    theirs = kmodel.fit([user, item], y, epochs=3, batch_size=32, shuffle=False, verbose=0)
    for got, want in zip(user_nn.get_weights() + item_nn.get_weights(),
                         kuser_nn.get_weights() + kitem_nn.get_weights()):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(ours.history["loss"], theirs.history["loss"], rtol=2e-4)
