"""Properties of the NN, DQN and recommender kernels against NumPy references on random shapes, dtypes and
layouts (n = 1 and 1-wide layers included): the dense forward of every activation, its backward pass,
the collaborative-filtering cost and gradient, the replay ring's sampling and the DQN lab loss."""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

pytest.importorskip("hypothesis")

from _strategies import assert_close, dtypes, matrices, native64, prop_settings, result_dtype  # noqa: E402

from pyml.neural_network import Dense, dense, linear, relu, sigmoid, softmax, tanh  # noqa: E402

ACTS = {"linear": (linear, lambda z: z), "relu": (relu, lambda z: np.maximum(z, 0)),
        "sigmoid": (sigmoid, lambda z: 1 / (1 + np.exp(-z))), "tanh": (tanh, np.tanh),
        "softmax": (softmax, lambda z: np.exp(z - z.max(1, keepdims=True))
                    / np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True))}


@st.composite
def layer_case(draw):
    X = draw(matrices(n_min=1, n_max=40, d_min=1, d_max=12, lo=-3, hi=3))
    units = draw(st.integers(1, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    W = rng.normal(size=(X.shape[1], units)) / np.sqrt(X.shape[1])
    b = rng.normal(size=units) * 0.1
    return X, W, b, draw(st.sampled_from(sorted(ACTS)))


@prop_settings(40)
@given(layer_case())
def test_dense_forward_equals_numpy(case):
    X, W, b, act = case
    fn, ref = ACTS[act]
    dt = result_dtype(X)
    out = dense(X, W.astype(dt), b.astype(dt), fn)
    expected = ref(native64(X) @ W.astype(dt).astype(np.float64) + b.astype(dt).astype(np.float64))
    assert out.shape == expected.shape and out.dtype == dt
    assert_close(out, expected, dt, scale=1.0, factor=10)


@prop_settings(30)
@given(layer_case())
def test_dense_backward_equals_numpy(case):
    X, W, b, act = case
    if act == "softmax":
        act = "linear"  # softmax's gradient is fused with its loss; the layer takes the others
    fn, ref = ACTS[act]
    dt = result_dtype(X)
    layer = Dense(W.shape[1], activation=act)
    layer.set_weights([W.astype(dt), b.astype(dt)])
    A = layer(X)
    dA = np.random.default_rng(1).normal(size=A.shape).astype(dt)
    dW, db, dX = layer.backward(X, A, dA)
    A64 = native64(A)
    deriv = {"linear": np.ones_like(A64), "relu": (A64 > 0).astype(float), "sigmoid": A64 * (1 - A64),
             "tanh": 1 - A64 ** 2}[act]
    dZ = dA.astype(np.float64) * deriv
    Wd = W.astype(dt).astype(np.float64)
    scale = float(np.abs(dZ).sum(0).max() * max(1.0, np.abs(native64(X)).max())) + 1.0
    assert_close(dW, native64(X).T @ dZ, dt, scale=scale, factor=20)
    assert_close(db, dZ.sum(0), dt, scale=scale, factor=20)
    assert_close(dX, dZ @ Wd.T, dt, scale=scale, factor=20)


@st.composite
def ratings(draw):
    n_items, n_users, k = draw(st.integers(1, 25)), draw(st.integers(1, 25)), draw(st.integers(1, 9))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    dt = np.dtype(draw(dtypes(big_endian=False)))
    R = (rng.random((n_items, n_users)) < draw(st.floats(0.05, 1.0))).astype(dt)
    Y = (np.round(rng.uniform(0.5, 5.0, R.shape) * 2) / 2 * R).astype(dt)
    X, W, b = (rng.normal(size=s).astype(dt) for s in ((n_items, k), (n_users, k), (1, n_users)))
    return X, W, b, Y, R, draw(st.sampled_from([0.0, 1.5]))


@prop_settings(40)
@given(ratings())
def test_cofi_cost_and_gradient_equal_numpy(case):
    from pyml.recommender import cofi_cost_and_gradient, cofi_cost_func

    X, W, b, Y, R, lam = case
    X64, W64, b64, Y64, R64 = (a.astype(np.float64) for a in (X, W, b, Y, R))
    E = (X64 @ W64.T + b64 - Y64) * R64
    J = 0.5 * (E ** 2).sum() + lam / 2 * ((W64 ** 2).sum() + (X64 ** 2).sum())
    got_J, gX, gW, gb = cofi_cost_and_gradient(X, W, b, Y, R, lam)
    scale = float(np.abs(E).sum() + 1.0) * (1 + float(np.abs(X64).max() + np.abs(W64).max()))
    assert cofi_cost_func(X, W, b, Y, R, lam) == pytest.approx(J, rel=1e-4 if X.dtype == np.float32 else 1e-10)
    assert got_J == pytest.approx(J, rel=1e-4 if X.dtype == np.float32 else 1e-10)
    assert_close(gX, E @ W64 + lam * X64, X.dtype, scale=scale, factor=10)
    assert_close(gW, E.T @ X64 + lam * W64, X.dtype, scale=scale, factor=10)
    assert_close(gb, E.sum(0, keepdims=True), X.dtype, scale=scale, factor=10)


@prop_settings(30)
@given(st.integers(1, 300), st.integers(1, 6), st.integers(1, 64), st.integers(0, 2**31))
def test_replay_sampling_draws_distinct_stored_rows(n, d, batch, seed):
    from pyml.rl import ReplayBuffer

    cap = max(n // 2, 1) + seed % 7
    buf = ReplayBuffer(capacity=cap, state_dim=d, random_state=seed % 1000)
    S = np.arange(n * d, dtype=np.float64).reshape(n, d)
    buf.add(S, np.zeros(n, int), np.arange(n, dtype=float), S + 0.5, np.zeros(n, bool))
    assert len(buf) == min(n, cap)
    if batch > len(buf):
        with pytest.raises(ValueError, match="batch"):
            buf.sample(batch)
        return
    states, actions, rewards, next_states, dones = buf.sample(batch)
    idx = buf.last_indices_
    assert len(np.unique(idx)) == batch and idx.min() >= 0 and idx.max() < len(buf)
    kept = S[n - len(buf):]  # the ring holds the newest rows
    assert set(map(tuple, states.astype(np.float64))) <= set(map(tuple, kept.astype(np.float32).astype(np.float64)))
    np.testing.assert_allclose(next_states, states + 0.5, rtol=1e-6)


@prop_settings(30)
@given(st.integers(1, 40), st.integers(1, 8), st.integers(2, 5), st.integers(0, 2**31),
       st.floats(0.0, 1.0))
def test_dqn_lab_loss_equals_numpy(n, d, k, seed, gamma):
    from pyml.rl import compute_loss

    rng = np.random.default_rng(seed)
    Wq, Wt = rng.normal(size=(d, k)), rng.normal(size=(d, k))
    S, S2 = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    A, Rw, D = rng.integers(0, k, n), rng.normal(size=n), (rng.random(n) < 0.3).astype(float)
    y = Rw + gamma * (S2 @ Wt).max(1) * (1 - D)
    ref = np.mean((y - (S @ Wq)[np.arange(n), A]) ** 2)
    got = compute_loss((S, A, Rw, S2, D), gamma, lambda s: s @ Wq, lambda s: s @ Wt)
    assert float(got) == pytest.approx(ref, rel=1e-5, abs=1e-9)


@st.composite
def mlp_case(draw):
    X = draw(matrices(n_min=1, n_max=24, d_min=1, d_max=6, lo=-2, hi=2))
    hidden = draw(st.integers(1, 7))
    out = draw(st.integers(1, 3))
    act = draw(st.sampled_from(["relu", "sigmoid", "tanh", "linear"]))
    seed = draw(st.integers(0, 2**31))
    l2 = draw(st.sampled_from([0.0, 0.01]))
    return X, hidden, out, act, seed, l2


@prop_settings(30)
@given(mlp_case())
def test_one_sgd_training_step_equals_numpy_backprop(case):
    """The training kernel (forward, MSE loss, backward, L2 term, SGD step) against NumPy backprop."""
    from pyml.neural_network import L2, SGD, Input, Sequential

    X, hidden, out, act, seed, l2 = case
    # training flushes subnormal numbers to zero (FTZ/DAZ, documented in csrc/nn_layout.h): not compared here
    ax = np.abs(native64(X))
    assume(not np.any((ax > 0) & (ax < 1e-30)))
    dt = np.dtype(result_dtype(X))
    rng = np.random.default_rng(seed)
    Y = rng.normal(size=(X.shape[0], out))
    model = Sequential([Input(shape=(X.shape[1],)), Dense(hidden, activation=act, kernel_regularizer=L2(l2)),
                        Dense(out)], dtype=dt.name, random_state=seed % 1000, n_jobs=1)
    model.compile(loss="mse", optimizer=SGD(learning_rate=0.1))
    W1, b1, W2, b2 = (w.astype(np.float64) for w in model.get_weights())
    X64 = native64(X).astype(dt).astype(np.float64)
    Y64 = Y.astype(dt).astype(np.float64)
    Z1 = X64 @ W1 + b1
    fn = {"relu": lambda z: np.maximum(z, 0), "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh,
          "linear": lambda z: z}[act]
    A1 = fn(Z1)
    d1 = {"relu": lambda a: (a > 0).astype(float), "sigmoid": lambda a: a * (1 - a), "tanh": lambda a: 1 - a * a,
          "linear": np.ones_like}[act](A1)
    P = A1 @ W2 + b2
    m = X.shape[0]
    dP = 2 * (P - Y64) / (m * out)  # Keras MSE: mean over rows and outputs
    gW2, gb2 = A1.T @ dP, dP.sum(0)
    dZ1 = (dP @ W2.T) * d1
    gW1, gb1 = X64.T @ dZ1 + 2 * l2 * W1, dZ1.sum(0)
    model.train_on_batch(X, Y)
    for got, w, g in zip(model.get_weights(), (W1, b1, W2, b2), (gW1, gb1, gW2, gb2)):
        assert_close(got, w - 0.1 * g, dt, scale=1.0 + float(np.abs(w).max()), factor=20)
