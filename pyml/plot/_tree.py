"""Tree plots: a fitted decision tree drawn as boxes and arrows, and feature importances."""
import numpy as np

from pyml.plot import _style as style
from pyml.plot._base import Display, get_ax

__all__ = ["TreeDisplay", "FeatureImportanceDisplay"]


def _tree_of(estimator):
    tree = getattr(estimator, "tree_", None)
    if tree is None:
        raise ValueError(f"{type(estimator).__name__} has no fitted tree_: fit a DecisionTreeClassifier or "
                         "DecisionTreeRegressor first (for a forest, pass one of estimator.estimators_ wrapped "
                         "with TreeDisplay.from_tree)")
    return tree


class TreeDisplay(Display):
    """A fitted tree drawn top-down: internal nodes show ``feature <= threshold``, leaves the prediction.

    Layout: leaves take consecutive x positions in depth-first order, an
    internal node sits above the middle of its children, y = -depth.

    Attributes (after ``plot``)
    ---------------------------
    artists_ : dict
        ``"boxes"`` (list of Text), ``"edges"`` (list of Line2D).
    """

    def __init__(self, feature, threshold, left, right, value, n_samples, feature_names=None, class_names=None,
                 max_depth=None, decimals=2):
        self.feature, self.threshold = np.asarray(feature), np.asarray(threshold)
        self.left, self.right = np.asarray(left), np.asarray(right)
        self.value, self.n_samples = np.asarray(value), np.asarray(n_samples)
        self.feature_names = feature_names
        self.class_names = class_names
        self.max_depth = max_depth
        self.decimals = decimals
        self._layout()

    @classmethod
    def from_estimator(cls, estimator, feature_names=None, class_names=None, max_depth=None, decimals=2):
        """Display of a fitted DecisionTreeClassifier / DecisionTreeRegressor."""
        tree = _tree_of(estimator)
        if class_names is None and hasattr(estimator, "classes_"):
            class_names = [str(c) for c in estimator.classes_]
        return cls.from_tree(tree, feature_names, class_names, max_depth, decimals)

    @classmethod
    def from_tree(cls, tree, feature_names=None, class_names=None, max_depth=None, decimals=2):
        """Display of a pyml.tree.Tree (e.g. one tree of a forest)."""
        return cls(tree.feature, tree.threshold, tree.children_left, tree.children_right, tree.value,
                   tree.n_node_samples, feature_names, class_names, max_depth, decimals)

    def _layout(self):
        self.nodes_, self.x_, self.y_, self.edges_ = [], {}, {}, []
        counter = [0]

        def place(node, depth):
            self.nodes_.append(node)
            self.y_[node] = -depth
            cut = self.max_depth is not None and depth >= self.max_depth
            if self.left[node] >= 0 and cut:  # a subtree not drawn: its split, then a "..." box below
                more = ("more", node)
                self.nodes_.append(more)
                self.x_[node] = self.x_[more] = counter[0]
                self.y_[more] = -depth - 1
                self.edges_.append((node, more))
                counter[0] += 1
                return
            if self.left[node] < 0:
                self.x_[node] = counter[0]
                counter[0] += 1
                return
            for child in (self.left[node], self.right[node]):
                place(child, depth + 1)
                self.edges_.append((node, child))
            self.x_[node] = (self.x_[self.left[node]] + self.x_[self.right[node]]) / 2

        place(0, 0)
        self.n_leaves_drawn_ = counter[0]

    def label(self, node):
        """Text of a node's box ("…" for a subtree cut off by ``max_depth``)."""
        if isinstance(node, tuple):
            return f"…\n({self._subtree_leaves(node[1])} leaves)"
        if self.left[node] >= 0:
            name = self.feature_names[self.feature[node]] if self.feature_names is not None \
                else f"x[{self.feature[node]}]"
            return f"{name} <= {self.threshold[node]:.{self.decimals}f}\nsamples = {self.n_samples[node]}"
        v = self.value[node]
        if self.class_names is not None and v.shape[0] == len(self.class_names):
            pred = self.class_names[int(np.argmax(v))]
            text = f"class = {pred}\np = {np.max(v):.{self.decimals}f}"
        else:
            text = f"value = {v[0]:.{self.decimals}f}"
        return f"{text}\nsamples = {self.n_samples[node]}"

    def _subtree_leaves(self, node):
        if self.left[node] < 0:
            return 1
        return self._subtree_leaves(self.left[node]) + self._subtree_leaves(self.right[node])

    def _axes(self, ax):
        if ax is not None:
            return ax
        width = min(28, 1.6 + 2.0 * self.n_leaves_drawn_)  # room for long feature names side by side
        depth = -min(self.y_.values())
        return get_ax(None, figsize=(width, 1.2 + 1.1 * (depth + 1)))

    def _draw(self, ax, fontsize=8, title=None, **kwargs):
        edges = []
        for a, b in self.edges_:
            (line,) = ax.plot([self.x_[a], self.x_[b]], [self.y_[a], self.y_[b]], c=style.TREE_EDGE, lw=1, zorder=1,
                              ls=":" if isinstance(b, tuple) else "-")
            edges.append(line)
        boxes = []
        for node in self.nodes_:
            more = isinstance(node, tuple)
            color = style.TREE_CUT if more else (style.TREE_LEAF if self.left[node] < 0 else style.TREE_SPLIT)
            boxes.append(ax.text(self.x_[node], self.y_[node], self.label(node), ha="center", va="center",
                                 fontsize=fontsize, zorder=2,
                                 bbox=dict(boxstyle="round,pad=0.3", fc=color, ec="0.4"), **kwargs))
        xs = list(self.x_.values())
        ax.set_xlim(min(xs) - 0.7, max(xs) + 0.7)
        ax.set_ylim(min(self.y_.values()) - 0.6, 0.6)
        ax.set_axis_off()
        if title:
            ax.set_title(title)
        self.artists_["boxes"] = boxes
        self.artists_["edges"] = edges


class FeatureImportanceDisplay(Display):
    """Horizontal bar chart of feature importances (largest at the top).

    Attributes (after ``plot``)
    ---------------------------
    artists_ : dict
        ``"bars"`` (BarContainer).
    """

    def __init__(self, importances, feature_names=None, top=None):
        imp = np.asarray(importances, dtype=float)
        names = list(feature_names) if feature_names is not None else [f"x[{j}]" for j in range(imp.shape[0])]
        if len(names) != imp.shape[0]:
            raise ValueError(f"{len(names)} feature names for {imp.shape[0]} importances")
        order = np.argsort(-imp, kind="stable")
        if top is not None:
            order = order[:top]
        self.importances = imp[order]
        self.feature_names = [names[j] for j in order]

    @classmethod
    def from_estimator(cls, estimator, feature_names=None, top=20):
        """Display of ``estimator.feature_importances_``."""
        imp = getattr(estimator, "feature_importances_", None)
        if imp is None:
            raise ValueError(f"{type(estimator).__name__} has no feature_importances_; fit a tree model first")
        return cls(imp, feature_names, top)

    def _draw(self, ax, ylabel="feature", title="Feature importances", **kwargs):
        """``ylabel`` says what the features are (e.g. "pixel (row, column)")."""
        ypos = np.arange(len(self.importances))[::-1]
        self.artists_["bars"] = ax.barh(ypos, self.importances, color=style.ACCENT, **kwargs)
        ax.set_yticks(ypos)
        ax.set_yticklabels(self.feature_names)
        ax.set_xlabel("importance (share of total gain)")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
