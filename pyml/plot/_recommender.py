"""Plots for recommender systems (Course 3, week 2): item feature vectors projected to 2-D with
PCA (a few titles annotated) and predicted-vs-actual ratings (histograms, scatter with y = x)."""
import numpy as np

from pyml.plot import _style as style
from pyml.plot._base import Display, subplots

__all__ = ["ItemEmbeddingDisplay", "RatingHistogramDisplay", "PredictedVsActualDisplay"]


def _new_ax(ax, figsize):
    if ax is not None:
        return ax
    _, ax = subplots(figsize=figsize)
    return ax


def _ratings(y_true, y_pred, caller):
    y_true = np.asarray(y_true, dtype=np.float64).ravel()
    y_pred = np.asarray(y_pred, dtype=np.float64).ravel()
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(f"{caller}: y_true and y_pred must be non-empty and of equal length, got {y_true.shape} "
                         f"and {y_pred.shape}")
    if not (np.all(np.isfinite(y_true)) and np.all(np.isfinite(y_pred))):
        raise ValueError(f"{caller}: ratings contain NaN or infinity")
    return y_true, y_pred


def _title_list(titles, n, ids=None):
    """Titles aligned with the n rows: a sequence of n, or a dict keyed by item id (``ids``, else row index)."""
    if titles is None:
        return [str(i) for i in (ids if ids is not None else range(n))]
    if isinstance(titles, dict):
        keys = ids if ids is not None else range(n)
        return [str(titles.get(k, k)) for k in keys]
    titles = [str(t) for t in titles]
    if len(titles) != n:
        raise ValueError(f"ItemEmbeddingDisplay: {len(titles)} titles for {n} items")
    return titles


def _spread_points(coords, k):
    """Indices of k rows chosen by farthest-point sampling (deterministic; ties -> lowest index)."""
    k = max(0, min(int(k), len(coords)))
    if k == 0:
        return np.empty(0, dtype=np.int64)
    chosen = [int(np.argmax(np.einsum("ij,ij->i", coords, coords)))]
    d2 = ((coords - coords[chosen[0]]) ** 2).sum(1)
    for _ in range(k - 1):  # k is a handful of labels, never the number of items
        nxt = int(np.argmax(d2))
        chosen.append(nxt)
        d2 = np.minimum(d2, ((coords - coords[nxt]) ** 2).sum(1))
    return np.sort(np.array(chosen, dtype=np.int64))


class ItemEmbeddingDisplay(Display):
    """Item feature vectors projected on their first two principal components, a few titles annotated.

    Parameters
    ----------
    coords : ndarray of shape (n_items, 2)
        The projected vectors (:class:`pyml.decomposition.PCA` ``fit_transform``).
    titles : list of str of length n_items
    annotate : sequence of int
        Rows whose titles are written next to their point.
    explained_variance_ratio : sequence of 2 floats, optional
        Shown in the axis labels.
    """

    def __init__(self, coords, titles, annotate, explained_variance_ratio=None):
        self.coords = np.asarray(coords, dtype=np.float64)
        if self.coords.ndim != 2 or self.coords.shape[1] != 2:
            raise ValueError(f"ItemEmbeddingDisplay: coords must be (n_items, 2), got {self.coords.shape}")
        self.titles = list(titles)
        self.annotate = np.asarray(annotate, dtype=np.int64)
        self.explained_variance_ratio = explained_variance_ratio

    @classmethod
    def from_vectors(cls, vectors, titles=None, n_annotate=10, annotate=None, random_state=0, ax=None, ids=None):
        """Project ``vectors`` (n_items, n_features) with PCA(2) and draw them.

        ``n_annotate`` items spread over the picture are annotated (farthest-point sampling: the item
        farthest from the centre, then repeatedly the item farthest from those already chosen), unless
        ``annotate`` lists the rows to annotate.
        """
        from pyml.decomposition import PCA

        V = np.asarray(vectors, dtype=np.float64)
        if V.ndim != 2 or V.shape[0] < 2 or V.shape[1] < 2:
            raise ValueError(f"ItemEmbeddingDisplay: vectors must be (n_items >= 2, n_features >= 2), got {V.shape}")
        pca = PCA(2, random_state=random_state)
        coords = pca.fit_transform(V)
        names = _title_list(titles, len(V), ids)
        if annotate is None:
            annotate = _spread_points(coords, n_annotate)
        return cls(coords, names, annotate, pca.explained_variance_ratio_).plot(ax=ax)

    @classmethod
    def from_estimator(cls, cf_model, titles=None, n_annotate=10, annotate=None, ax=None):
        """From a fitted collaborative-filtering model's ``item_features_`` (n_items, n_features).

        ``titles`` is a sequence aligned with the rows of ``item_features_`` or a dict keyed by item id
        (the model's ``item_ids_`` when it has them, else row indices).
        """
        if not hasattr(cf_model, "item_features_"):
            raise ValueError(f"ItemEmbeddingDisplay: {type(cf_model).__name__} has no item_features_; fit it first")
        ids = getattr(cf_model, "item_ids_", None)
        return cls.from_vectors(cf_model.item_features_, titles, n_annotate, annotate, ax=ax,
                                ids=None if ids is None else list(ids))

    def _axes(self, ax):
        return _new_ax(ax, (7, 5.5))

    def _draw(self, ax):
        self.artists_["items"] = ax.scatter(self.coords[:, 0], self.coords[:, 1], s=10, alpha=0.4, color=style.PRIMARY,
                                            label=f"items ({len(self.coords)})")
        sel = self.coords[self.annotate] if self.annotate.size else np.empty((0, 2))
        self.artists_["annotated"] = ax.scatter(sel[:, 0], sel[:, 1], s=28, color=style.HIGHLIGHT,
                                                label="annotated items")
        self.artists_["titles"] = [ax.annotate(self.titles[i], self.coords[i], xytext=(4, 4),
                                               textcoords="offset points", fontsize=8) for i in self.annotate]
        evr = self.explained_variance_ratio
        for axis, j in ((ax.set_xlabel, 0), (ax.set_ylabel, 1)):
            axis(f"principal component {j + 1}" + (f" ({100 * evr[j]:.1f}% of variance)" if evr is not None else ""))
        ax.set_title("Item feature vectors (PCA)")
        ax.legend(loc="best")


class RatingHistogramDisplay(Display):
    """Histograms of the actual and the predicted ratings on common bins.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_ratings,)
    bins : int or sequence, optional
        Default: half-star bins over the range of both.

    Attributes
    ----------
    bins_ : ndarray
    rmse_ : float
        :math:`\\sqrt{\\frac{1}{n} \\sum (\\hat y - y)^2}`.
    """

    def __init__(self, y_true, y_pred, bins=None):
        self.y_true, self.y_pred = _ratings(y_true, y_pred, "RatingHistogramDisplay")
        lo = np.floor(min(self.y_true.min(), self.y_pred.min()) * 2) / 2
        hi = np.ceil(max(self.y_true.max(), self.y_pred.max()) * 2) / 2
        self.bins_ = np.histogram_bin_edges(self.y_true, bins=bins if bins is not None else
                                            np.arange(lo - 0.25, hi + 0.5, 0.5))
        self.rmse_ = float(np.sqrt(np.mean((self.y_pred - self.y_true) ** 2)))

    @classmethod
    def from_estimator(cls, estimator, X, y, bins=None, ax=None):
        """Predict X (e.g. (user, item) pairs) and compare with the ratings y."""
        return cls(y, estimator.predict(X), bins).plot(ax=ax)

    def _axes(self, ax):
        return _new_ax(ax, (6.5, 4))

    def _draw(self, ax, rating_label="rating"):
        *_, self.artists_["actual"] = ax.hist(self.y_true, bins=self.bins_, alpha=0.55, color=style.PRIMARY,
                                              label="actual")
        *_, self.artists_["predicted"] = ax.hist(self.y_pred, bins=self.bins_, histtype="step", lw=2,
                                                 color=style.SECONDARY, label="predicted")
        ax.set_xlabel(rating_label)
        ax.set_ylabel("number of ratings")
        ax.set_ylim(top=ax.get_ylim()[1] * 1.18)  # room for the legend above the bars
        ax.set_title(f"Actual vs predicted ratings (RMSE {self.rmse_:.3f})")
        ax.legend()


class PredictedVsActualDisplay(Display):
    """Predicted against actual ratings with the line y = x (and, with ``histogram=True``, the two
    rating histograms beside it).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_ratings,)
    max_points : int, default=5000
        At most this many points are drawn (a seeded uniform subsample); the errors use all.

    Attributes
    ----------
    rmse_, mae_ : float
    shown_ : ndarray of int
        Indices of the drawn points.
    """

    def __init__(self, y_true, y_pred, max_points=5000, random_state=0):
        self.y_true, self.y_pred = _ratings(y_true, y_pred, "PredictedVsActualDisplay")
        err = self.y_pred - self.y_true
        self.rmse_ = float(np.sqrt(np.mean(err ** 2)))
        self.mae_ = float(np.mean(np.abs(err)))
        n = self.y_true.size
        self.shown_ = (np.sort(np.random.default_rng(random_state).choice(n, max_points, replace=False))
                       if n > max_points else np.arange(n))

    @classmethod
    def from_estimator(cls, estimator, X, y, histogram=False, ax=None):
        """Predict X and compare with the ratings y."""
        return cls(y, estimator.predict(X)).plot(ax=ax, histogram=histogram)

    def plot(self, ax=None, histogram=False):
        """Draw the scatter onto ``ax``; with ``histogram=True`` (and ``ax`` None or a pair of axes) also the
        histograms (``hist_display_``). Returns self."""
        if histogram:
            if ax is None:
                _, ax = subplots(1, 2, figsize=(11, 4.2))
            hist_ax, ax = ax
            self.hist_display_ = RatingHistogramDisplay(self.y_true, self.y_pred).plot(ax=hist_ax)
        return super().plot(ax=ax)

    def _axes(self, ax):
        return _new_ax(ax, (5, 4.5))

    def _draw(self, ax):
        t, p = self.y_true[self.shown_], self.y_pred[self.shown_]
        self.artists_["points"] = ax.scatter(t, p, s=8, alpha=0.3, color=style.PRIMARY, label="ratings")
        lo = min(self.y_true.min(), self.y_pred.min())
        hi = max(self.y_true.max(), self.y_pred.max())
        (self.artists_["identity"],) = ax.plot([lo, hi], [lo, hi], color=style.REFERENCE, ls="--", lw=1,
                                               label="y = x (perfect prediction)")
        ax.set_xlabel("actual rating")
        ax.set_ylabel("predicted rating")
        ax.set_title(f"Predicted vs actual (RMSE {self.rmse_:.3f}, MAE {self.mae_:.3f})")
        ax.legend(loc="upper left")
