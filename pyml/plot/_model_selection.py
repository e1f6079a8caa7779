"""Course 2 week 3 pictures: learning curves, validation curves (degree, lambda), bias/variance."""
import numpy as np

from pyml.plot import _style as style
from pyml.plot._base import Display

__all__ = ["LearningCurveDisplay", "ValidationCurveDisplay"]


def _mean(errors):
    errors = np.asarray(errors, dtype=np.float64)
    return errors.mean(axis=1) if errors.ndim == 2 else errors


class LearningCurveDisplay(Display):
    """:math:`J_{train}` and :math:`J_{cv}` against the training-set size, with an optional baseline.

    ``from_estimator`` runs :func:`pyml.model_selection.learning_curve`;
    ``diagnosis_`` holds the bias/variance diagnosis at the largest size.
    """

    def __init__(self, train_sizes, train_errors, cv_errors, baseline=None, name=None):
        self.train_sizes = np.asarray(train_sizes)
        self.train_errors = _mean(train_errors)
        self.cv_errors = _mean(cv_errors)
        self.baseline = baseline
        self.name = name
        from pyml.model_selection import diagnose_bias_variance

        self.diagnosis_ = diagnose_bias_variance(self.train_errors[-1], self.cv_errors[-1], baseline or 0.0)

    @classmethod
    def from_estimator(cls, estimator, X, y, *, baseline=None, name=None, **kwargs):
        from pyml.model_selection import learning_curve

        sizes, tr, cv = learning_curve(estimator, X, y, **kwargs)
        return cls(sizes, tr, cv, baseline=baseline, name=name or type(estimator).__name__)

    def _draw(self, ax, xlabel="training set size m", ylabel="error", title=None, **kwargs):
        """``ylabel`` names the error computed (e.g. "J = eval_mse"); ``title`` defaults to the diagnosis."""
        (self.artists_["train"],) = ax.plot(self.train_sizes, self.train_errors, "o-", c=style.TRAIN,
                                            label=r"$J_{train}$", **kwargs)
        (self.artists_["cv"],) = ax.plot(self.train_sizes, self.cv_errors, "o-", c=style.CV, label=r"$J_{cv}$",
                                         **kwargs)
        if self.baseline is not None:
            self.artists_["baseline"] = ax.axhline(self.baseline, ls="--", c=style.BASELINE, label="baseline")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title or f"learning curve{': ' + self.name if self.name else ''} ({self.diagnosis_})")
        ax.legend()


class ValidationCurveDisplay(Display):
    """:math:`J_{train}` and :math:`J_{cv}` over a parameter (polynomial degree, :math:`\\lambda`), with the
    best value marked (lowest :math:`J_{cv}`) and an optional baseline.

    ``log_x`` puts the parameter on a log axis (use it for :math:`\\lambda`); a value of 0 is then
    drawn one decade left of the smallest positive value, labelled "0" behind an axis break, and
    the legend gives the true best value. ``y_max`` cuts the y axis there (so that one huge
    :math:`J_{cv}` does not flatten the rest) and writes each cut-off value at the top of the axis.
    """

    def __init__(self, param_range, train_errors, cv_errors, param_name="parameter", baseline=None, log_x=False,
                 y_max=None):
        self.param_range = np.asarray(param_range, dtype=np.float64)
        self.train_errors = _mean(train_errors)
        self.cv_errors = _mean(cv_errors)
        self.param_name = param_name
        self.baseline = baseline
        self.log_x = log_x
        self.y_max = y_max
        self.best_index_ = int(np.argmin(self.cv_errors))
        self.best_value_ = self.param_range[self.best_index_]

    @classmethod
    def from_estimator(cls, estimator, X, y, *, param_name, param_range, baseline=None, log_x=None, **kwargs):
        from pyml.model_selection import validation_curve

        tr, cv = validation_curve(estimator, X, y, param_name=param_name, param_range=param_range, **kwargs)
        if log_x is None:
            pr = np.asarray(param_range, dtype=float)
            log_x = bool(np.all(pr > 0) and pr.max() / pr.min() > 100)
        return cls(param_range, tr, cv, param_name=param_name, baseline=baseline, log_x=log_x)

    def _positions(self):
        """x positions of the parameter values (0 moved onto the log axis); the zero position or None."""
        x = self.param_range.copy()
        if not self.log_x:
            return x, None
        positive = x[x > 0]
        if not positive.size or not (x == 0).any():
            return np.where(x > 0, x, np.nan), None
        zero_at = positive.min() / 10.0
        return np.where(x == 0, zero_at, x), zero_at

    def _draw(self, ax, xlabel=None, ylabel="error", title=None, **kwargs):
        """``xlabel`` defaults to ``param_name``; ``ylabel`` names the error computed (e.g. "J = eval_mse")."""
        x, zero_at = self._positions()
        (self.artists_["train"],) = ax.plot(x, self.train_errors, "o-", c=style.TRAIN, label=r"$J_{train}$", **kwargs)
        (self.artists_["cv"],) = ax.plot(x, self.cv_errors, "o-", c=style.CV, label=r"$J_{cv}$", **kwargs)
        self.artists_["best"] = ax.axvline(x[self.best_index_], ls=":", c=style.BEST,
                                           label=f"best {self.param_name} = {self.best_value_:g}")
        if self.baseline is not None:
            self.artists_["baseline"] = ax.axhline(self.baseline, ls="--", c=style.BASELINE, label="baseline")
        if self.log_x:
            ax.set_xscale("log")
        if zero_at is not None:
            self._mark_zero(ax, zero_at)
        if self.y_max is not None:
            self._cut_at(ax, x)
        ax.set_xlabel(xlabel or self.param_name + (" (log scale)" if self.log_x else ""))
        ax.set_ylabel(ylabel)
        ax.set_title(title or f"validation curve over {self.param_name}")
        ax.legend()

    def _cut_at(self, ax, x):
        ax.set_ylim(0, self.y_max)
        self.artists_["cut"] = []
        for i, (xi, yi) in enumerate(zip(x, self.cv_errors)):
            if yi > self.y_max:  # the first / last value's text stays inside the axes
                ha = "left" if i == 0 else ("right" if i == len(x) - 1 else "center")
                self.artists_["cut"].append(ax.annotate(f"↑{yi:,.0f}", (xi, self.y_max), xytext=(0, -12),
                                                        textcoords="offset points", ha=ha, fontsize=8,
                                                        color=style.CV))

    def _mark_zero(self, ax, zero_at):
        """Label the moved zero "0" and draw an axis break between it and the positive values."""
        positive = np.sort(self.param_range[self.param_range > 0])
        ticks = [zero_at] + [t for t in positive if np.isclose(np.log10(t), np.round(np.log10(t)))]
        ax.set_xticks(ticks)
        ax.set_xticklabels(["0"] + [f"$10^{{{int(np.round(np.log10(t)))}}}$" for t in ticks[1:]])
        ax.minorticks_off()
        gap = np.sqrt(zero_at * positive[0])  # halfway on the log axis
        kw = dict(transform=ax.get_xaxis_transform(), color="k", clip_on=False, lw=1)
        for dx in (0.88, 1.12):
            ax.plot([gap * dx / 1.05, gap * dx * 1.05], [-0.02, 0.02], **kw)
        self.artists_["zero_tick"] = zero_at
