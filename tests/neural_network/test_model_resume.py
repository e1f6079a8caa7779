"""A functional Model's .npz keeps the optimiser state and the shuffling generator: training resumes
exactly from the file (issue 13)."""
import numpy as np

from pyml.neural_network import Adam, Dense, Dot, Input, Model, Sequential, l2_normalize, load_model


def _two_tower(seed=0):
    user = Sequential([Dense(8, activation="relu"), Dense(4)], random_state=seed)
    item = Sequential([Dense(8, activation="relu"), Dense(4)], random_state=seed + 1)
    iu, ii = Input(shape=(5,)), Input(shape=(3,))
    model = Model([iu, ii], Dot(axes=1)([l2_normalize(user(iu), axis=1), l2_normalize(item(ii), axis=1)]),
                  random_state=seed)
    model.compile(optimizer=Adam(learning_rate=0.01), loss="mse")
    return model


def test_saved_model_resumes_training_bit_for_bit(tmp_path):
    rng = np.random.default_rng(0)
    xu, xi = rng.normal(size=(96, 5)).astype(np.float32), rng.normal(size=(96, 3)).astype(np.float32)
    y = np.tanh(xu[:, 0] * xi[:, 0]).astype(np.float32)
    straight = _two_tower()
    straight.fit([xu, xi], y, epochs=4, batch_size=16, verbose=0)
    first = _two_tower()
    first.fit([xu, xi], y, epochs=2, batch_size=16, verbose=0)
    resumed = load_model(first.save(tmp_path / "m.npz"))
    assert resumed.optimizer.iterations == first.optimizer.iterations == 12
    resumed.fit([xu, xi], y, epochs=2, batch_size=16, verbose=0)
    for a, b in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(resumed.predict([xu, xi]), straight.predict([xu, xi]))


def test_pickles_record_the_version_and_warn_on_a_mismatch(monkeypatch):
    import pickle
    import warnings

    import pytest

    import pyml
    from pyml.exceptions import InconsistentVersionWarning

    for model in (_two_tower(), Sequential([Input(shape=(3,)), Dense(2)], random_state=0)):
        blob = pickle.dumps(model)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            back = pickle.loads(blob)
        assert "_pyml_version" not in vars(back)
        monkeypatch.setattr(pyml, "__version__", "0.0.1")
        with pytest.warns(InconsistentVersionWarning, match=r"0\.0\.1"):
            pickle.loads(blob)
        monkeypatch.undo()
