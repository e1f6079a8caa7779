"""``pyml tour``: every implemented course chapter, end to end, on bundled data.

A chapter is a module in :mod:`pyml.cli.chapters` defining ``NAME`` (used by
``--chapter``), ``TITLE``, ``ORDER`` (sort key) and ``run(ctx)``. ``run``
reports results with ``ctx.row(...)``, saves figures with ``ctx.savefig`` and
announces steps with ``ctx.step``. Chapters are discovered automatically, so
adding one is adding a file.
"""
import importlib
import os
import pkgutil
import sys
import time

__all__ = ["TourContext", "discover_chapters", "run_tour"]


def discover_chapters():
    """Chapter modules sorted by ORDER."""
    import pyml.cli.chapters as pkg

    mods = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"pyml.cli.chapters.{info.name}")
        if hasattr(mod, "run") and hasattr(mod, "NAME"):
            mods.append(mod)
    return sorted(mods, key=lambda m: (getattr(m, "ORDER", 100), m.NAME))


class TourContext:
    """What a chapter sees: output folder, progress, result rows, figures."""

    def __init__(self, out, chapter, use_sklearn=True, stream=None):
        self.out = out
        self.chapter = chapter
        self.stream = stream or sys.stdout
        self.rows = []
        self.figures = []
        self.use_sklearn = use_sklearn and _sklearn_available()
        self._t0 = time.perf_counter()

    def step(self, message):
        """Print a progress line."""
        elapsed = time.perf_counter() - self._t0
        print(f"  [{self.chapter} {elapsed:6.1f}s] {message}", file=self.stream, flush=True)

    def row(self, dataset, model, metric, value, fit_time, sklearn_value=None, sklearn_time=None):
        """Add a result line to the chapter's table."""
        self.rows.append(dict(dataset=dataset, model=model, metric=metric, value=value, fit_time=fit_time,
                              sklearn_value=sklearn_value, sklearn_time=sklearn_time))

    def savefig(self, fig, name):
        """Save a figure as ``<out>/<chapter>-<name>.png`` and close it."""
        from pyml.plot import save_figure

        os.makedirs(self.out, exist_ok=True)
        path = save_figure(fig, os.path.join(self.out, f"{self.chapter}-{name}.png"))
        self.figures.append(path)
        return path

    @staticmethod
    def timed(fn, *args, **kwargs):
        """(result, seconds) of fn(*args, **kwargs)."""
        t0 = time.perf_counter()
        result = fn(*args, **kwargs)
        return result, time.perf_counter() - t0


def _sklearn_available():
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return False
    return True


def _fmt(value, digits=4):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def format_table(rows):
    """Rows as an aligned text table."""
    header = ["dataset", "model", "metric", "pyml", "fit s", "sklearn", "sklearn fit s"]
    body = [[r["dataset"], r["model"], r["metric"], _fmt(r["value"]), _fmt(r["fit_time"], 3),
             _fmt(r["sklearn_value"]), _fmt(r["sklearn_time"], 3)] for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *body)]
    line = lambda cells: " | ".join(str(c).ljust(w) for c, w in zip(cells, widths))  # noqa: E731
    sep = "-+-".join("-" * w for w in widths)
    return "\n".join([line(header), sep, *(line(b) for b in body)])


def check_chapters(chapters):
    """None, or a one-line message naming the unknown chapters and listing the valid ones."""
    if not chapters:
        return None
    names = [m.NAME for m in discover_chapters()]
    unknown = [c for c in chapters if c not in names]
    if unknown:
        return f"unknown chapter {', '.join(unknown)}; choose from: {', '.join(names)} (pyml tour --list)"
    return None


def check_out_dir(out):
    """None, or why the figures cannot be written to ``out`` (checked before any work)."""
    if os.path.exists(out) and not os.path.isdir(out):
        return f"--out {out} is a file, not a folder; pass a folder for the figures"
    parent = out if os.path.isdir(out) else (os.path.dirname(os.path.abspath(out)) or ".")
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"--out {out} is not writable; pass a folder you can write to"
    return None


def run_tour(out="pyml-tour", chapters=None, list_only=False, use_sklearn=True, stream=None):
    """Run the chosen chapters (all by default); returns 0 on success."""
    from pyml.plot import use_headless

    use_headless()
    stream = stream or sys.stdout
    available = discover_chapters()
    if list_only:
        for mod in available:
            print(f"{mod.NAME:12s} {mod.TITLE}", file=stream)
        return 0
    if chapters:
        names = {m.NAME for m in available}
        unknown = [c for c in chapters if c not in names]
        if unknown:
            raise SystemExit(f"pyml tour: {check_chapters(chapters)}")
        available = [m for m in available if m.NAME in chapters]
    if use_sklearn and not _sklearn_available():
        print("scikit-learn is not installed: the sklearn columns stay empty "
              "(pip install scikit-learn to see its figures beside pyml's)", file=stream)
    total = time.perf_counter()
    for i, mod in enumerate(available, 1):
        print(f"\n== [{i}/{len(available)}] {mod.NAME}: {mod.TITLE} ==", file=stream, flush=True)
        ctx = TourContext(out, mod.NAME, use_sklearn=use_sklearn, stream=stream)
        t0 = time.perf_counter()
        mod.run(ctx)
        print(format_table(ctx.rows), file=stream)
        print(f"  figures: {len(ctx.figures)} in {out}/   chapter time {time.perf_counter() - t0:.1f}s",
              file=stream, flush=True)
    print(f"\nTour finished in {time.perf_counter() - total:.1f}s; figures in {os.path.abspath(out)}",
          file=stream)
    return 0
