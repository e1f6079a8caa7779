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
    def from_estimator(cls, detector, X, grid_resolution=100, ax=None):
        """Evaluate a fitted 2-feature ``GaussianAnomalyDetector`` on a grid around X and draw."""
        X = np.asarray(X)
        if X.shape[1] != 2:
            raise ValueError("DensityContourDisplay draws 2-feature models only; X must have 2 columns")
        pad = 0.1 * (X.max(0) - X.min(0))
        lo, hi = X.min(0) - pad, X.max(0) + pad
        xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], grid_resolution), np.linspace(lo[1], hi[1], grid_resolution))
        grid = np.column_stack([xx.ravel(), yy.ravel()]).astype(detector.mean_.dtype)
        logp = detector.score_samples(grid).reshape(xx.shape)
        anomalies = detector.predict(X).astype(bool) if getattr(detector, "epsilon_", None) is not None else None
        return cls(X, xx, yy, logp, anomalies).plot(ax=ax)

    def _draw(self, ax):
        top = float(self.log_density.max())
        levels = top - np.array([20.0, 10.0, 6.0, 3.0, 1.5, 0.5])[::1]
        self.artists_["points"] = ax.scatter(self.X[:, 0], self.X[:, 1], marker="x", s=12, c=style.PRIMARY)
        self.artists_["contours"] = ax.contour(self.xx, self.yy, self.log_density, levels=np.sort(levels),
                                               cmap=style.SEQUENTIAL)
        if self.anomalies is not None and self.anomalies.any():
            a = self.X[self.anomalies]
            self.artists_["anomalies"] = ax.scatter(a[:, 0], a[:, 1], s=120, facecolors="none", edgecolors="red",
                                                    linewidths=2, label=f"{len(a)} anomalies")
            ax.legend(loc="best")
        ax.set_title("Gaussian density (log p contours)")


class F1ThresholdDisplay(Display):
    """F1 on the validation set against the threshold epsilon.

    Parameters
    ----------
    epsilons, f1 : ndarrays of the same shape
    best_epsilon, best_f1 : float
    log_x : bool
    """

    def __init__(self, epsilons, f1, best_epsilon, best_f1, log_x=False):
        self.epsilons, self.f1 = np.asarray(epsilons), np.asarray(f1)
        self.best_epsilon, self.best_f1, self.log_x = best_epsilon, best_f1, log_x

    @classmethod
    def from_predictions(cls, y_val, p_val, method="grid", n_steps=1000, ax=None):
        """Scan thresholds with :func:`pyml.anomaly.select_threshold` and draw the F1 curve."""
        from pyml.anomaly import select_threshold

        eps, f1, (grid, curve) = select_threshold(y_val, p_val, method=method, n_steps=n_steps, return_curve=True)
        return cls(grid, curve, eps, f1, log_x=method == "log-grid").plot(ax=ax)

    def _draw(self, ax):
        self.artists_["curve"] = ax.plot(self.epsilons, self.f1)[0]
        self.artists_["best"] = ax.axvline(self.best_epsilon, color="red", ls="--",
                                           label=f"best eps={self.best_epsilon:.3g}, F1={self.best_f1:.3f}")
        # densities span many decades: on a linear axis the best epsilon sits on the y axis
        positive = self.epsilons[self.epsilons > 0]
        if self.log_x or (positive.size and positive.max() / positive.min() > 100):
            ax.set_xscale("log")
        ax.set_xlabel("epsilon (threshold on p(x), log scale)" if ax.get_xscale() == "log" else "epsilon")
        ax.set_ylabel("F1")
        ax.legend(loc="best")
