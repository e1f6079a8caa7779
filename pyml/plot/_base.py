"""Shared plumbing for pyml's plots.

Convention: a plot is computed once into a ``Display`` object (from an
estimator or from arrays) and drawn on demand with ``.plot(ax=...)``, which
stores the matplotlib artists it created on the display and returns it, so a
test can check what was drawn. matplotlib is imported lazily here and only in
:mod:`pyml.plot`.
"""

__all__ = ["Display", "get_ax", "get_3d_ax", "subplots", "figure", "save_figure", "use_headless", "sample_image"]


def _figure_kwargs(kwargs):
    """pyml's figure defaults (constrained layout, 150 dpi) under the caller's own settings."""
    from pyml.plot._style import DPI, LAYOUT

    kwargs = dict(kwargs)
    if "constrained_layout" not in kwargs and "tight_layout" not in kwargs:
        kwargs.setdefault("layout", LAYOUT)
    kwargs.setdefault("dpi", DPI)
    return kwargs


def get_ax(ax=None, figsize=(6, 4)):
    """Return ``ax`` or a new Axes on a new figure (constrained layout, 150 dpi)."""
    if ax is not None:
        return ax
    _, ax = subplots(figsize=figsize)
    return ax


def get_3d_ax(ax=None, figsize=(6, 5)):
    """Return ``ax`` (must be 3-D) or a new 3-D Axes."""
    if ax is not None:
        if getattr(ax, "name", "") != "3d":
            raise ValueError("this plot needs a 3-D axes: fig.add_subplot(projection='3d')")
        return ax
    return figure(figsize=figsize).add_subplot(projection="3d")


class Display:
    """Base of every display: holds computed data; ``plot`` draws it.

    After ``plot``, ``ax_`` and ``figure_`` are set, and ``artists_`` maps a
    name to each artist drawn.
    """

    def plot(self, ax=None, **kwargs):
        """Draw onto ``ax`` (a new figure when None); sets ``ax_``, ``figure_``, ``artists_``; returns self."""
        ax = self._axes(ax)
        self.ax_ = ax
        self.figure_ = ax.figure
        self.artists_ = {}
        self._draw(ax, **kwargs)
        return self

    def _axes(self, ax):
        return get_ax(ax)

    def _draw(self, ax, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError


def use_headless():
    """Select matplotlib's Agg backend (no display needed), e.g. for ``pyml tour``."""
    import matplotlib

    matplotlib.use("Agg")


def subplots(*args, **kwargs):
    """``matplotlib.pyplot.subplots`` with pyml's defaults (``layout="constrained"``, ``dpi=150``): (figure, axes)."""
    import matplotlib.pyplot as plt

    return plt.subplots(*args, **_figure_kwargs(kwargs))


def figure(**kwargs):
    """``matplotlib.pyplot.figure`` with pyml's defaults (``layout="constrained"``, ``dpi=150``)."""
    import matplotlib.pyplot as plt

    return plt.figure(**_figure_kwargs(kwargs))


def save_figure(fig, path, dpi=None):
    """Save ``fig`` to ``path`` (PNG by extension, ``dpi`` default 150) and close it; returns ``path``."""
    from pyml.plot._style import DPI

    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=DPI if dpi is None else dpi, bbox_inches="tight")
    plt.close(fig)
    return path


def sample_image(name="grace_hopper.jpg", step=4):
    """A sample photo shipped with matplotlib as uint8 RGB (height, width, 3), downsampled by ``step``."""
    import matplotlib.cbook as cbook
    import matplotlib.image as mpimg
    import numpy as np

    with cbook.get_sample_data(name) as fh:
        img = mpimg.imread(fh, format=name.rsplit(".", 1)[-1])
    return np.ascontiguousarray(img[::step, ::step, :3])
