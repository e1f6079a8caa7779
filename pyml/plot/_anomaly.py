"""Plots for Gaussian anomaly detection (Course 3, week 1): density contours
with the flagged anomalies circled, and F1 against the threshold epsilon."""
import numpy as np

from pyml.plot import _style as style
from pyml.plot._base import Display

__all__ = ["DensityContourDisplay", "F1ThresholdDisplay"]


class DensityContourDisplay(Display):
    """Contours of log p(x) over the first two features, anomalies circled.

    Parameters
    ----------
    X : ndarray of shape (m, 2)
    xx, yy, log_density : ndarrays of shape (g, g)
    anomalies : boolean ndarray of shape (m,) or None
    """

    def __init__(self, X, xx, yy, log_density, anomalies=None):
        self.X = np.asarray(X)
        self.xx, self.yy, self.log_density = xx, yy, log_density
        self.anomalies = anomalies

    @classmethod
    def from_estimator(cls, detector, X, grid_resolution=100, ax=None, **plot_kwargs):
        """Evaluate a fitted 2-feature ``GaussianAnomalyDetector`` on a grid around X and draw
        (``plot_kwargs``, e.g. ``feature_names``, go to :meth:`plot`)."""
        X = np.asarray(X)
        if X.shape[1] != 2:
            raise ValueError("DensityContourDisplay draws 2-feature models only; X must have 2 columns")
        pad = 0.1 * (X.max(0) - X.min(0))
        lo, hi = X.min(0) - pad, X.max(0) + pad
        xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], grid_resolution), np.linspace(lo[1], hi[1], grid_resolution))
        grid = np.column_stack([xx.ravel(), yy.ravel()]).astype(detector.mean_.dtype)
        logp = detector.score_samples(grid).reshape(xx.shape)
        anomalies = detector.predict(X).astype(bool) if getattr(detector, "epsilon_", None) is not None else None
        return cls(X, xx, yy, logp, anomalies).plot(ax=ax, **plot_kwargs)

    def _draw(self, ax, feature_names=(r"feature $x_1$", r"feature $x_2$"), title="Gaussian density (log p contours)",
              data_label="examples"):
        """``feature_names``: the two features' names with units (e.g. "Latency (ms)")."""
        top = float(self.log_density.max())
        levels = top - np.array([20.0, 10.0, 6.0, 3.0, 1.5, 0.5])[::1]
        self.artists_["points"] = ax.scatter(self.X[:, 0], self.X[:, 1], marker="x", s=12, c=style.DATA,
                                             label=f"{data_label} ({len(self.X)})")
        self.artists_["contours"] = ax.contour(self.xx, self.yy, self.log_density, levels=np.sort(levels),
                                               cmap=style.SEQUENTIAL)
        if self.anomalies is not None and self.anomalies.any():
            a = self.X[self.anomalies]
            self.artists_["anomalies"] = ax.scatter(a[:, 0], a[:, 1], s=120, facecolors="none",
                                                    edgecolors=style.ANOMALY, linewidths=2,
                                                    label=f"{len(a)} anomalies (p(x) < ε)")
        ax.legend(loc="best")
        ax.set_xlabel(feature_names[0])
        ax.set_ylabel(feature_names[1])
        ax.set_title(title)


class F1ThresholdDisplay(Display):
    """F1 on the validation set against the threshold epsilon.

    Parameters
    ----------
    epsilons, f1 : ndarrays of the same shape
    best_epsilon, best_f1 : float
    log_x : bool
    """

    def __init__(self, epsilons, f1, best_epsilon, best_f1, log_x=False, exact=None):
        self.epsilons, self.f1 = np.asarray(epsilons), np.asarray(f1)
        self.best_epsilon, self.best_f1, self.log_x = best_epsilon, best_f1, log_x
        self.exact = exact

    @classmethod
    def from_predictions(cls, y_val, p_val, method="grid", n_steps=1000, ax=None, **plot_kwargs):
        """Scan thresholds with :func:`pyml.anomaly.select_threshold` and draw the F1 curve."""
        from pyml.anomaly import select_threshold

        eps, f1, (grid, curve) = select_threshold(y_val, p_val, method=method, n_steps=n_steps, return_curve=True)
        label = {"grid": f"lab's grid ({n_steps} steps)", "log-grid": f"log grid ({n_steps} steps)"}.get(method)
        disp = cls(grid, curve, eps, f1, log_x=method == "log-grid", exact=exact_f1_curve(y_val, p_val))
        disp.grid_label = label
        return disp.plot(ax=ax, **plot_kwargs)

    def _draw(self, ax, title="Choosing the threshold ε on the validation set"):
        if self.exact is not None:  # the grid skips whole decades; the exact curve shows what lies between
            (self.artists_["exact"],) = ax.plot(*self.exact, drawstyle="steps-post", c=style.BASELINE, lw=1,
                                                label="every threshold (exact)")
        # points, not a line: joined, the grid's first gap (many decades) would look like a gradual rise
        self.artists_["curve"] = ax.plot(self.epsilons, self.f1, ".", ms=4, c=style.PRIMARY,
                                         label=getattr(self, "grid_label", None) or "F1 per threshold")[0]
        self.artists_["best"] = ax.axvline(self.best_epsilon, color=style.BEST, ls="--",
                                           label=f"best ε = {self.best_epsilon:.3g}, F1 = {self.best_f1:.3f}")
        # densities span many decades: on a linear axis the best epsilon sits on the y axis
        positive = self.epsilons[self.epsilons > 0]
        if self.log_x or (positive.size and positive.max() / positive.min() > 100):
            ax.set_xscale("log")
        ax.set_xlabel("threshold ε on p(x)" + (" (log scale)" if ax.get_xscale() == "log" else ""))
        ax.set_ylabel("F1 score (validation set)")
        ax.set_title(title)
        ax.legend(loc="best", fontsize=8)


def exact_f1_curve(y_val, p_val):
    """F1 of "anomaly when p(x) < ε" for ε just above every distinct positive p value: (ε, F1), vectorised.

    With the k smallest densities flagged, ``tp_k`` = anomalies among them and
    :math:`F1_k = 2 tp_k / (k + P)` (P = number of anomalies), since precision = tp/k and recall = tp/P.
    """
    y = np.asarray(y_val).ravel().astype(bool)
    p = np.asarray(p_val, dtype=np.float64).ravel()
    order = np.argsort(p, kind="stable")
    p_sorted, tp = p[order], np.cumsum(y[order])
    last = np.r_[p_sorted[1:] != p_sorted[:-1], True]  # ties are flagged together
    k = np.arange(1, p.size + 1)[last]
    f1 = 2.0 * tp[last] / np.maximum(k + y.sum(), 1)
    eps = p_sorted[last]
    keep = eps > 0
    return eps[keep], f1[keep]
