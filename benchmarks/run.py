"""Run the benchmarks and print: workload | variant | threads | pyml | peer | ratio | quality pyml | quality peer.

Usage:
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/run.py [pytest args, e.g. -k W1]
    python benchmarks/run.py --table results.json      # table from an earlier --benchmark-json
(A script rather than ``python -m``: the source tree must not shadow the installed, compiled pyml.)
Times are per unit (per iteration for W1/W2, per epoch for W8, per fit otherwise); ratio = pyml / peer.
"""
import json
import os
import sys
import tempfile
from collections import defaultdict


def _fmt_q(q):
    if q is None:
        return "-"
    return f"{q:.6g}" if isinstance(q, (int, float)) else str(q)


def _fmt_t(seconds):
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


def table(results):
    groups = defaultdict(dict)
    pair_all = defaultdict(dict)  # workload -> peers paired with every pyml row of it
    for bench in results["benchmarks"]:
        info = bench.get("extra_info", {})
        if "workload" not in info:
            continue
        per_unit = bench["stats"]["median"] / float(info.get("unit_divisor", 1) or 1)
        if info.get("pair_all"):
            pair_all[info["workload"]][info["impl"]] = (per_unit, info.get("quality"))
            continue
        key = (info["workload"], info.get("variant", ""), info.get("threads", ""))
        groups[key][info["impl"]] = (per_unit, info.get("quality"))
    for workload, peers in pair_all.items():
        keys = [k for k in groups if k[0] == workload] or [(workload, "", "")]
        for key in keys:
            groups[key].update(peers)
    rows = []
    for key in sorted(groups, key=lambda k: (str(k[0]), str(k[1]), str(k[2]))):
        impls = groups[key]
        ours = {k: v for k, v in impls.items() if k.startswith("pyml")}
        peers = {k: v for k, v in impls.items() if not k.startswith("pyml")}
        for name, (t_mine, q_mine) in sorted(ours.items()):
            label = "" if name == "pyml" else f" ({name[5:]})"
            for peer, (t_peer, q_peer) in sorted(peers.items()):
                rows.append([*map(str, key), f"{_fmt_t(t_mine)}{label}", f"{peer} {_fmt_t(t_peer)}",
                             f"{t_mine / t_peer:.2f}", _fmt_q(q_mine), _fmt_q(q_peer)])
            if not peers:
                rows.append([*map(str, key), f"{_fmt_t(t_mine)}{label}", "(no peer run)", "-", _fmt_q(q_mine), "-"])
        if not ours:
            for peer, (t_peer, q_peer) in sorted(peers.items()):
                rows.append([*map(str, key), "-", f"{peer} {_fmt_t(t_peer)}", "-", "-", _fmt_q(q_peer)])
    header = ["workload", "variant", "threads", "pyml", "peer", "ratio", "quality pyml", "quality peer"]
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    out = [" | ".join(h.ljust(w) for h, w in zip(header, widths)), "-+-".join("-" * w for w in widths)]
    out += [" | ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(out)


def _print_environment():
    """Which BLAS kernel NumPy will use (threadpoolctl) and the OpenBLAS overrides, for the record."""
    import numpy  # noqa: F401  (loads the BLAS so threadpoolctl can see it)

    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        print(f"{var}={os.environ.get(var, '<unset>')}")
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        print("threadpoolctl not installed: BLAS kernel not recorded")
        return
    for lib in threadpool_info():
        print(f"{lib.get('user_api')}: {lib.get('internal_api')} {lib.get('version')} "
              f"architecture={lib.get('architecture')} threads={lib.get('num_threads')}")


def main(argv):
    if argv[:1] == ["--table"]:
        with open(argv[1]) as fh:
            print(table(json.load(fh)))
        return 0
    import pytest

    _print_environment()
    here = os.path.dirname(os.path.abspath(__file__))
    fd, path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    code = pytest.main([here, "-q", "-p", "no:cacheprovider", f"--benchmark-json={path}",
                        "--benchmark-columns=median,iqr,rounds", *argv])
    with open(path) as fh:
        text = fh.read()
    if not text.strip():
        print("no benchmark ran")
        return int(code)
    print("\n" + table(json.loads(text)))
    print(f"\n(raw results: {path})")
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
