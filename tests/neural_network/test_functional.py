"""Functional Model (Course 3 content-based two-tower lab): graph, gradients, training, persistence, errors."""
import pickle

import numpy as np
import pytest

from pyml.neural_network import (
    Adam, Concatenate, Dense, Dot, EarlyStopping, Input, L2Normalize, MeanSquaredError, Model, SGD, Sequential,
    SparseCategoricalCrossentropy, l2_normalize, load_model, set_seed,
)


def lab_model(n_user=14, n_item=16, widths=(256, 128, 32), seed=1, n_jobs=None, dtype=None):
    """The lab's network, code as in the notebook (only imports changed)."""
    set_seed(seed)
    user_NN = Sequential([Dense(widths[0], activation="relu"), Dense(widths[1], activation="relu"),
                          Dense(widths[2])])
    item_NN = Sequential([Dense(widths[0], activation="relu"), Dense(widths[1], activation="relu"),
                          Dense(widths[2])])
    input_user = Input(shape=(n_user,))
    vu = l2_normalize(user_NN(input_user), axis=1)
    input_item = Input(shape=(n_item,))
    vm = l2_normalize(item_NN(input_item), axis=1)
    output = Dot(axes=1)([vu, vm])
    model = Model([input_user, input_item], output, n_jobs=n_jobs, dtype=dtype)
    return model, user_NN, item_NN, input_item, vm


def synthetic(n=400, seed=0, n_user=14, n_item=16):
    rng = np.random.default_rng(seed)
    U = rng.normal(size=(n, n_user))
    I = rng.normal(size=(n, n_item))
    y = np.tanh(0.8 * U[:, :1] * I[:, :1] + 0.3 * U[:, 1:2] - 0.2 * I[:, 2:3])
    return U, I, y


def test_lab_network_parameters_and_summary():
    model, user_NN, item_NN, _, _ = lab_model()
    assert model.count_params() == 82_240
    assert user_NN.count_params() == 14 * 256 + 256 + 256 * 128 + 128 + 128 * 32 + 32 == 40_864
    assert item_NN.count_params() == 41_376
    text = model.summary(print_fn=None)
    assert "Total params: 82,240" in text
    assert "sequential (Sequential)" in text and "sequential_1 (Sequential)" in text and "40,864" in text
    assert "dot (Dot)" in text and "(None, 1)" in text
    assert [type(l).__name__ for l in model.layers] == ["Input", "Input", "Sequential", "L2Normalize",
                                                        "Sequential", "L2Normalize", "Dot"]


def test_l2_normalize_numpy_formula():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1e-7, 0.0]])
    np.testing.assert_allclose(l2_normalize(x, axis=1), [[0.6, 0.8], [0, 0], [1e-7 / 1e-6, 0]])
    np.testing.assert_allclose(l2_normalize(x, axis=0), x / np.sqrt(np.maximum((x * x).sum(0), 1e-12)))
    np.testing.assert_allclose(Dot(axes=1)([x, x]), (x * x).sum(1, keepdims=True))
    np.testing.assert_array_equal(Concatenate()([x, x]), np.hstack([x, x]))


# ---- NumPy reference of the lab network: forward, backward and one Adam step ------------------------------

def np_tower(X, params):
    acts = [X]
    for i, (W, b) in enumerate(params):
        Z = acts[-1] @ W + b
        acts.append(np.maximum(Z, 0) if i < len(params) - 1 else Z)
    return acts


def np_l2(v):
    nrm = np.sqrt(np.maximum((v * v).sum(1, keepdims=True), 1e-12))
    return v / nrm, nrm


def np_two_tower_grads(U, I, y, pu, pi):
    au, ai = np_tower(U, pu), np_tower(I, pi)
    yu, nu = np_l2(au[-1])
    yi, ni = np_l2(ai[-1])
    out = (yu * yi).sum(1, keepdims=True)
    m = len(y)
    loss = np.mean((out - y) ** 2)
    g = 2 * (out - y) / m
    grads = []
    for acts, params, y_self, y_other, nrm in ((au, pu, yu, yi, nu), (ai, pi, yi, yu, ni)):
        dy = g * y_other
        dz = (dy - y_self * (y_self * dy).sum(1, keepdims=True)) / nrm
        tower = []
        for i in range(len(params) - 1, -1, -1):
            W, _ = params[i]
            tower.append((acts[i].T @ dz, dz.sum(0)))
            if i > 0:
                dz = (dz @ W.T) * (acts[i] > 0)
        grads += tower[::-1]
    return loss, out, grads


def np_adam(w, g, m, v, t, lr=0.01, b1=0.9, b2=0.999, eps=1e-7):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    return w - alpha * m / (np.sqrt(v) + eps), m, v


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-10), ("float32", 1e-5)])
def test_forward_gradient_and_adam_step_match_numpy(dtype, tol):
    model, user_NN, item_NN, _, _ = lab_model(widths=(24, 16, 8), dtype=dtype)
    U, I, y = synthetic(n=50)
    pu = [(l.kernel.astype(np.float64), l.bias.astype(np.float64)) for l in user_NN.layers]
    pi = [(l.kernel.astype(np.float64), l.bias.astype(np.float64)) for l in item_NN.layers]
    loss, out, grads = np_two_tower_grads(U, I, y, pu, pi)
    np.testing.assert_allclose(model.predict([U, I]), out, rtol=tol, atol=tol)
    model.compile(optimizer=Adam(learning_rate=0.01), loss=MeanSquaredError())
    assert model.evaluate([U, I], y) == pytest.approx(loss, rel=tol, abs=tol)
    c_loss, c_grads = model._gradient([U, I], y)
    assert c_loss == pytest.approx(loss, rel=tol)
    for (gW, gb), (rW, rb) in zip(c_grads, grads):
        scale = max(np.abs(rW).max(), 1e-3)
        np.testing.assert_allclose(gW / scale, rW / scale, atol=tol * 10)
        np.testing.assert_allclose(gb / scale, rb / scale, atol=tol * 10)
    # one Adam step on one batch of all rows
    h = model.fit([U, I], y, epochs=1, batch_size=len(y), shuffle=False, verbose=0)
    assert h.history["loss"][0] == pytest.approx(loss, rel=tol)
    new = [np_adam(w, g, 0, 0, 1)[0] for (W, b), (gW, gb) in zip(pu + pi, grads) for w, g in ((W, gW), (b, gb))]
    for got, ref in zip(model.get_weights(), new):
        np.testing.assert_allclose(got, ref, rtol=tol, atol=tol)


def test_adam_steps_match_pytorch():
    torch = pytest.importorskip("torch")
    model, user_NN, item_NN, _, _ = lab_model(widths=(32, 16, 8), dtype="float64")
    U, I, y = synthetic(n=96)
    towers = []
    for seq in (user_NN, item_NN):
        mods = []
        for i, l in enumerate(seq.layers):
            lin = torch.nn.Linear(*l.kernel.shape).double()
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(l.kernel.T.copy()))
                lin.bias.copy_(torch.from_numpy(l.bias))
            mods += [lin] + ([torch.nn.ReLU()] if i < 2 else [])
        towers.append(torch.nn.Sequential(*mods))
    params = [p for t in towers for p in t.parameters()]
    # Keras and PyTorch place Adam's epsilon differently (inside / outside the bias correction):
    # a negligible epsilon makes the two formulas the same
    opt = torch.optim.Adam(params, lr=0.01, eps=1e-30)
    Ut, It, yt = (torch.from_numpy(a) for a in (U, I, y))
    for b0 in range(0, 96, 32):  # three batches of 32, in order
        opt.zero_grad()
        vu = torch.nn.functional.normalize(towers[0](Ut[b0:b0 + 32]), dim=1, eps=1e-6)
        vm = torch.nn.functional.normalize(towers[1](It[b0:b0 + 32]), dim=1, eps=1e-6)
        loss = torch.mean(((vu * vm).sum(1, keepdim=True) - yt[b0:b0 + 32]) ** 2)
        loss.backward()
        opt.step()
    model.compile(optimizer=Adam(learning_rate=0.01, epsilon=1e-30), loss="mse")
    model.fit([U, I], y, epochs=1, batch_size=32, shuffle=False, verbose=0)
    ref = [p.detach().numpy() for t in towers for p in t.parameters()]
    for got, r in zip(model.get_weights(), ref):
        np.testing.assert_allclose(got, r.T if r.ndim == 2 else r, rtol=1e-9, atol=1e-10)


# ---- finite differences on general graphs ----------------------------------------------------------------

def _fd_check(model, xs, y, n_checks=12, eps=1e-6, seed=0):
    _, grads = model._gradient(xs, y)
    rng = np.random.default_rng(seed)
    for li, layer in enumerate(model.dense_layers):
        for arr, g in ((layer.kernel, grads[li][0]), (layer.bias, grads[li][1])):
            flat, gflat = arr.reshape(-1), g.reshape(-1)
            for j in rng.choice(flat.size, size=min(n_checks, flat.size), replace=False):
                old = flat[j]
                flat[j] = old + eps
                lp = model.evaluate(xs, y)
                flat[j] = old - eps
                lm = model.evaluate(xs, y)
                flat[j] = old
                num = (lp - lm) / (2 * eps)
                assert gflat[j] == pytest.approx(num, rel=1e-5, abs=1e-8), (layer.name, j)


def test_gradients_finite_differences_two_tower():
    model, *_ = lab_model(widths=(12, 8, 6), dtype="float64")
    U, I, y = synthetic(n=40)
    model.compile(optimizer="adam", loss="mse")
    _fd_check(model, [U, I], y)


def _complex_graph(n_jobs=None, seed=3):
    set_seed(seed)
    a, b = Input(shape=(5,), name="a"), Input(shape=(4,), name="b")
    shared = Dense(6, activation="tanh", name="shared")         # one layer used on two inputs
    to5 = Dense(5, activation="sigmoid", name="to5")
    ha = shared(a)
    hb = shared(to5(b))
    h = Dense(7, activation="relu", name="h")(ha)               # h feeds three consumers
    c = Concatenate()([Dense(3, name="p")(h), Dense(2, activation="tanh", name="q")(h), l2_normalize(hb), h])
    self_dot = Dot(axes=1)([h, h])                              # same argument twice
    d = Dot(axes=1)([L2Normalize()(Dense(4, name="r")(c)), l2_normalize(Dense(4, name="s")(hb))])
    out = Dense(2, name="out")(Concatenate()([d, self_dot, c]))
    return Model([a, b], out, dtype="float64", n_jobs=n_jobs)


def test_gradients_finite_differences_shared_and_multi_use_nodes():
    model = _complex_graph()
    assert len(model.dense_layers) == 8
    rng = np.random.default_rng(1)
    xs = [rng.normal(size=(30, 5)), rng.normal(size=(30, 4))]
    y = rng.normal(size=(30, 2))
    model.compile(optimizer="adam", loss="mse")
    _fd_check(model, xs, y)


def test_gradients_finite_differences_softmax_classifier():
    set_seed(4)
    a, b = Input(shape=(3,)), Input(shape=(2,))
    h = Concatenate()([Dense(5, activation="relu")(a), Dense(4, activation="sigmoid")(b)])
    out = Dense(3, activation="softmax")(h)
    model = Model([a, b], out, dtype="float64")
    rng = np.random.default_rng(2)
    xs = [rng.normal(size=(25, 3)), rng.normal(size=(25, 2))]
    y = rng.integers(0, 3, 25)
    model.compile(optimizer="adam", loss=SparseCategoricalCrossentropy())
    _fd_check(model, xs, y)
    p = model.predict(xs)
    np.testing.assert_allclose(p.sum(1), 1.0)


def test_complex_graph_one_and_two_threads_identical():
    rng = np.random.default_rng(5)
    xs = [rng.normal(size=(4000, 5)), rng.normal(size=(4000, 4))]
    y = rng.normal(size=(4000, 2))
    runs = []
    for n_jobs in (1, 2):
        model = _complex_graph(n_jobs=n_jobs)
        model.compile(optimizer="adam", loss="mse")
        loss, grads = model._gradient(xs, y)
        h = model.fit(xs, y, epochs=2, batch_size=2000, verbose=0)
        runs.append((loss, grads, h.history["loss"], model.get_weights(), model.predict(xs)))
    assert runs[0][0] == runs[1][0] and runs[0][2] == runs[1][2]
    for (g1, b1), (g2, b2) in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(g1, g2)
        np.testing.assert_array_equal(b1, b2)
    for w1, w2 in zip(runs[0][3] + [runs[0][4]], runs[1][3] + [runs[1][4]]):
        np.testing.assert_array_equal(w1, w2)


# ---- training -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_one_and_two_threads_identical(dtype):
    U, I, y = synthetic(n=300)
    weights = []
    for n_jobs in (1, 2):
        model, *_ = lab_model(widths=(64, 32, 16), n_jobs=n_jobs, dtype=dtype)
        model.random_state = 5
        model.compile(optimizer=Adam(learning_rate=0.01), loss=MeanSquaredError())
        h = model.fit([U, I], y, epochs=2, verbose=0)
        weights.append((h.history["loss"], model.get_weights(), model.predict([U, I])))
    assert weights[0][0] == weights[1][0]
    for w1, w2 in zip(weights[0][1] + [weights[0][2]], weights[1][1] + [weights[1][2]]):
        np.testing.assert_array_equal(w1, w2)


def test_training_lowers_loss_and_item_model_shares_weights():
    U, I, y = synthetic(n=1500)
    model, user_NN, item_NN, input_item, vm = lab_model()
    model.compile(optimizer=Adam(learning_rate=0.01), loss=MeanSquaredError())
    before = model.evaluate([U, I], y)
    h = model.fit([U[:1200], I[:1200]], y[:1200], epochs=6, verbose=0, validation_data=([U[1200:], I[1200:]],
                                                                                     y[1200:]))
    loss = h.history["loss"]
    assert loss[-1] < 0.5 * loss[0] and loss[-1] < 0.5 * before
    assert len(h.history["val_loss"]) == 6 and h.history["val_loss"][-1] < before
    item_model = Model(input_item, vm)
    assert item_model.count_params() == 41_376
    assert all(a is b for a, b in zip(item_model.dense_layers, item_NN.layers))
    v = item_model.predict(I)
    np.testing.assert_allclose(v, l2_normalize(item_NN.predict(I)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
    # the model's output is the row-wise dot of the two towers' vectors
    vu = l2_normalize(user_NN.predict(U))
    np.testing.assert_allclose(model.predict([U, I]).ravel(), (vu * v).sum(1), rtol=1e-4, atol=1e-5)


def test_fit_options_callbacks_and_sgd():
    U, I, y = synthetic(n=300)
    model, *_ = lab_model(widths=(16, 8, 4))
    model.compile(optimizer=SGD(learning_rate=0.05, momentum=0.9), loss="mse", metrics=["mae"])
    h = model.fit([U, I], y, epochs=30, batch_size=64,
                  validation_split=0.25, callbacks=[EarlyStopping(monitor="val_loss", patience=2,
                                                                  restore_best_weights=True)], verbose=0)
    assert {"loss", "mae", "val_loss", "val_mae"} <= set(h.history)
    assert len(h.history["loss"]) <= 30
    loss, mae = model.evaluate([U, I], y)
    assert np.isfinite(loss) and 0 < mae < 1


def test_dict_inputs_and_single_input_model():
    set_seed(0)
    inp = Input(shape=(3,), name="x")
    out = Dense(1)(Dense(4, activation="relu")(inp))
    model = Model(inp, out)
    X = np.random.default_rng(0).normal(size=(10, 3))
    np.testing.assert_array_equal(model.predict(X), model.predict({"x": X}))
    np.testing.assert_array_equal(model.predict(X), model.predict([X]))


# ---- persistence -------------------------------------------------------------------------------------------

def test_save_load_and_pickle_exact(tmp_path):
    U, I, y = synthetic(n=200)
    model, *_ = lab_model(widths=(16, 8, 4))
    model.compile(optimizer=Adam(learning_rate=0.01), loss=MeanSquaredError())
    model.fit([U, I], y, epochs=2, verbose=0)
    p = model.predict([U, I])
    path = model.save(tmp_path / "two_tower")
    loaded = load_model(path)
    assert isinstance(loaded, Model)
    np.testing.assert_array_equal(loaded.predict([U, I]), p)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype
    assert loaded.summary(print_fn=None) == model.summary(print_fn=None)
    assert loaded.evaluate([U, I], y) == model.evaluate([U, I], y)
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(clone.predict([U, I]), p)
    clone.fit([U, I], y, epochs=1, verbose=0)  # still trainable
    np.testing.assert_array_equal(model.predict([U, I]), p)  # the original is untouched
    # a Sequential file still loads as a Sequential
    seq = Sequential([Input(shape=(3,)), Dense(2)], random_state=0)
    seq.build()
    assert isinstance(load_model(seq.save(tmp_path / "seq")), Sequential)


# ---- errors --------------------------------------------------------------------------------------------------

def test_bad_inputs_give_clear_errors():
    U, I, y = synthetic(n=50)
    model, *_ = lab_model(widths=(8, 8, 4))
    with pytest.raises(RuntimeError, match="compile"):
        model.fit([U, I], y)
    model.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="2 inputs"):
        model.fit(U, y)
    with pytest.raises(ValueError, match="2 inputs"):
        model.predict([U, I, I])
    with pytest.raises(ValueError, match="columns"):
        model.predict([U[:, :10], I])
    with pytest.raises(ValueError, match="rows"):
        model.predict([U, I[:40]])
    with pytest.raises(ValueError, match="rows"):
        model.fit([U, I], y[:40], verbose=0)
    bad = U.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN|nan|infinity"):
        model.fit([bad, I], y, verbose=0)
    with pytest.raises(ValueError, match="epochs"):
        model.fit([U, I], y, epochs=-1)
    with pytest.raises(ValueError, match="batch_size"):
        model.fit([U, I], y, batch_size=0)


def test_bad_graphs_give_clear_errors():
    a, b = Input(shape=(3,)), Input(shape=(4,))
    with pytest.raises(ValueError, match="columns"):
        Dot(axes=1)([a, b])
    with pytest.raises(ValueError, match="axes=1"):
        Dot(axes=2)
    da = Dense(2)(a)
    with pytest.raises(ValueError, match="not in inputs"):
        Model([a], Dot(axes=1)([Dense(2)(b), da]))
    with pytest.raises(TypeError, match="Input"):
        Model([da], Dense(1)(da))
    with pytest.raises(ValueError, match="Input"):
        Model(a, a)
    seq = Sequential([Input(shape=(5,)), Dense(2)])
    with pytest.raises(ValueError, match="width"):
        seq(a)
    with pytest.raises(ValueError, match="one output"):
        Model(a, [da, da])
