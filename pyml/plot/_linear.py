"""Course 1 pictures: fitted line, cost curve/contour/surface, cost history, decision boundary, sigmoid."""
import numpy as np

from pyml.plot import _style as style
from pyml.plot._base import Display, get_3d_ax

__all__ = [
    "FitDisplay",
    "CostCurveDisplay",
    "CostContourDisplay",
    "CostSurfaceDisplay",
    "CostHistoryDisplay",
    "DecisionBoundaryDisplay",
    "SigmoidDisplay",
]


def _one_feature(x, name="x"):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"{name} must be one feature (shape (m,) or (m, 1)), got {x.shape}")
    return x


def linear_cost_grid(x, y, W, B):
    """J(w, b) = 1/(2m) Σ (w x_i + b - y_i)² on a grid, from the data's moments (exact, vectorised)."""
    x, y = _one_feature(x), np.asarray(y, dtype=np.float64)
    m = len(x)
    sxx, sx, sy, sxy, syy = x @ x, x.sum(), y.sum(), x @ y, y @ y
    return (W * W * sxx + 2 * W * B * sx + m * B * B - 2 * W * sxy - 2 * B * sy + syy) / (2 * m)


class FitDisplay(Display):
    """Data points and the model's prediction curve over one feature.

    ``from_estimator(est, x, y)`` evaluates ``est.predict`` on a fine grid of
    x (through ``transform`` when the model uses engineered features, e.g. a
    PolynomialFeatures instance or a function).
    """

    def __init__(self, x, y, grid, prediction, label="model"):
        self.x, self.y, self.grid, self.prediction, self.label = x, y, grid, prediction, label

    @classmethod
    def from_estimator(cls, estimator, x, y, transform=None, n_points=200, label=None):
        x = _one_feature(x)
        grid = np.linspace(x.min(), x.max(), n_points)
        features = grid[:, None]
        if transform is not None:
            features = transform.transform(features) if hasattr(transform, "transform") else transform(features)
        return cls(x, np.asarray(y), grid, estimator.predict(features), label or type(estimator).__name__)

    @classmethod
    def from_params(cls, x, y, w, b, n_points=200):
        x = _one_feature(x)
        grid = np.linspace(x.min(), x.max(), n_points)
        sign = "-" if float(b) < 0 else "+"
        return cls(x, np.asarray(y), grid, w * grid + b, f"f(x) = {float(w):.3g}x {sign} {abs(float(b)):.3g}")

    def _draw(self, ax, xlabel="feature x", ylabel="target y", title="Model fit", data_label="training examples",
              **kwargs):
        """``xlabel`` / ``ylabel``: the feature's and the target's names with units, e.g. "Size (1000 sqft)"."""
        self.artists_["data"] = ax.scatter(self.x, self.y, marker="x", c=style.HIGHLIGHT, label=data_label)
        (self.artists_["line"],) = ax.plot(self.grid, self.prediction, c=style.PRIMARY, label=self.label, **kwargs)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.legend()


class CostCurveDisplay(Display):
    """J(w) for fixed b over a range of w (one-feature linear regression), with a marked w."""

    def __init__(self, w_values, costs, b, w_marked=None):
        self.w_values, self.costs, self.b, self.w_marked = w_values, costs, b, w_marked

    @classmethod
    def from_data(cls, x, y, b=0.0, w_range=None, n_points=200, w_marked=None):
        x, y = _one_feature(x), np.asarray(y, dtype=np.float64)
        if w_range is None:
            w_best = (x @ (y - b)) / (x @ x)
            w_range = (w_best - 2 * abs(w_best) - 1, w_best + 2 * abs(w_best) + 1)
        w_values = np.linspace(*w_range, n_points)
        return cls(w_values, linear_cost_grid(x, y, w_values, np.full_like(w_values, b)), b, w_marked)

    def _draw(self, ax, w_label="w (weight)", cost_label="cost J(w, b)", title=None, **kwargs):
        """``w_label``: the weight's name with units (e.g. "w ($1000s per 1000 sqft)")."""
        (self.artists_["curve"],) = ax.plot(self.w_values, self.costs, c=style.PRIMARY,
                                            label=f"J(w) at b = {self.b:.3g}", **kwargs)
        if self.w_marked is not None:
            j = np.interp(self.w_marked, self.w_values, self.costs)
            self.artists_["marker"] = ax.scatter([self.w_marked], [j], c=style.HIGHLIGHT, s=60, zorder=3,
                                                 label=f"w = {self.w_marked:.3g}: J = {j:.4g}")
        ax.set_xlabel(w_label)
        ax.set_ylabel(cost_label)
        ax.set_title(title or f"Cost J as a function of w (b fixed at {self.b:.3g})")
        ax.legend()


class CostContourDisplay(Display):
    """Contours of J(w, b) with the gradient-descent path (e.g. p_history) drawn on top."""

    def __init__(self, W, B, J, path=None):
        self.W, self.B, self.J, self.path = W, B, J, path

    @classmethod
    def from_data(cls, x, y, w_range, b_range, path=None, n_points=120):
        W, B = np.meshgrid(np.linspace(*w_range, n_points), np.linspace(*b_range, n_points))
        return cls(W, B, linear_cost_grid(x, y, W, B), None if path is None else np.asarray(path))

    def _draw(self, ax, levels=None, w_label="w (weight)", b_label="b (bias)", title="Cost contours J(w, b)",
              **kwargs):
        """``w_label`` / ``b_label``: the parameters' names with units."""
        if levels is None:
            levels = np.geomspace(max(self.J.min(), 1e-12), self.J.max(), 15)
        self.artists_["contour"] = ax.contour(self.W, self.B, self.J, levels=levels, cmap=style.SEQUENTIAL, **kwargs)
        if self.path is not None and len(self.path):
            (self.artists_["path"],) = ax.plot(self.path[:, 0], self.path[:, -1], "-o", c=style.MODEL, ms=3,
                                               label="gradient descent")
            self.artists_["start"] = ax.scatter(self.path[0, 0], self.path[0, -1], marker="s", s=60, zorder=3,
                                                facecolors="white", edgecolors="k",
                                                label=f"start (w, b) = ({self.path[0, 0]:.3g}, {self.path[0, -1]:.3g})")
            self.artists_["end"] = ax.scatter(self.path[-1, 0], self.path[-1, -1], marker="*", s=150, zorder=3,
                                              c=style.BEST, edgecolors="k",
                                              label=f"end ({self.path[-1, 0]:.3g}, {self.path[-1, -1]:.3g})")
            ax.legend(fontsize=8)
        ax.set_xlabel(w_label)
        ax.set_ylabel(b_label)
        ax.set_title(title)


class CostSurfaceDisplay(CostContourDisplay):
    """3-D surface of J(w, b) (needs a 3-D axes, created when ax is None)."""

    def _axes(self, ax):
        return get_3d_ax(ax)

    def _draw(self, ax, w_label="w (weight)", b_label="b (bias)", cost_label="J(w, b)", title="Cost surface J(w, b)",
              **kwargs):
        self.artists_["surface"] = ax.plot_surface(self.W, self.B, self.J, cmap=style.SEQUENTIAL, alpha=0.8, **kwargs)
        best = np.unravel_index(np.argmin(self.J), self.J.shape)
        self.artists_["minimum"] = ax.scatter([self.W[best]], [self.B[best]], [self.J[best]], c=style.MODEL, s=40,
                                              depthshade=False, label=f"min J = {self.J[best]:.3g}")
        ax.set_xlabel(w_label)
        ax.set_ylabel(b_label)
        ax.zaxis.set_major_formatter(_engineering_formatter())  # 1.4e5 -> "140k": short tick labels
        ax.set_zlabel(cost_label, labelpad=8)
        ax.set_title(title)
        ax.set_box_aspect(None, zoom=0.88)  # keeps the z label inside the saved figure
        ax.legend(loc="upper left", fontsize=8)


def _engineering_formatter():
    from matplotlib.ticker import EngFormatter

    return EngFormatter(sep="")


class CostHistoryDisplay(Display):
    """Cost per iteration of one or several runs (e.g. several learning rates) on one axes."""

    def __init__(self, histories):
        self.histories = {str(k): np.asarray(v, dtype=np.float64) for k, v in histories.items()}

    @classmethod
    def from_histories(cls, histories):
        if not histories:
            raise ValueError("CostHistoryDisplay needs at least one history")
        return cls(histories)

    def _draw(self, ax, log_scale=True, xlabel="iteration", ylabel="cost J", title="Cost history", **kwargs):
        """``xlabel`` names the step (e.g. "Gradient-descent iteration"), ``ylabel`` the cost computed."""
        for i, (label, history) in enumerate(self.histories.items()):
            (self.artists_[label],) = ax.plot(np.arange(1, len(history) + 1), history, label=label,
                                              c=style.series_colour(i), **kwargs)
        log = log_scale and all((h > 0).all() for h in self.histories.values() if len(h))
        if log:
            ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel + (" (log scale)" if log else ""))
        ax.set_title(title)
        ax.legend()


class DecisionBoundaryDisplay(Display):
    """Decision regions of any fitted classifier over two features, with the data.

    ``feature_map`` (e.g. ``lambda X: map_feature(X[:, 0], X[:, 1])`` or a
    fitted transformer) turns grid points into the model's features, which
    draws polynomial boundaries. The boundary is the p = 0.5 contour for
    binary models with ``predict_proba``, else the class-region edges.
    """

    def __init__(self, xx, yy, response, X, y, is_proba):
        self.xx, self.yy, self.response, self.X, self.y, self.is_proba = xx, yy, response, X, y, is_proba

    @classmethod
    def from_estimator(cls, estimator, X, y=None, feature_map=None, grid_resolution=200, margin=0.1):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(f"DecisionBoundaryDisplay draws two features; X has shape {X.shape}")
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = (hi - lo) * margin
        xx, yy = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], grid_resolution),
                             np.linspace(lo[1] - pad[1], hi[1] + pad[1], grid_resolution))
        grid = np.column_stack([xx.ravel(), yy.ravel()])
        if feature_map is not None:
            grid = feature_map.transform(grid) if hasattr(feature_map, "transform") else feature_map(grid)
        classes = getattr(estimator, "classes_", None)
        binary_proba = hasattr(estimator, "predict_proba") and classes is not None and len(classes) == 2
        if binary_proba:
            response = estimator.predict_proba(grid)[:, 1]
        else:
            pred = estimator.predict(grid)
            response = np.searchsorted(classes, pred) if classes is not None else pred
        return cls(xx, yy, response.reshape(xx.shape), X, None if y is None else np.asarray(y), binary_proba)

    def _draw(self, ax, feature_names=(r"feature $x_1$", r"feature $x_2$"), class_names=None,
              title="Decision boundary", legend_loc="best", **kwargs):
        """``feature_names``: the two features' names with units; ``class_names``: the legend's names of y;
        ``legend_loc``: a matplotlib location, or "outside" (right of the axes, for data that fills it)."""
        if self.is_proba:
            self.artists_["regions"] = ax.contourf(self.xx, self.yy, self.response, levels=[0, 0.5, 1],
                                                   colors=[style.NEGATIVE, style.POSITIVE], alpha=0.12)
            inside = self.response.min() < 0.5 < self.response.max()
            self.boundary_visible_ = bool(inside)
            if inside:
                self.artists_["boundary"] = ax.contour(self.xx, self.yy, self.response, levels=[0.5],
                                                       colors=style.REFERENCE)
            else:  # say so instead of drawing nothing
                side = int(self.response.min() >= 0.5)
                self.artists_["no_boundary"] = ax.text(
                    0.5, 0.02, f"boundary outside the plot: every point predicted y = {side}",
                    transform=ax.transAxes, ha="center", va="bottom", fontsize=9,
                    bbox=dict(boxstyle="round", fc="white", ec=style.MUTED))
        else:
            n = int(self.response.max()) + 1
            self.artists_["regions"] = ax.contourf(self.xx, self.yy, self.response, levels=np.arange(n + 1) - 0.5,
                                                   cmap=style.CATEGORICAL, alpha=0.2)
        if self.y is not None:
            self._draw_classes(ax, class_names, legend_loc)
        ax.set_xlabel(feature_names[0])
        ax.set_ylabel(feature_names[1])
        ax.set_title(title)

    def _draw_classes(self, ax, class_names, legend_loc="best"):
        classes, codes = np.unique(self.y, return_inverse=True)
        names = class_names or [f"y = {c}" for c in classes]
        self.artists_["data"] = []
        for k, name in enumerate(names):
            rows = codes == k
            if self.is_proba:  # the course's picture: o for 0, x for 1
                colour, marker = ((style.NEGATIVE, style.NEGATIVE_MARKER) if k == 0
                                  else (style.POSITIVE, style.POSITIVE_MARKER))
            else:
                import matplotlib

                colour, marker = matplotlib.colormaps[style.CATEGORICAL](k % 10), "o"
            filled = marker != "x"
            self.artists_["data"].append(ax.scatter(
                self.X[rows, 0], self.X[rows, 1], marker=marker, s=28 if filled else 36, label=name,
                c=[colour], edgecolors="k" if filled else None, linewidths=0.6 if filled else 1.6))
        handles = list(self.artists_["data"])
        if "boundary" in self.artists_:  # a contour has no legend entry of its own: a proxy line
            from matplotlib.lines import Line2D

            handles.append(Line2D([], [], color=style.REFERENCE, label="decision boundary (p = 0.5)"))
        where = dict(loc="upper left", bbox_to_anchor=(1.02, 1.0)) if legend_loc == "outside" else dict(loc=legend_loc)
        ax.legend(handles=handles, fontsize=8, framealpha=0.8, **where)


class SigmoidDisplay(Display):
    """g(z) = 1 / (1 + e^(-z)) with the 0.5 threshold marked."""

    def __init__(self, z, g):
        self.z, self.g = z, g

    @classmethod
    def from_range(cls, z_min=-10.0, z_max=10.0, n_points=200):
        from pyml.linear_model import sigmoid

        z = np.linspace(z_min, z_max, n_points)
        return cls(z, sigmoid(z))

    def _draw(self, ax, **kwargs):
        (self.artists_["curve"],) = ax.plot(self.z, self.g, c=style.PRIMARY, label=r"$g(z) = 1 / (1 + e^{-z})$",
                                            **kwargs)
        self.artists_["threshold"] = ax.axhline(0.5, ls="--", c=style.BASELINE,
                                                label="threshold 0.5: predict y = 1 above")
        ax.set_xlabel(r"$z = \mathbf{w} \cdot \mathbf{x} + b$")
        ax.set_ylabel("g(z) = P(y = 1 | x)")
        ax.set_title("Sigmoid function")
        ax.legend(loc="lower right")
