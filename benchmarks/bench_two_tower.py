"""W11 (shared/BENCHMARKS.md): the content-based two-tower network of Course 3 week 2, seconds per epoch
and final train/test loss, pyml's functional ``Model`` vs a plain PyTorch loop (and Keras when TensorFlow
is installed).

Network (the lab's): user 14 -> 256 relu -> 128 relu -> 32, item 16 -> 256 relu -> 128 relu -> 32, both
L2-normalised, row-wise dot product, MSE, Adam(0.01), batch 32, shuffled every epoch.

Data: the course's 58,187 training rows when ``../shared/course-data`` (or ``$PYML_COURSE_DATA``) holds
them (content_item_train.csv, RECONSTRUCTED_content_user_train.csv.gz, content_y_train.csv), prepared as
the lab does: StandardScaler on user and item features, MinMaxScaler((-1, 1)) on the target, an 80/20
split with random_state 1, user columns 3: (14 features) and item columns 1: (16 features). Otherwise a
synthetic set of the same shape. Both implementations start from the same Glorot-uniform weights.

One round trains ``EPOCHS`` epochs; ``unit_divisor`` = EPOCHS, so run.py reports seconds per epoch.
``quality`` is the final test loss (the train loss of the last epoch is in ``extra_info``).
Run:  python benchmarks/run.py -k two_tower        (PYML_BENCH_SMALL=1 for a smoke run)
"""
import os

import numpy as np
import pytest

SMALL = os.environ.get("PYML_BENCH_SMALL", "") not in ("", "0")
_SHARED_COURSE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "course-data")
COURSE = os.path.join(os.environ.get("PYML_COURSE_DATA", _SHARED_COURSE), "c3w2-content-based-recsys")
EPOCHS = 1 if SMALL else 3
ROUNDS = 1 if SMALL else 2
N_SMALL = 4000
THREADS = [1, 2]
_CACHE = {}


def _standardize(X):
    mu, sd = X.mean(0), X.std(0)
    return (X - mu) / np.where(sd > 0, sd, 1.0)


def _split(n, seed=1):
    """Row indices of train_test_split(train_size=0.8, shuffle=True, random_state=seed)."""
    try:
        from sklearn.model_selection import train_test_split

        return train_test_split(np.arange(n), train_size=0.80, shuffle=True, random_state=seed)
    except ImportError:  # same sizes, a seeded permutation
        perm = np.random.RandomState(seed).permutation(n)
        n_test = int(np.ceil(0.2 * n))
        return perm[n_test:], perm[:n_test]


def data():
    """(user_train, item_train, y_train, user_test, item_test, y_test, source) as float32."""
    if "d" in _CACHE:
        return _CACHE["d"]
    files = [os.path.join(COURSE, f) for f in ("content_item_train.csv", "RECONSTRUCTED_content_user_train.csv.gz",
                                               "content_y_train.csv")]
    if all(os.path.exists(f) for f in files):
        item = np.loadtxt(files[0], delimiter=",")
        user = np.loadtxt(files[1], delimiter=",")
        y = np.loadtxt(files[2], delimiter=",")
        source = "course"
    else:
        rng = np.random.default_rng(0)
        n = 58187
        user = np.hstack([rng.integers(1, 400, (n, 1)), rng.normal(size=(n, 16))])
        item = np.hstack([rng.integers(1, 700, (n, 1)), rng.normal(size=(n, 16))])
        y = np.clip(3 + np.tanh(user[:, 3:4] * item[:, 3:4] + 0.5 * user[:, 4:5]).ravel() * 2, 0.5, 5)
        source = "synthetic"
    user, item = _standardize(user), _standardize(item)
    y = y.reshape(-1, 1)
    y = 2 * (y - y.min()) / (y.max() - y.min()) - 1  # MinMaxScaler((-1, 1))
    tr, te = _split(len(y))
    if SMALL:
        tr, te = tr[:N_SMALL], te[:N_SMALL // 4]
    f = lambda a: np.ascontiguousarray(a, dtype=np.float32)  # noqa: E731
    d = (f(user[tr, 3:]), f(item[tr, 1:]), f(y[tr]), f(user[te, 3:]), f(item[te, 1:]), f(y[te]), source)
    _CACHE["d"] = d
    return d


def init_weights(seed=1):
    """Glorot-uniform kernels and zero biases for the two towers (the Keras default), shared by both impls."""
    rng = np.random.default_rng(seed)
    out = []
    for n_in in (14, 16):
        for a, b in ((n_in, 256), (256, 128), (128, 32)):
            lim = np.sqrt(6.0 / (a + b))
            out += [rng.uniform(-lim, lim, (a, b)).astype(np.float32), np.zeros(b, np.float32)]
    return out


@pytest.mark.parametrize("threads", THREADS)
def bench_pyml_two_tower(benchmark, record, threads):
    from pyml.neural_network import Adam, Dense, Dot, Input, MeanSquaredError, Model, Sequential, l2_normalize

    ut, it, yt, us, is_, ys, source = data()
    user_NN = Sequential([Dense(256, activation="relu"), Dense(128, activation="relu"), Dense(32)])
    item_NN = Sequential([Dense(256, activation="relu"), Dense(128, activation="relu"), Dense(32)])
    input_user = Input(shape=(14,))
    vu = l2_normalize(user_NN(input_user), axis=1)
    input_item = Input(shape=(16,))
    vm = l2_normalize(item_NN(input_item), axis=1)
    model = Model([input_user, input_item], Dot(axes=1)([vu, vm]), random_state=1, n_jobs=threads)
    model.set_weights(init_weights())
    model.compile(optimizer=Adam(learning_rate=0.01), loss=MeanSquaredError())
    hist = {}

    def run():
        hist["h"] = model.fit([ut, it], yt, epochs=EPOCHS, batch_size=32, verbose=0)

    benchmark.pedantic(run, rounds=ROUNDS, iterations=1, warmup_rounds=0)
    test_loss = float(model.evaluate([us, is_], ys))
    benchmark.extra_info.update(train_loss=hist["h"].history["loss"][-1], data=source)
    record(benchmark, "W11", "pyml", threads, "float32", test_loss, EPOCHS)


@pytest.mark.parametrize("threads", THREADS)
def bench_torch_two_tower(benchmark, record, threads):
    torch = pytest.importorskip("torch")
    ut, it, yt, us, is_, ys, source = data()
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    w = init_weights()

    def tower(ws):
        mods = []
        for i in range(3):
            lin = torch.nn.Linear(*ws[2 * i].shape)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(ws[2 * i].T.copy()))
                lin.bias.copy_(torch.from_numpy(ws[2 * i + 1]))
            mods += [lin] + ([torch.nn.ReLU()] if i < 2 else [])
        return torch.nn.Sequential(*mods)

    user_nn, item_nn = tower(w[:6]), tower(w[6:])
    params = list(user_nn.parameters()) + list(item_nn.parameters())
    opt = torch.optim.Adam(params, lr=0.01, eps=1e-7)
    U, I, Y = (torch.from_numpy(a) for a in (ut, it, yt))
    n, bs = len(Y), 32

    def forward(u, i):
        vu = torch.nn.functional.normalize(user_nn(u), dim=1, eps=1e-6)
        vm = torch.nn.functional.normalize(item_nn(i), dim=1, eps=1e-6)
        return (vu * vm).sum(1, keepdim=True)

    hist = {}

    def run():
        for _ in range(EPOCHS):
            perm = torch.randperm(n)
            total = 0.0
            for b0 in range(0, n, bs):
                idx = perm[b0:b0 + bs]
                opt.zero_grad()
                loss = torch.mean((forward(U[idx], I[idx]) - Y[idx]) ** 2)
                loss.backward()
                opt.step()
                total += float(loss) * len(idx)
            hist["train"] = total / n

    benchmark.pedantic(run, rounds=ROUNDS, iterations=1, warmup_rounds=0)
    with torch.no_grad():
        test_loss = float(torch.mean((forward(torch.from_numpy(us), torch.from_numpy(is_)) -
                                      torch.from_numpy(ys)) ** 2))
    benchmark.extra_info.update(train_loss=hist["train"], data=source)
    record(benchmark, "W11", "torch", threads, "float32", test_loss, EPOCHS)


def bench_keras_two_tower(benchmark, record):
    tf = pytest.importorskip("tensorflow")
    ut, it, yt, us, is_, ys, source = data()
    tf.random.set_seed(1)
    user_NN = tf.keras.models.Sequential([tf.keras.layers.Dense(256, activation="relu"),
                                          tf.keras.layers.Dense(128, activation="relu"),
                                          tf.keras.layers.Dense(32)])
    item_NN = tf.keras.models.Sequential([tf.keras.layers.Dense(256, activation="relu"),
                                          tf.keras.layers.Dense(128, activation="relu"),
                                          tf.keras.layers.Dense(32)])
    input_user = tf.keras.layers.Input(shape=(14,))
    vu = tf.linalg.l2_normalize(user_NN(input_user), axis=1)
    input_item = tf.keras.layers.Input(shape=(16,))
    vm = tf.linalg.l2_normalize(item_NN(input_item), axis=1)
    model = tf.keras.Model([input_user, input_item], tf.keras.layers.Dot(axes=1)([vu, vm]))
    model.set_weights(init_weights())
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.01), loss=tf.keras.losses.MeanSquaredError())
    model.fit([ut[:64], it[:64]], yt[:64], epochs=1, verbose=0)  # tracing outside the timing
    benchmark.pedantic(lambda: model.fit([ut, it], yt, epochs=EPOCHS, batch_size=32, verbose=0), rounds=ROUNDS,
                       iterations=1)
    test_loss = float(model.evaluate([us, is_], ys, verbose=0))
    record(benchmark, "W11", "keras", "default", "float32", test_loss, EPOCHS)
