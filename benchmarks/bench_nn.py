"""W8 / W8b (shared/BENCHMARKS.md): MLP training, seconds per epoch, pyml vs a plain PyTorch loop
(and Keras ``model.fit`` when TensorFlow is installed): same data, architecture, batch size, epochs.

W8:  X float32 (5000 x 400), 10 classes; Dense(25, relu) -> Dense(15, relu) -> Dense(10, linear),
     sparse categorical cross-entropy from logits, Adam lr 0.001, batch 32, shuffled.
W8b: X float32 (60000 x 784), 128 -> 64 -> 10, batch 128.

The course's digit images (X.npy) are not public, so X is synthetic, float32 in [0, 1): each row is
a noisy copy of one of 10 fixed random "prototype images" (its label), so the recorded quality
(train accuracy after the timed epochs) is meaningful.

One round trains ``EPOCHS`` epochs (pyml: one ``model.fit(epochs=...)`` call, so input validation
is paid once, as a user pays it); ``unit_divisor`` = EPOCHS, so run.py reports seconds per epoch.
Run:  python benchmarks/run.py -k nn            (PYML_BENCH_SMALL=1 for a smoke run)
"""
import os

import numpy as np
import pytest
from _bench_common import torch_epochs  # noqa: E402

SMALL = os.environ.get("PYML_BENCH_SMALL", "") not in ("", "0")
WORKLOADS = {
    "W8": dict(n=1000 if SMALL else 5000, d=400, hidden=(25, 15), k=10, batch=32, epochs=2 if SMALL else 5),
    "W8b": dict(n=4000 if SMALL else 60000, d=784, hidden=(128, 64), k=10, batch=128, epochs=1 if SMALL else 2),
}
ROUNDS = 1 if SMALL else 3
THREADS = [1, 2]
_CACHE = {}


def data(name):
    if name not in _CACHE:
        _CACHE.clear()
        w = WORKLOADS[name]
        rng = np.random.default_rng(0)
        prototypes = rng.random((w["k"], w["d"]), dtype=np.float32)
        y = rng.integers(0, w["k"], w["n"])
        X = 0.35 * prototypes[y] + 0.65 * rng.random((w["n"], w["d"]), dtype=np.float32)
        _CACHE[name] = (np.ascontiguousarray(X, dtype=np.float32), y.astype(np.int64))
    return _CACHE[name]


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("name", ["W8", "W8b"])
def bench_pyml_mlp(benchmark, record, name, threads):
    from pyml.neural_network import Adam, Dense, Input, Sequential, SparseCategoricalCrossentropy

    w = WORKLOADS[name]
    X, y = data(name)
    layers = [Input(shape=(w["d"],))] + [Dense(h, activation="relu") for h in w["hidden"]]
    model = Sequential(layers + [Dense(w["k"], activation="linear")], random_state=0, n_jobs=threads)
    model.compile(loss=SparseCategoricalCrossentropy(from_logits=True), optimizer=Adam(learning_rate=0.001))
    benchmark.pedantic(lambda: model.fit(X, y, epochs=w["epochs"], batch_size=w["batch"], verbose=0),
                       rounds=ROUNDS, iterations=1, warmup_rounds=0)
    acc = float(np.mean(np.argmax(model.predict(X), axis=1) == y))
    record(benchmark, name, "pyml", threads, "float32", acc, w["epochs"])


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("name", ["W8", "W8b"])
def bench_torch_mlp(benchmark, record, name, threads):
    torch = pytest.importorskip("torch")
    w = WORKLOADS[name]
    X, y = data(name)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    sizes = [w["d"], *w["hidden"], w["k"]]
    layers = []
    for a, b in zip(sizes[:-2], sizes[1:-1]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers, torch.nn.Linear(sizes[-2], sizes[-1]))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    epochs = torch_epochs(model, opt, loss_fn, Xt, yt, w["batch"], w["epochs"])

    benchmark.pedantic(epochs, rounds=ROUNDS, iterations=1, warmup_rounds=0)
    with torch.no_grad():
        acc = float((model(Xt).argmax(1) == yt).float().mean())
    record(benchmark, name, "torch", threads, "float32", acc, w["epochs"])


@pytest.mark.parametrize("name", ["W8", "W8b"])
def bench_keras_mlp(benchmark, record, name):
    tf = pytest.importorskip("tensorflow")
    w = WORKLOADS[name]
    X, y = data(name)
    tf.random.set_seed(0)
    layers = [tf.keras.Input(shape=(w["d"],))] + [tf.keras.layers.Dense(h, activation="relu") for h in w["hidden"]]
    model = tf.keras.Sequential(layers + [tf.keras.layers.Dense(w["k"])])
    model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=tf.keras.optimizers.Adam(0.001))
    model.fit(X, y, epochs=1, batch_size=w["batch"], verbose=0)  # graph tracing outside the timing
    benchmark.pedantic(lambda: model.fit(X, y, epochs=w["epochs"], batch_size=w["batch"], verbose=0),
                       rounds=ROUNDS, iterations=1)
    acc = float(np.mean(np.argmax(model.predict(X, verbose=0), axis=1) == y))
    record(benchmark, name, "keras", "default", "float32", acc, w["epochs"])
