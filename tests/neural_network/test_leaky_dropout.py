"""LeakyReLU (activation and layer) and Dropout: kernels against NumPy, training steps
against NumPy backpropagation, finite differences, mask statistics, determinism
(seeded, 1 vs 2 threads), Sequential / functional Model, summary, save / load."""
import pickle

import numpy as np
import pytest

import pyml.neural_network as nn
from pyml.neural_network import SGD, Dense, Dropout, Input, LeakyReLU, Model, Sequential
from pyml.neural_network import _nn_kernels as _k

LEAKY = _k.ACTIVATIONS["leaky_relu"]


def np_leaky(Z, a):
    return np.where(Z > 0, Z, a * Z)


def np_dleaky(Z, a):
    return np.where(Z > 0, 1.0, a)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# ---- kernels -----------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("alpha", [0.0, 0.2, 0.3, 1.7])
# shapes reaching every tile: one row, the narrow dot-product layer (<= 8 outputs, >= 32 inputs),
# full 64-byte / 128-byte panels (AVX2 / AVX-512 epilogues) and ragged edges
@pytest.mark.parametrize("shape", [(1, 5, 40), (9, 40, 4), (37, 19, 21), (64, 40, 64), (33, 64, 32)])
def test_dense_forward_leaky_matches_numpy(dtype, alpha, shape, rng):
    n, n_in, n_out = shape
    X = rng.normal(size=(n, n_in)).astype(dtype)
    W = rng.normal(size=(n_in, n_out)).astype(dtype)
    b = rng.normal(size=n_out).astype(dtype)
    Z = X.astype(np.float64) @ W + b
    tol = 1e-4 if dtype == np.float32 else 1e-12
    for nt in (1, 2):
        A = _k.dense_forward(X, W, b, LEAKY, nt, alpha)
        assert A.dtype == dtype
        np.testing.assert_allclose(A, np_leaky(Z, alpha), rtol=tol, atol=tol * 10)
    np.testing.assert_array_equal(_k.dense_forward(X, W, b, LEAKY, 1, alpha),
                                  _k.dense_forward(X, W, b, LEAKY, 2, alpha))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_backward_leaky_matches_numpy(dtype, rng):
    n, n_in, n_out, alpha = 23, 17, 33, 0.3
    X = rng.normal(size=(n, n_in)).astype(dtype)
    W = rng.normal(size=(n_in, n_out)).astype(dtype)
    b = np.zeros(n_out, dtype)
    A = _k.dense_forward(X, W, b, LEAKY, 1, alpha)
    dA = rng.normal(size=(n, n_out)).astype(dtype)
    dW, db, dX = _k.dense_backward(X, W, A, dA, LEAKY, 0.0, True, 1, alpha)
    dZ = dA.astype(np.float64) * np_dleaky(A, alpha)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(dW, X.T.astype(np.float64) @ dZ, rtol=tol, atol=tol)
    np.testing.assert_allclose(db, dZ.sum(0), rtol=tol, atol=tol)
    np.testing.assert_allclose(dX, dZ @ W.T, rtol=tol, atol=tol)


def test_activation_kernel_and_function(rng):
    Z = rng.normal(size=(50, 7))
    np.testing.assert_array_equal(_k.activation(LEAKY, Z, 1, 0.25), np_leaky(Z, 0.25))
    np.testing.assert_array_equal(nn.leaky_relu(Z), np_leaky(Z, 0.2))          # Keras's activation default
    np.testing.assert_array_equal(LeakyReLU()(Z), np_leaky(Z, 0.3))              # Keras 3's layer default
    np.testing.assert_array_equal(LeakyReLU(0.1)(Z.astype(np.float32)), np_leaky(Z.astype(np.float32), np.float32(0.1)))
    assert LeakyReLU(alpha=0.05).negative_slope == 0.05                          # Keras 2's name
    assert nn.activations.get("leaky_relu") is nn.leaky_relu
    for bad in (-0.1, np.nan, "x"):
        with pytest.raises(ValueError, match="negative_slope"):
            LeakyReLU(bad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_kernel_statistics(dtype):
    X = np.ones((400, 250), dtype)
    for rate in (0.1, 0.5, 0.8):
        out, M = _k.dropout(X, rate, 12345, 7, True, 1)
        keep = M != 0
        # kept units are scaled by exactly 1/(1-rate), the others are 0
        np.testing.assert_array_equal(np.unique(M), np.array([0, 1 / (1 - rate)], dtype=dtype))
        np.testing.assert_array_equal(out, X * M)
        # share kept ~ 1 - rate (100k draws: 5 standard deviations)
        sd = np.sqrt(rate * (1 - rate) / X.size)
        assert abs(keep.mean() - (1 - rate)) < 5 * sd
        # no structure along rows or columns
        assert np.abs(keep.mean(0) - (1 - rate)).max() < 6 * np.sqrt(rate * (1 - rate) / 400)
        # same seed and step: the same mask, for any thread count; another step or seed: another mask
        np.testing.assert_array_equal(_k.dropout(X, rate, 12345, 7, True, 2)[1], M)
        assert (_k.dropout(X, rate, 12345, 8, True, 1)[1] != M).any()
        assert (_k.dropout(X, rate, 12346, 7, True, 1)[1] != M).any()
    np.testing.assert_array_equal(_k.dropout(X, 0.0, 1, 1, False, 1), X)


def test_dropout_layer_call():
    X = np.arange(12.0).reshape(3, 4)
    d = Dropout(0.5, seed=3)
    np.testing.assert_array_equal(d(X), X)                                # inference: the identity
    Y = d(X, training=True)
    assert set(np.unique(Y[X > 0] / X[X > 0])) <= {0.0, 2.0}
    np.testing.assert_array_equal(Dropout(0.5, seed=3)(X, training=True), Y)  # seeded: repeatable
    for bad in (-0.1, 1.0, 1.5, np.nan, True):
        with pytest.raises(ValueError, match="rate"):
            Dropout(bad)
    with pytest.raises(ValueError, match="noise_shape"):
        Dropout(0.5, noise_shape=(1, 4))
    with pytest.raises(ValueError, match="seed"):
        Dropout(0.5, seed=-1)


# ---- a NumPy reference of one full-batch SGD step ------------------------------------------------

def np_step_grads(Ws, bs, alphas, masks, X, Y, sw=None, in_mask=None):
    """Gradients of L = (1/n) sum_i w_i (1/k) sum_c (a_ic - y_ic)^2 for hidden layers
    h = leaky(z, alpha) (alpha None: linear), dropped out by masks (None: none), linear output;
    in_mask: dropout on the inputs."""
    n = X.shape[0]
    if in_mask is not None:
        X = X * in_mask
    w = np.ones(n) if sw is None else sw
    ins, zs = [], []
    a = X
    for l, (W, b) in enumerate(zip(Ws, bs)):
        ins.append(a)
        z = a @ W + b
        zs.append(z)
        if l < len(Ws) - 1:
            a = z if alphas[l] is None else np_leaky(z, alphas[l])
            if masks[l] is not None:
                a = a * masks[l]
        else:
            a = z
    k = a.shape[1]
    dz = 2 * (a - Y) * w[:, None] / (n * k)
    grads = [None] * len(Ws)
    for l in range(len(Ws) - 1, -1, -1):
        grads[l] = (ins[l].T @ dz, dz.sum(0))
        if l > 0:
            da = dz @ Ws[l].T
            if masks[l - 1] is not None:
                da = da * masks[l - 1]
            dz = da * (1.0 if alphas[l - 1] is None else np_dleaky(zs[l - 1], alphas[l - 1]))
    return grads


def _sgd_grads(model, before, lr):
    after = model.get_weights()
    return [((before[2 * i] - after[2 * i]) / lr, (before[2 * i + 1] - after[2 * i + 1]) / lr)
            for i in range(len(after) // 2)]


def _masks(model, rows, t):
    """The dropout masks of each Dense layer's output at step t (Dropout(seed=...) layers)."""
    out = []
    for i, (dense, _, drop) in enumerate(model._groups()):
        if drop is None:
            out.append(None)
        else:
            out.append(_k.dropout(np.ones((rows, dense.units)), drop.rate, drop._key(0, i), t, True, 1)[1])
    return out


@pytest.mark.parametrize("style", ["string", "layer"])
# (9, 7): ragged tiles; (64, 32): full panels (the AVX-512 / AVX2 epilogues of the forward
# product and of the derivative fused into the input-gradient product), in both dtypes
@pytest.mark.parametrize("units,dtype", [((9, 7), "float64"), ((64, 32), "float64"), ((64, 32), "float32")])
def test_sequential_sgd_step_matches_numpy_backprop(style, units, dtype, rng):
    n, lr = 24, 0.1
    u1, u2 = units
    X = rng.normal(size=(n, 6))
    Y = rng.normal(size=(n, 2))
    if style == "string":   # activation="leaky_relu": Keras's 0.2
        hidden = [Dense(u1, activation="leaky_relu"), Dropout(0.4, seed=5), Dense(u2, activation="leaky_relu")]
        alphas = [0.2, 0.2, None]
    else:                   # Dense then LeakyReLU(...) layers, one after the Dropout (same values)
        hidden = [Dense(u1), LeakyReLU(0.3), Dropout(0.4, seed=5), Dense(u2), Dropout(0.25, seed=9), LeakyReLU()]
        alphas = [0.3, 0.3, None]
    model = Sequential([Input(shape=(6,)), *hidden, Dense(2)], dtype=dtype, random_state=1)
    model.compile(loss="mse", optimizer=SGD(learning_rate=lr))
    before = model.get_weights()
    sw = rng.uniform(0.2, 2.0, size=n)
    model.fit(X, Y, epochs=1, batch_size=n, shuffle=False, verbose=0, sample_weight=sw)
    got = _sgd_grads(model, before, lr)
    before = [w.astype(np.float64) for w in before]
    Ws, bs = before[0::2], before[1::2]
    ref = np_step_grads(Ws, bs, alphas, _masks(model, n, 1), X.astype(dtype).astype(np.float64), Y,
                        sw.astype(dtype).astype(np.float64))
    tol = dict(rtol=1e-9, atol=1e-11) if dtype == "float64" else dict(rtol=1e-3, atol=2e-5)
    for (gW, gb), (rW, rb) in zip(got, ref):
        np.testing.assert_allclose(gW, rW, **tol)
        np.testing.assert_allclose(gb, rb, **tol)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_input_dropout_sgd_step_matches_numpy(dtype, rng):
    n, lr = 30, 0.1
    X = rng.normal(size=(n, 40))
    Y = rng.normal(size=(n, 1))
    drop_in = Dropout(0.3, seed=21)
    model = Sequential([Input(shape=(40,)), drop_in, Dense(32), LeakyReLU(0.3), Dropout(0.5, seed=4), Dense(1)],
                       dtype=dtype, random_state=1)
    assert model.summary(print_fn=None).count("(None, 40)") == 1
    model.compile(loss="mse", optimizer=SGD(learning_rate=lr))
    before = model.get_weights()
    model.fit(X, Y, epochs=1, batch_size=n, shuffle=False, verbose=0)
    got = _sgd_grads(model, before, lr)
    in_mask = _k.dropout(np.ones((n, 40)), 0.3, drop_in._key(0, 2), 1, True, 1)[1]
    assert 0.5 < (in_mask > 0).mean() < 0.9
    before = [w.astype(np.float64) for w in before]
    ref = np_step_grads(before[0::2], before[1::2], [0.3, None], _masks(model, n, 1),
                        X.astype(dtype).astype(np.float64), Y, in_mask=in_mask)
    tol = dict(rtol=1e-9, atol=1e-11) if dtype == "float64" else dict(rtol=1e-3, atol=2e-5)
    for (gW, gb), (rW, rb) in zip(got, ref):
        np.testing.assert_allclose(gW, rW, **tol)
        np.testing.assert_allclose(gb, rb, **tol)
    # inference ignores it; 1 and 2 threads train identically
    plain = Sequential([Input(shape=(40,)), Dense(32), LeakyReLU(0.3), Dense(1)], dtype=dtype)
    plain.set_weights(model.get_weights())
    np.testing.assert_array_equal(plain.predict(X), model.predict(X))
    outs = []
    for nj in (1, 2):
        m = Sequential([Input(shape=(40,)), Dropout(0.3), Dense(32), Dense(1)], dtype=dtype, random_state=5)
        m._threads = lambda work, nj=nj: nj
        m.compile(loss="mse", optimizer="adam")
        outs.append(m.fit(X, Y, epochs=2, batch_size=8, verbose=0).history["loss"])
    assert outs[0] == outs[1]


def test_leaky_layer_equals_leaky_activation_bitwise(rng):
    X = rng.normal(size=(100, 5)).astype(np.float32)
    y = rng.normal(size=100).astype(np.float32)
    outs = []
    for hidden in ([Dense(16), LeakyReLU(0.2)], [Dense(16, activation="leaky_relu")],
                   [Dense(16, activation=LeakyReLU(0.2))]):
        m = Sequential([Input(shape=(5,)), *hidden, Dense(1)], random_state=3)
        m.compile(loss="mse", optimizer="adam")
        m.fit(X, y, epochs=3, batch_size=16, verbose=0)
        outs.append(m.predict(X))
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_array_equal(outs[0], outs[2])


def _drop_model(n_jobs=1, dtype="float32", seed=0):
    m = Sequential([Input(shape=(20,)), Dense(64), LeakyReLU(), Dropout(0.3), Dense(32, activation="relu"),
                    Dropout(0.5), Dense(3)], dtype=dtype, random_state=seed, n_jobs=n_jobs)
    m.compile(loss=nn.SparseCategoricalCrossentropy(from_logits=True), optimizer="adam")
    return m


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dropout_fit_is_repeatable_and_thread_independent(dtype, rng):
    X = rng.normal(size=(300, 20))
    y = rng.integers(0, 3, size=300)
    runs = []
    for nj in (1, 1, 2):
        m = _drop_model(nj, dtype)
        m._threads = lambda work, nj=nj: nj     # force the thread count (the work is small)
        h = m.fit(X, y, epochs=3, batch_size=64, verbose=0)
        runs.append((h.history["loss"], m.get_weights()))
    for loss, weights in runs[1:]:
        assert loss == runs[0][0]
        for a, b in zip(weights, runs[0][1]):
            np.testing.assert_array_equal(a, b)
    # another random_state: other shuffles and masks
    assert _drop_model(1, dtype, seed=1).fit(X, y, epochs=1, verbose=0).history["loss"] != runs[0][0][:1]


def test_dropout_is_identity_at_inference(rng):
    X = rng.normal(size=(50, 20)).astype(np.float32)
    y = rng.integers(0, 3, size=50)
    m = _drop_model()
    m.fit(X, y, epochs=2, verbose=0)
    plain = Sequential([Input(shape=(20,)), Dense(64), LeakyReLU(), Dense(32, activation="relu"), Dense(3)])
    plain.set_weights(m.get_weights())
    plain.compile(loss=nn.SparseCategoricalCrossentropy(from_logits=True), optimizer="adam")
    np.testing.assert_array_equal(m.predict(X), plain.predict(X))
    np.testing.assert_array_equal(m(X), plain(X))
    assert m.evaluate(X, y) == plain.evaluate(X, y)
    # the training loss sees the dropped units: higher than the inference loss on the same weights here
    m2 = _drop_model()
    m2.set_weights(m.get_weights())
    assert m2.fit(X, y, epochs=1, verbose=0).history["loss"][0] != m.evaluate(X, y)


def test_dropout_changes_training_but_rate_zero_does_not(rng):
    X = rng.normal(size=(80, 4)).astype(np.float32)
    y = rng.normal(size=80).astype(np.float32)
    preds = []
    for extra in ([], [Dropout(0.0)], [Dropout(0.5, seed=1)]):
        m = Sequential([Input(shape=(4,)), Dense(8, activation="relu"), *extra, Dense(1)], random_state=2)
        m.compile(loss="mse", optimizer="adam")
        m.fit(X, y, epochs=2, batch_size=16, verbose=0)
        preds.append(m.predict(X))
    np.testing.assert_array_equal(preds[0], preds[1])
    assert not np.array_equal(preds[0], preds[2])


def test_sequential_layout_errors():
    with pytest.raises(ValueError, match="must follow a Dense"):
        Sequential([Input(shape=(3,)), LeakyReLU(), Dense(2)])
    with pytest.raises(ValueError, match="two Dropout"):
        Sequential([Input(shape=(3,)), Dropout(0.2), Dropout(0.1)])
    with pytest.raises(ValueError, match="linear activation"):
        Sequential([Dense(4, activation="relu"), LeakyReLU()])
    with pytest.raises(ValueError, match="two Dropout"):
        Sequential([Dense(4), Dropout(0.2), Dropout(0.3)])
    m = Sequential([Input(shape=(3,)), Dense(4), Dense(1), Dropout(0.2)])
    m.compile(loss="mse")
    np.testing.assert_array_equal(m.predict(np.ones((2, 3))).shape, (2, 1))  # inference works
    with pytest.raises(ValueError, match="after the output layer"):
        m.fit(np.ones((4, 3)), np.ones(4), verbose=0)


def test_summary_save_load_pickle(tmp_path, rng):
    X = rng.normal(size=(40, 20)).astype(np.float32)
    y = rng.integers(0, 3, size=40)
    m = _drop_model()
    text = m.summary(print_fn=None)
    for row in ("leaky_re_lu (LeakyReLU)  (None, 64)  0", "dropout (Dropout)", "dropout_1 (Dropout)  (None, 32)"):
        assert row.split()[0] in text
    assert "Total params: 3523" in text          # 20*64+64 + 64*32+32 + 32*3+3
    assert [type(l).__name__ for l in m.layers] == ["Dense", "LeakyReLU", "Dropout", "Dense", "Dropout", "Dense"]
    assert m.get_layer("dropout").count_params() == 0 and m.get_layer("dropout").get_weights() == []
    m.fit(X, y, epochs=1, verbose=0)
    back = nn.load_model(m.save(tmp_path / "m.npz"))
    assert [l.get_config() for l in back.layers] == [l.get_config() for l in m.layers]
    np.testing.assert_array_equal(back.predict(X), m.predict(X))
    # training resumes identically (the shuffling generator and Adam's state are saved)
    h1, h2 = m.fit(X, y, epochs=2, verbose=0), back.fit(X, y, epochs=2, verbose=0)
    assert h1.history["loss"] == h2.history["loss"]
    p = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(p.predict(X), m.predict(X))
    d = Dense(3, activation=LeakyReLU(0.05))
    assert nn.load_model(Sequential([Input(shape=(2,)), d]).save(tmp_path / "d.npz")).layers[0].alpha == 0.05


# ---- functional Model --------------------------------------------------------------------------

def test_model_leaky_gradient_matches_finite_differences(rng):
    inp = Input(shape=(5,))
    h = LeakyReLU(0.3)(Dense(6)(inp))
    h2 = Dense(4, activation="leaky_relu")(h)
    out = Dense(2)(nn.Concatenate()([h, h2]))
    model = Model(inp, out, dtype="float64", random_state=0)
    model.compile(loss="mse", optimizer="sgd")
    X = rng.normal(size=(15, 5))
    Y = rng.normal(size=(15, 2))
    loss, grads = model._gradient(X, Y)
    assert np.isclose(loss, model.evaluate(X, Y), rtol=1e-12)
    eps = 1e-6
    for layer, (gW, gb) in zip(model.dense_layers, grads):
        for arr, g in ((layer.kernel, gW), (layer.bias, gb)):
            flat, gflat = arr.reshape(-1), g.reshape(-1)
            for j in range(0, flat.size, max(1, flat.size // 7)):
                old = flat[j]
                flat[j] = old + eps
                up = model.evaluate(X, Y)
                flat[j] = old - eps
                down = model.evaluate(X, Y)
                flat[j] = old
                assert abs((up - down) / (2 * eps) - gflat[j]) < 1e-6 * max(1, abs(gflat[j]))


def test_model_dropout_sgd_step_matches_numpy(rng):
    n, lr = 20, 0.1
    inp = Input(shape=(4,))
    d1 = Dense(8)
    drop = Dropout(0.5, seed=11)
    d2 = Dense(3)
    out = d2(drop(LeakyReLU(0.3)(d1(inp))))
    model = Model(inp, out, dtype="float64", random_state=0)
    model.compile(loss="mse", optimizer=SGD(learning_rate=lr))
    X = rng.normal(size=(n, 4))
    Y = rng.normal(size=(n, 3))
    before = model.get_weights()
    model.fit(X, Y, epochs=1, batch_size=n, shuffle=False, verbose=0)
    got = _sgd_grads(model, before, lr)
    M = _k.dropout(np.ones((n, 8)), 0.5, drop._key(0, 0), 1, True, 1)[1]
    ref = np_step_grads(before[0::2], before[1::2], [0.3, None], [M, None], X, Y)
    for (gW, gb), (rW, rb) in zip(got, ref):
        np.testing.assert_allclose(gW, rW, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(gb, rb, rtol=1e-9, atol=1e-11)


def _functional(n_jobs=1, seed=0):
    tower = Sequential([Dense(32), LeakyReLU(), Dropout(0.3), Dense(8)])
    inp = Input(shape=(10,))
    out = Dense(1)(Dropout(0.2)(tower(inp)))   # dropout on a tower's output too
    m = Model(inp, out, random_state=seed, n_jobs=n_jobs)
    m.compile(loss="mse", optimizer="adam")
    return m


def test_model_dropout_repeatable_threads_identity_save(tmp_path, rng):
    X = rng.normal(size=(200, 10)).astype(np.float32)
    y = rng.normal(size=200).astype(np.float32)
    runs = []
    for nj in (1, 1, 2):
        m = _functional(nj)
        m._threads = lambda work, per_batch=False, nj=nj: nj
        h = m.fit(X, y, epochs=2, batch_size=50, verbose=0)
        runs.append((h.history["loss"], m.get_weights(), m))
    for loss, weights, _ in runs[1:]:
        assert loss == runs[0][0]
        for a, b in zip(weights, runs[0][1]):
            np.testing.assert_array_equal(a, b)
    m = runs[0][2]
    # inference: dropout is the identity (two predictions agree; so does a plain Sequential)
    np.testing.assert_array_equal(m.predict(X), m.predict(X))
    tower = m.layers[1]
    plain = Sequential([Input(shape=(10,)), Dense(32), LeakyReLU(), Dense(8), Dense(1)])
    plain.set_weights(m.get_weights())
    np.testing.assert_allclose(plain.predict(X), m.predict(X), rtol=1e-5, atol=1e-6)
    text = m.summary(print_fn=None)
    assert "(Dropout)" in text and "(Sequential)" in text
    assert [type(l).__name__ for l in tower.layers] == ["Dense", "LeakyReLU", "Dropout", "Dense"]
    back = nn.load_model(m.save(tmp_path / "f.npz"))
    np.testing.assert_array_equal(back.predict(X), m.predict(X))
    assert back.fit(X, y, epochs=1, verbose=0).history["loss"] == m.fit(X, y, epochs=1, verbose=0).history["loss"]


STEP_CODE = """
import numpy as np
from pyml.neural_network import Dense, Dropout, Input, LeakyReLU, SGD, Sequential
def step():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(24, 6)), rng.normal(size=(24, 2))
    m = Sequential([Input(shape=(6,)), Dense(64), LeakyReLU(0.3), Dropout(0.4, seed=5),
                    Dense(32, activation="leaky_relu"), Dense(2)], dtype="float64", random_state=1)
    m.compile(loss="mse", optimizer=SGD(learning_rate=0.1))
    m.fit(X, Y, epochs=2, batch_size=12, verbose=0)
    return m.get_weights()
"""


def test_leaky_portable_tiles_match_numpy(tmp_path):
    """The AVX2 / portable tiles (PYML_NN_NO_AVX512=1, read once per process) give the
    NumPy values too, and the training steps of the tiles in this process: run in a fresh
    interpreter."""
    import os
    import subprocess
    import sys

    out = tmp_path / "w.npz"
    code = STEP_CODE + f"""
np.savez({str(out)!r}, *step())
from pyml.neural_network import _nn_kernels as _k
rng = np.random.default_rng(0)
for dt, tol in ((np.float32, 1e-4), (np.float64, 1e-12)):
    for n, n_in, n_out in ((13, 40, 64), (7, 9, 20), (12, 64, 3)):
        X = rng.normal(size=(n, n_in)).astype(dt); W = rng.normal(size=(n_in, n_out)).astype(dt)
        b = rng.normal(size=n_out).astype(dt)
        Z = X.astype(np.float64) @ W + b
        A = _k.dense_forward(X, W, b, 5, 1, 0.3)
        assert np.allclose(A, np.where(Z > 0, Z, 0.3 * Z), rtol=tol, atol=10 * tol), (dt, n, n_in, n_out)
        dA = rng.normal(size=A.shape).astype(dt)
        dW, db, dX = _k.dense_backward(X, W, A, dA, 5, 0.0, True, 1, 0.3)
        dZ = dA * np.where(A > 0, 1.0, 0.3)
        assert np.allclose(dX, dZ @ W.T, rtol=tol, atol=10 * tol)
        assert np.allclose(dW, X.T.astype(np.float64) @ dZ, rtol=tol, atol=10 * tol)
print("ok")
"""
    env = dict(os.environ, PYML_NN_NO_AVX512="1")
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                         cwd=tmp_path)  # outside the source tree: the installed pyml
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr
    scope = {}
    exec(STEP_CODE, scope)
    with np.load(out) as data:
        for i, w in enumerate(scope["step"]()):
            np.testing.assert_allclose(data[f"arr_{i}"], w, rtol=1e-12, atol=1e-14)


def test_standalone_dense_and_course_function_with_leaky(rng):
    X = rng.normal(size=(6, 4))
    W, b = rng.normal(size=(4, 3)), rng.normal(size=3)
    for act, a in (("leaky_relu", 0.2), (nn.leaky_relu, 0.2), (LeakyReLU(0.05), 0.05)):
        layer = Dense(3, activation=act)
        layer.set_weights([W, b])
        assert layer.activation is nn.leaky_relu and layer.alpha == a
        A = layer(X)
        np.testing.assert_allclose(A, np_leaky(X @ W + b, a), rtol=1e-13)
        dA = rng.normal(size=A.shape)
        dW, db, dX = layer.backward(X, A, dA)
        dZ = dA * np_dleaky(X @ W + b, a)
        np.testing.assert_allclose(dW, X.T @ dZ, rtol=1e-12)
        np.testing.assert_allclose(dX, dZ @ W.T, rtol=1e-12)
    np.testing.assert_allclose(nn.dense(X, W, b, "leaky_relu"), np_leaky(X @ W + b, 0.2), rtol=1e-13)
    np.testing.assert_allclose(nn.dense(X, W, b, nn.leaky_relu), np_leaky(X @ W + b, 0.2), rtol=1e-13)
    assert nn.layers.LeakyReLU is LeakyReLU and nn.layers.Dropout is Dropout


def test_sequential_call_training_flag(rng):
    X = rng.normal(size=(200, 20)).astype(np.float32)
    m = _drop_model()
    np.testing.assert_array_equal(m(X), m.predict(X))
    np.testing.assert_array_equal(m(X, training=False), m.predict(X))
    a, b = m(X, training=True), m(X, training=True)
    assert a.shape == (200, 3) and not np.array_equal(a, m.predict(X)) and not np.array_equal(a, b)
    # without Dropout layers training=True changes nothing
    plain = Sequential([Input(shape=(20,)), Dense(4, activation="leaky_relu")])
    np.testing.assert_array_equal(plain(X, training=True), plain.predict(X))
    # the mean over many draws approaches the inference output (inverted dropout keeps expectations)
    one = Sequential([Input(shape=(20,)), Dense(50), Dropout(0.5), Dense(1)], random_state=0)
    draws = np.mean([one(X[:5], training=True) for _ in range(400)], axis=0)
    np.testing.assert_allclose(draws, one.predict(X[:5]), atol=0.25)
