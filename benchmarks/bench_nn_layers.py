"""W8d: MLP training with LeakyReLU and Dropout layers, seconds per epoch, pyml vs a plain
PyTorch loop (same data, architecture, batch size, epochs).

X float32 (20000 x 784; synthetic, as W8b: noisy copies of 10 prototype images), 10 classes;
Dense(128) -> LeakyReLU(0.3) -> Dropout(0.2) -> Dense(64) -> LeakyReLU(0.3) -> Dropout(0.2)
-> Dense(10), sparse categorical cross-entropy from logits, Adam lr 0.001, batch 128, shuffled.
pyml folds each LeakyReLU / Dropout into the Dense kernel before it (the mask drawn in C);
PyTorch runs its own modules. Quality: train accuracy (dropout off) after the timed epochs.

Run:  python benchmarks/run.py -k nn_layers        (PYML_BENCH_SMALL=1 for a smoke run)
"""
import os

import numpy as np
import pytest
from _bench_common import torch_epochs  # noqa: E402

SMALL = os.environ.get("PYML_BENCH_SMALL", "") not in ("", "0")
W = dict(n=2000 if SMALL else 20000, d=784, hidden=(128, 64), k=10, batch=128, epochs=1 if SMALL else 3,
         slope=0.3, rate=0.2)
ROUNDS = 1 if SMALL else 3
THREADS = [1, 2]
_CACHE = {}


def data():
    if not _CACHE:
        rng = np.random.default_rng(0)
        prototypes = rng.random((W["k"], W["d"]), dtype=np.float32)
        y = rng.integers(0, W["k"], W["n"])
        X = 0.35 * prototypes[y] + 0.65 * rng.random((W["n"], W["d"]), dtype=np.float32)
        _CACHE["xy"] = (np.ascontiguousarray(X, dtype=np.float32), y.astype(np.int64))
    return _CACHE["xy"]


@pytest.mark.parametrize("threads", THREADS)
def bench_pyml_leaky_dropout(benchmark, record, threads):
    from pyml.neural_network import Adam, Dense, Dropout, Input, LeakyReLU, Sequential, SparseCategoricalCrossentropy

    X, y = data()
    layers = [Input(shape=(W["d"],))]
    for h in W["hidden"]:
        layers += [Dense(h), LeakyReLU(W["slope"]), Dropout(W["rate"])]
    model = Sequential(layers + [Dense(W["k"])], random_state=0, n_jobs=threads)
    model.compile(loss=SparseCategoricalCrossentropy(from_logits=True), optimizer=Adam(learning_rate=0.001))
    benchmark.pedantic(lambda: model.fit(X, y, epochs=W["epochs"], batch_size=W["batch"], verbose=0),
                       rounds=ROUNDS, iterations=1, warmup_rounds=0)
    acc = float(np.mean(np.argmax(model.predict(X), axis=1) == y))
    record(benchmark, "W8d", "pyml", threads, "float32", acc, W["epochs"])


@pytest.mark.parametrize("threads", THREADS)
def bench_torch_leaky_dropout(benchmark, record, threads):
    torch = pytest.importorskip("torch")
    X, y = data()
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    sizes = [W["d"], *W["hidden"]]
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.LeakyReLU(W["slope"]), torch.nn.Dropout(W["rate"])]
    model = torch.nn.Sequential(*layers, torch.nn.Linear(sizes[-1], W["k"]))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    epochs = torch_epochs(model, opt, loss_fn, Xt, yt, W["batch"], W["epochs"])

    benchmark.pedantic(epochs, rounds=ROUNDS, iterations=1, warmup_rounds=0)
    model.eval()
    with torch.no_grad():
        acc = float((model(Xt).argmax(1) == yt).float().mean())
    record(benchmark, "W8d", "torch", threads, "float32", acc, W["epochs"])
