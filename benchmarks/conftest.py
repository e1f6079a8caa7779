"""Shared benchmark plumbing (pytest-benchmark).

Every benchmark records in ``benchmark.extra_info``:
``workload`` (W1...), ``impl`` ("pyml" or the peer's name), ``threads``,
``variant`` (e.g. the dtype), ``quality`` (cost / accuracy / ...) and
``unit_divisor`` (e.g. 100 iterations per call, so per-iteration times are
mean / 100). ``python benchmarks/run.py`` pairs pyml with each peer on
(workload, variant, threads) and prints the ratio table. A peer recorded
with ``pair_all=True`` (a single-threaded tool with one configuration, e.g.
scikit-learn's tree) is paired with every pyml row of its workload.

PYML_BENCH_SMALL=1 runs every workload at a small size (smoke runs).
"""
import os

import pytest

SMALL = os.environ.get("PYML_BENCH_SMALL", "") not in ("", "0")


def pytest_report_header(config):
    lines = [f"pyml benchmarks: {'SMALL smoke sizes' if SMALL else 'full BENCHMARKS.md sizes'}"]
    try:
        from threadpoolctl import threadpool_info

        for lib in threadpool_info():
            lines.append(f"BLAS/OpenMP: {lib.get('internal_api')} {lib.get('version')} "
                         f"arch={lib.get('architecture')} threads={lib.get('num_threads')} ({lib.get('prefix')})")
    except ImportError:
        lines.append("threadpoolctl not installed: BLAS kernel not recorded")
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        lines.append(f"{var}={os.environ.get(var, '<unset>')}")
    return lines


@pytest.fixture
def record():
    """record(benchmark, workload, impl, threads, variant, quality, unit_divisor, unit, pair_all)."""

    def _record(benchmark, workload, impl, threads, variant="", quality=None, unit_divisor=1, unit="s",
                pair_all=False):
        benchmark.extra_info.update(workload=workload, impl=impl, threads=threads, variant=variant,
                                    quality=quality, unit_divisor=unit_divisor, unit=unit, pair_all=pair_all)
        try:
            from threadpoolctl import threadpool_info

            benchmark.extra_info["blas"] = ";".join(
                f"{i.get('internal_api')}:{i.get('architecture')}" for i in threadpool_info()
                if i.get("user_api") == "blas")
        except ImportError:
            pass

    return _record
