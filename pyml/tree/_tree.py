"""The fitted-tree container shared by trees, forests and boosting."""
import numpy as np

from pyml.tree import _tree_kernels as _k

__all__ = ["Tree", "pack_trees", "seed_for"]


def seed_for(base, index):
    """64-bit seed of tree ``index`` from the estimator's base seed.

    Derived from (base, index) only, so tree i is the same whatever the number
    of trees, the batch it was built in (warm_start) or the thread count.
    """
    return np.random.SeedSequence([int(base), int(index)]).generate_state(1, np.uint64)[0]


class Tree:
    """Array representation of a binary tree (scikit-learn's attribute names).

    Node ``k`` is a leaf when ``children_left[k] == -1``; otherwise samples with
    ``X[:, feature[k]] <= threshold[k]`` go to ``children_left[k]``.

    Attributes
    ----------
    node_count : int
    feature, threshold, children_left, children_right : ndarray of shape (node_count,)
    value : ndarray of shape (node_count, n_values)
        Class proportions (classification), mean target (regression) or the
        learning-rate-scaled leaf weight (boosting).
    impurity, n_node_samples, weighted_n_node_samples, gain : ndarray of shape (node_count,)
        ``gain`` is the weighted impurity decrease (or boosting gain) of the
        node's split, 0 for leaves.
    """

    def __init__(self, arrays, n_features):
        self.n_features = int(n_features)
        self.feature = arrays["feature"]
        self.threshold = arrays["threshold"]
        self.children_left = arrays["left"]
        self.children_right = arrays["right"]
        self.value = arrays["value"]
        self.impurity = arrays["impurity"]
        self.n_node_samples = arrays["n_samples"]
        self.weighted_n_node_samples = arrays["weight"]
        self.gain = arrays["gain"]
        self.split_bin = arrays["split_bin"]

    @property
    def node_count(self):
        return int(self.feature.shape[0])

    @property
    def n_leaves(self):
        return int(np.count_nonzero(self.children_left < 0))

    @property
    def max_depth(self):
        depth = np.zeros(self.node_count, np.int64)
        # children always have larger ids than their parent: one forward pass
        for k in np.flatnonzero(self.children_left >= 0):
            depth[self.children_left[k]] = depth[k] + 1
            depth[self.children_right[k]] = depth[k] + 1
        return int(depth.max()) if self.node_count else 0

    def apply(self, X, n_threads=1):
        """Leaf index of every row of X (C-contiguous float32/float64)."""
        return _k.apply(X, self.feature, self.threshold, self.children_left, self.children_right, n_threads)

    def predict(self, X, n_threads=1):
        """value of the leaf each row reaches, shape (n_samples, n_values)."""
        return self.value[self.apply(X, n_threads)]

    def compute_feature_importances(self, normalize=True):
        """Sum of the gains of the splits on each feature (normalised to 1)."""
        internal = self.feature >= 0
        imp = np.bincount(self.feature[internal], weights=self.gain[internal], minlength=self.n_features)
        imp = np.maximum(imp, 0.0)
        if normalize and imp.sum() > 0:
            imp = imp / imp.sum()
        return imp

    def __getstate__(self):
        return self.__dict__.copy()

    def __setstate__(self, state):
        self.__dict__.update(state)


def pack_trees(trees):
    """Concatenate trees for the batch predict kernel: (feature, threshold, left, right, value, offsets)."""
    off = np.zeros(len(trees) + 1, np.int64)
    off[1:] = np.cumsum([t.node_count for t in trees])
    cat = lambda name: np.ascontiguousarray(np.concatenate([getattr(t, name) for t in trees]))  # noqa: E731
    return dict(feature=cat("feature"), threshold=cat("threshold"), left=cat("children_left"),
                right=cat("children_right"), value=cat("value"), off=off)


def predict_packed(X, packed, n_out, scale, n_threads, tree_col=None, init=None):
    """sum over trees of scale * leaf value (plus init), shape (n_samples, n_out)."""
    out = np.zeros((X.shape[0], n_out)) if init is None else np.array(init, dtype=np.float64, order="C")
    return _k.predict(X, packed["feature"], packed["threshold"], packed["left"], packed["right"], packed["value"],
                      packed["off"], tree_col, float(scale), out, n_threads)
