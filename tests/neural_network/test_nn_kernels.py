"""Kernel-level checks: forward passes against NumPy references, gradients
against finite differences (float64), optimiser updates against their
formulas, identical results for 1 and 2 threads."""
import numpy as np
import pytest

from pyml.neural_network import _nn_kernels as _k

ACTS = {"linear": 0, "relu": 1, "sigmoid": 2, "softmax": 3, "tanh": 4}
LOSSES = {"mse": 0, "bce": 1, "cce": 2, "scce": 3}


def np_act(name, Z):
    if name == "linear":
        return Z
    if name == "relu":
        return np.maximum(Z, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-Z))
    if name == "tanh":
        return np.tanh(Z)
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def np_loss(kind, from_logits, act, Z, Yf, Yi, cols=None):
    """NumPy reference of the loss as a function of the output pre-activation Z."""
    A = np_act(act, Z)
    eps = 1e-7
    if kind == "mse":
        if cols is not None:
            return np.mean((A[np.arange(len(A)), cols] - Yf) ** 2)
        return np.mean((A - Yf) ** 2)
    if kind == "bce":
        if from_logits:
            return np.mean(np.logaddexp(0, A) - Yf * A)
        p = np.clip(A, eps, 1 - eps)
        return np.mean(-(Yf * np.log(p) + (1 - Yf) * np.log(1 - p)))
    if from_logits:
        logp = A - (np.log(np.sum(np.exp(A - A.max(1, keepdims=True)), 1, keepdims=True)) + A.max(1, keepdims=True))
    else:
        p = np.clip(A / A.sum(1, keepdims=True), eps, 1 - eps)
        logp = np.log(p)
    if kind == "scce":
        return -np.mean(logp[np.arange(len(Z)), Yi])
    return -np.mean(np.sum(Yf * logp, axis=1))


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.mark.parametrize("act", list(ACTS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 3, 1), (7, 5, 3), (37, 19, 21), (64, 40, 33)])
def test_dense_forward_matches_numpy(act, dtype, shape, rng):
    n, n_in, n_out = shape
    X = rng.normal(size=(n, n_in)).astype(dtype)
    W = rng.normal(size=(n_in, n_out)).astype(dtype)
    b = rng.normal(size=n_out).astype(dtype)
    ref = np_act(act, X.astype(np.float64) @ W + b)
    for nt in (1, 2):
        A = _k.dense_forward(X, W, b, ACTS[act], nt)
        assert A.dtype == dtype
        np.testing.assert_allclose(A, ref, rtol=1e-4 if dtype == np.float32 else 1e-12,
                                   atol=1e-4 if dtype == np.float32 else 1e-12)
    np.testing.assert_array_equal(_k.dense_forward(X, W, b, ACTS[act], 1), _k.dense_forward(X, W, b, ACTS[act], 2))


def _fd(f, x, h=1e-6):
    g = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        fp = f()
        x[i] = old - h
        fm = f()
        x[i] = old
        g[i] = (fp - fm) / (2 * h)
    return g


@pytest.mark.parametrize("act", list(ACTS))
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_dense_backward_gradcheck(act, l2, rng):
    n, n_in, n_out = 6, 5, 4
    X = rng.normal(size=(n, n_in))
    W = rng.normal(size=(n_in, n_out))
    b = rng.normal(size=n_out)
    R = rng.normal(size=(n, n_out))  # L = sum(R * A) + l2 * sum(W^2): dL/dA = R

    def L():
        return np.sum(R * np_act(act, X @ W + b)) + l2 * np.sum(W * W)

    A = _k.dense_forward(X, W, b, ACTS[act], 1)
    dW, db, dX = _k.dense_backward(X, W, A, R, ACTS[act], l2, True, 1)
    np.testing.assert_allclose(dW, _fd(L, W), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(db, _fd(L, b), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(dX, _fd(L, X), rtol=1e-6, atol=1e-7)
    dW2, db2, dX2 = _k.dense_backward(X, W, A, R, ACTS[act], l2, True, 2)
    np.testing.assert_array_equal(dW, dW2)
    np.testing.assert_array_equal(dX, dX2)


LOSS_CASES = [
    ("mse", False, "linear"), ("mse", False, "sigmoid"), ("mse", False, "relu"), ("mse", False, "softmax"),
    ("bce", True, "linear"), ("bce", False, "sigmoid"), ("bce", False, "linear"), ("bce", True, "tanh"),
    ("cce", True, "linear"), ("cce", False, "softmax"), ("cce", False, "sigmoid"), ("cce", True, "softmax"),
    ("scce", True, "linear"), ("scce", False, "softmax"), ("scce", False, "sigmoid"), ("scce", True, "tanh"),
]


@pytest.mark.parametrize("kind,from_logits,act", LOSS_CASES)
def test_loss_value_and_gradcheck(kind, from_logits, act, rng):
    n, k = 9, 4
    Z = rng.normal(size=(n, k))
    if act == "linear" and kind in ("bce",) and not from_logits:
        Z = rng.uniform(0.05, 0.95, size=(n, k))  # probabilities given directly
    if act == "linear" and kind in ("cce", "scce") and not from_logits:
        Z = rng.uniform(0.05, 0.95, size=(n, k))
    Yi = rng.integers(0, k, n).astype(np.int32)
    if kind == "bce":
        Yf = rng.integers(0, 2, (n, k)).astype(np.float64)
    elif kind == "cce":
        Yf = np.eye(k)[Yi]
    elif kind == "mse":
        Yf = rng.normal(size=(n, k))
    else:
        Yf = None
    value, dZ = _k.loss_grad(LOSSES[kind], from_logits, ACTS[act], Z, Yf, Yi if kind == "scce" else None, None, 1)
    ref = np_loss(kind, from_logits, act, Z, Yf, Yi)
    np.testing.assert_allclose(value, ref, rtol=1e-10)
    g = _fd(lambda: np_loss(kind, from_logits, act, Z, Yf, Yi), Z)
    np.testing.assert_allclose(dZ, g, rtol=1e-5, atol=1e-8)


def test_loss_on_gathered_column(rng):
    """DQN-style: MSE on Q[i, a_i] only."""
    n, k = 8, 3
    Z = rng.normal(size=(n, k))
    y = rng.normal(size=n)
    cols = rng.integers(0, k, n).astype(np.int32)
    value, dZ = _k.loss_grad(0, False, 0, Z, y, None, cols, 1)
    np.testing.assert_allclose(value, np_loss("mse", False, "linear", Z, y, None, cols))
    g = _fd(lambda: np_loss("mse", False, "linear", Z, y, None, cols), Z)
    np.testing.assert_allclose(dZ, g, rtol=1e-6, atol=1e-9)


def test_fused_cross_entropy_is_stable():
    Z = np.array([[1000.0, 0.0, -1000.0], [-800.0, 800.0, 0.0]])
    value, dZ = _k.loss_grad(3, True, 0, Z, None, np.array([1, 1], np.int32), None, 1)
    assert np.isfinite(value) and np.isfinite(dZ).all()
    np.testing.assert_allclose(value, 1000.0 / 2)


def test_bad_labels_raise():
    Z = np.zeros((3, 4))
    with pytest.raises(IndexError):
        _k.loss_grad(3, True, 0, Z, None, np.array([0, 4, 1], np.int32), None, 1)
    with pytest.raises(IndexError):
        _k.loss_grad(0, False, 0, Z, np.zeros(3), None, np.array([0, 9, 1], np.int32), 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_sgd_soft_update_formulas(dtype, rng):
    w0 = rng.normal(size=(5, 7)).astype(dtype)
    g = rng.normal(size=(5, 7)).astype(dtype)
    m0 = rng.normal(size=(5, 7)).astype(dtype) * 0.1
    v0 = rng.random(size=(5, 7)).astype(dtype) * 0.1
    w, m, v = w0.copy(), m0.copy(), v0.copy()
    lr, b1, b2, eps, t = 0.01, 0.9, 0.999, 1e-7, 3
    _k.adam_update(w, g, m, v, lr, b1, b2, eps, t, 2)
    m_ref = b1 * m0 + (1 - b1) * g
    v_ref = b2 * v0 + (1 - b2) * g * g
    alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(m, m_ref, rtol=tol, atol=tol)
    np.testing.assert_allclose(v, v_ref, rtol=tol, atol=tol)
    np.testing.assert_allclose(w, w0 - alpha * m_ref / (np.sqrt(v_ref) + eps), rtol=tol, atol=tol)
    w, vel = w0.copy(), m0.copy()
    _k.sgd_update(w, g, vel, 0.1, 0.9, False, 1)
    np.testing.assert_allclose(vel, 0.9 * m0 - 0.1 * g, rtol=tol, atol=tol)
    np.testing.assert_allclose(w, w0 + 0.9 * m0 - 0.1 * g, rtol=tol, atol=tol)
    w = w0.copy()
    _k.sgd_update(w, g, None, 0.1, 0.0, False, 1)
    np.testing.assert_allclose(w, w0 - 0.1 * g, rtol=tol, atol=tol)
    target = m0.copy()
    _k.soft_update(target, w0, 0.01, 2)
    np.testing.assert_allclose(target, 0.01 * w0 + 0.99 * m0, rtol=tol, atol=tol)


def _net(rng, sizes, acts, dtype=np.float64, l2=0.0, adam=False):
    specs = []
    for n_in, n_out, act in zip(sizes[:-1], sizes[1:], acts):
        s = dict(W=rng.normal(size=(n_in, n_out)).astype(dtype) * 0.5, b=rng.normal(size=n_out).astype(dtype) * 0.1,
                 activation=ACTS[act], l2=l2)
        s["gW"], s["gb"] = np.zeros_like(s["W"]), np.zeros_like(s["b"])
        if adam:
            s["mW"], s["mb"], s["vW"], s["vb"] = (np.zeros_like(s["W"]), np.zeros_like(s["b"]),
                                                  np.zeros_like(s["W"]), np.zeros_like(s["b"]))
        specs.append(s)
    return specs


def _np_forward(specs, X, acts):
    A = X
    for s, act in zip(specs, acts):
        A = np_act(act, A @ s["W"] + s["b"])
    return A


@pytest.mark.parametrize("kind,from_logits,acts", [
    ("scce", True, ["relu", "sigmoid", "linear"]),
    ("scce", False, ["tanh", "relu", "softmax"]),
    ("bce", False, ["relu", "sigmoid"]),
    ("mse", False, ["sigmoid", "tanh", "linear"]),
])
@pytest.mark.parametrize("l2", [0.0, 0.05])
def test_network_step_gradcheck(kind, from_logits, acts, l2, rng):
    sizes = [6, 5, 4, 3][: len(acts) + 1]
    specs = _net(rng, sizes, acts, l2=l2)
    n = 11
    X = rng.normal(size=(n, sizes[0]))
    k = sizes[-1]
    Yi = rng.integers(0, k, n).astype(np.int32)
    Yf = None if kind == "scce" else (rng.integers(0, 2, (n, k)).astype(float) if kind == "bce"
                                      else rng.normal(size=(n, k)))

    def L():
        Z = X
        for s, act in zip(specs[:-1], acts[:-1]):
            Z = np_act(act, Z @ s["W"] + s["b"])
        Z = Z @ specs[-1]["W"] + specs[-1]["b"]
        pen = sum(l2 * np.sum(s["W"] ** 2) for s in specs)
        return np_loss(kind, from_logits, acts[-1], Z, Yf, Yi) + pen

    loss0 = L()
    # SGD with learning rate 0 leaves the weights alone and the gradients in gW/gb
    value, t = _k.mlp_train_step(specs, LOSSES[kind], from_logits, {"kind": 0, "learning_rate": 0.0}, X, Yf,
                                 Yi if kind == "scce" else None, None, 1)
    np.testing.assert_allclose(value, loss0, rtol=1e-10)
    assert t == 1
    for s in specs:
        np.testing.assert_allclose(s["gW"], _fd(L, s["W"]), rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(s["gb"], _fd(L, s["b"]), rtol=1e-5, atol=1e-8)


def test_mlp_forward_matches_numpy(rng):
    acts = ["relu", "sigmoid", "softmax"]
    for dtype in (np.float32, np.float64):
        specs = _net(rng, [30, 17, 9, 4], acts, dtype=dtype)
        X = rng.normal(size=(700, 30)).astype(dtype)  # several inference chunks
        ref = _np_forward([{k: v.astype(np.float64) for k, v in s.items() if k in "Wb"} for s in specs],
                          X.astype(np.float64), acts)
        out = _k.mlp_forward(specs, X, True, 2)
        assert out.dtype == dtype
        np.testing.assert_allclose(out, ref, rtol=1e-4 if dtype == np.float32 else 1e-12, atol=1e-6)
        np.testing.assert_array_equal(out, _k.mlp_forward(specs, X, True, 1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_epoch_identical_for_1_and_2_threads(dtype):
    results = []
    for nt in (1, 2):
        rng = np.random.default_rng(5)
        specs = _net(rng, [40, 33, 17, 10], ["relu", "relu", "linear"], dtype=dtype, l2=0.01, adam=True)
        X = rng.normal(size=(300, 40)).astype(dtype)
        y = rng.integers(0, 10, 300).astype(np.int32)
        t = 0
        for epoch in range(3):
            perm = rng.permutation(300).astype(np.int64)
            loss, t, _ = _k.mlp_train_epoch(specs, 3, True, {"kind": 1, "learning_rate": 0.01, "t": t}, X, None, y,
                                            perm, 32, nt)
        results.append((loss, t, [s["W"].copy() for s in specs], [s["b"].copy() for s in specs]))
    assert results[0][0] == results[1][0]
    assert results[0][1] == results[1][1] == 3 * 10
    for a, b in zip(results[0][2] + results[0][3], results[1][2] + results[1][3]):
        np.testing.assert_array_equal(a, b)


def test_epoch_equals_sequence_of_steps(rng):
    """An epoch is exactly the mini-batch steps over the permutation."""
    specs_a = _net(np.random.default_rng(1), [8, 6, 3], ["relu", "linear"], adam=True)
    specs_b = _net(np.random.default_rng(1), [8, 6, 3], ["relu", "linear"], adam=True)
    X = rng.normal(size=(50, 8))
    y = rng.integers(0, 3, 50).astype(np.int32)
    perm = rng.permutation(50).astype(np.int64)
    opt = {"kind": 1, "learning_rate": 0.01}
    loss, t, _ = _k.mlp_train_epoch(specs_a, 3, True, dict(opt, t=0), X, None, y, perm, 16, 1)
    tb, total = 0, 0.0
    for b0 in range(0, 50, 16):
        idx = perm[b0:b0 + 16]
        lb, tb = _k.mlp_train_step(specs_b, 3, True, dict(opt, t=tb), np.ascontiguousarray(X[idx]), None,
                                   np.ascontiguousarray(y[idx]), None, 1)
        total += lb * len(idx)
    assert t == tb == 4
    np.testing.assert_allclose(loss, total / 50, rtol=1e-12)
    for a, b in zip(specs_a, specs_b):
        np.testing.assert_array_equal(a["W"], b["W"])


def test_kernel_rejects_bad_inputs(rng):
    specs = _net(rng, [4, 3, 2], ["relu", "linear"], adam=True)
    X = rng.normal(size=(5, 4))
    with pytest.raises(IndexError):
        _k.mlp_train_epoch(specs, 3, True, {"kind": 1}, X, None, np.array([0, 1, 2, 0, 1], np.int32),
                           np.arange(5, dtype=np.int64), 2, 1)
    with pytest.raises(IndexError):
        _k.mlp_train_epoch(specs, 3, True, {"kind": 1}, X, None, np.zeros(5, np.int32),
                           np.array([0, 7], dtype=np.int64), 2, 1)
    with pytest.raises(ValueError):
        _k.mlp_forward(specs, rng.normal(size=(5, 3)), True, 1)
    bad = _net(rng, [4, 3, 2], ["softmax", "linear"])
    with pytest.raises(ValueError):
        _k.mlp_forward(bad, X, True, 1)
    with pytest.raises(TypeError):
        _k.dense_forward(X.astype(np.float32), specs[0]["W"], specs[0]["b"], 0, 1)
