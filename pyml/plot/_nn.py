"""Course 2 network pictures: training history, digit predictions."""
import numpy as np

from pyml.plot import _style as style
from pyml.plot._base import Display, subplots

__all__ = ["TrainingHistoryDisplay", "DigitPredictionsDisplay"]


class TrainingHistoryDisplay(Display):
    """Loss (and validation loss / metrics) per epoch from a fit's ``History``."""

    _LABELS = {"loss": "training loss", "val_loss": "validation loss", "accuracy": "training accuracy",
               "val_accuracy": "validation accuracy"}

    def __init__(self, history, keys=None):
        self.history = {k: np.asarray(v, dtype=np.float64) for k, v in dict(history).items()}
        self.keys = list(keys) if keys is not None else [k for k in self.history if k.endswith("loss")]
        missing = [k for k in self.keys if k not in self.history]
        if missing:
            raise ValueError(f"history has no {missing}; available: {sorted(self.history)}")

    @classmethod
    def from_history(cls, history, keys=None):
        """From a ``History`` (``model.fit``'s return value) or its ``.history`` dict."""
        return cls(getattr(history, "history", history), keys)

    def _draw(self, ax, xlabel="epoch", ylabel="loss", title="Training history", labels=None, start=1, **kwargs):
        """``ylabel`` names the loss (e.g. "loss (binary cross-entropy)"); ``labels`` maps a history key to its
        legend text (default: "loss" -> "training loss", "val_loss" -> "validation loss"); ``start`` is the
        number of the first epoch / round."""
        names = dict(self._LABELS, **(labels or {}))
        for i, k in enumerate(self.keys):
            values = self.history[k]
            (self.artists_[k],) = ax.plot(np.arange(start, start + len(values)), values, label=names.get(k, k),
                                          c=style.history_colour(k, i), **kwargs)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.legend()


class DigitPredictionsDisplay(Display):
    """A grid of digit images titled "label,prediction" (mistakes in red), as in the course's labs."""

    def __init__(self, images, labels, predictions):
        self.images = np.asarray(images)
        self.labels = np.asarray(labels)
        self.predictions = np.asarray(predictions)
        self.n_errors_ = int(np.sum(self.labels != self.predictions))

    @classmethod
    def from_estimator(cls, estimator, X, y, *, image_shape=(8, 8), n_images=32, random_state=0):
        """Predict ``n_images`` random rows of X (argmax for multi-output models)."""
        X = np.asarray(X)
        rng = np.random.default_rng(random_state)
        idx = rng.choice(len(X), size=min(n_images, len(X)), replace=False)
        pred = np.asarray(estimator.predict(X[idx]))
        if pred.ndim == 2 and pred.shape[1] > 1:
            pred = np.argmax(pred, axis=1)
        elif pred.ndim == 2:
            pred = (pred[:, 0] >= 0.5).astype(int)
        return cls(X[idx].reshape((-1, *image_shape)), np.asarray(y)[idx], pred)

    def _axes(self, ax):
        if ax is not None:
            return np.atleast_1d(ax).ravel()[0]
        n = len(self.images)
        cols = min(8, n)
        rows = int(np.ceil(n / cols))
        fig, axes = subplots(rows, cols, figsize=(cols * 1.1, rows * 1.25))
        self._grid = np.atleast_1d(axes).ravel()
        return self._grid[0]

    def _draw(self, ax, **kwargs):
        grid = getattr(self, "_grid", None)
        if grid is None or grid[0] is not ax:
            grid = [ax.inset_axes([(i % 8) / 8, 1 - (i // 8 + 1) / max(1, int(np.ceil(len(self.images) / 8))),
                                   1 / 8 * 0.9, 1 / max(1, int(np.ceil(len(self.images) / 8))) * 0.8])
                    for i in range(len(self.images))]
            for a in grid:  # they sit inside ``ax``: constrained layout need not measure each of them
                a.set_in_layout(False)
            ax.set_axis_off()
        self.artists_["images"] = []
        for a, img, lab, pred in zip(grid, self.images, self.labels, self.predictions):
            self.artists_["images"].append(a.imshow(img, cmap="gray_r"))
            a.set_title(f"{lab},{pred}", fontsize=8, color=style.HIGHLIGHT if lab != pred else "black")
            a.set_axis_off()
        for a in list(grid)[len(self.images):]:
            a.set_axis_off()
