"""Helpers shared by the benchmark files (importable because benchmarks/ has no __init__.py:
pytest puts this folder on sys.path when it collects the bench_*.py files beside it)."""
import contextlib
import time

import numpy as np


def thread_limits(threads):
    """Limit the peers' BLAS/OpenMP pools to ``threads`` (threadpoolctl; a no-op without it)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads)


def best_of(fn, repeats=3):
    """(best wall time in seconds, last result) of ``repeats`` calls of ``fn()``."""
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def torch_epochs(model, opt, loss_fn, Xt, yt, batch, n_epochs):
    """The PyTorch peer's plain training loop (shuffled mini-batches, one optimiser step each), as a
    function that runs ``n_epochs`` epochs."""
    import torch

    n = len(Xt)

    def run():
        model.train()
        for _ in range(n_epochs):
            perm = torch.randperm(n)
            for i in range(0, n, batch):
                idx = perm[i:i + batch]
                opt.zero_grad()
                loss_fn(model(Xt[idx]), yt[idx]).backward()
                opt.step()

    return run
