"""Classification metrics."""
import numpy as np

from pyml.utils.validation import check_array, check_consistent_length, check_sample_weight, check_vector

__all__ = ["accuracy_score", "confusion_matrix", "precision_score", "recall_score", "f1_score", "log_loss"]


def _labels(y_true, y_pred, caller):
    y_true = check_vector(y_true, name="y_true", caller=caller, dtype=None, warn_column=False)
    y_pred = check_vector(y_pred, name="y_pred", caller=caller, dtype=None, warn_column=False)
    check_consistent_length(y_true, y_pred, names=("y_true", "y_pred"), caller=caller)
    if y_true.size == 0:
        raise ValueError(f"{caller}: y_true is empty")
    return y_true, y_pred


def accuracy_score(y_true, y_pred, *, sample_weight=None):
    """Fraction of samples with y_pred == y_true (weighted by sample_weight)."""
    y_true, y_pred = _labels(y_true, y_pred, "accuracy_score")
    w = check_sample_weight(sample_weight, y_true.shape[0], caller="accuracy_score")
    return float(np.average(y_true == y_pred, weights=w))


def confusion_matrix(y_true, y_pred, *, labels=None):
    """C[i, j] = number of samples of true class labels[i] predicted as labels[j]."""
    y_true, y_pred = _labels(y_true, y_pred, "confusion_matrix")
    if labels is not None:
        labels = np.asarray(labels)
        if labels.ndim != 1 or labels.size == 0:
            raise ValueError(f"confusion_matrix: labels must be a non-empty 1-D list of labels, got {labels!r}")
        if not np.isin(labels, y_true).any():
            raise ValueError(f"confusion_matrix: none of labels={labels.tolist()} occurs in y_true; pass labels "
                             f"that y_true uses")
    labels = np.unique(np.concatenate([y_true, y_pred])) if labels is None else labels
    index = {label: i for i, label in enumerate(labels.tolist())}
    k = len(labels)
    true_idx = np.searchsorted(labels, y_true) if labels.dtype.kind != "O" else None
    if true_idx is None or not (np.all(np.isin(y_true, labels)) and np.all(np.isin(y_pred, labels))):
        keep = np.isin(y_true, labels) & np.isin(y_pred, labels)
        t = np.array([index[v] for v in y_true[keep].tolist()], dtype=np.intp)
        p = np.array([index[v] for v in y_pred[keep].tolist()], dtype=np.intp)
    else:
        order = np.argsort(labels)
        t = order[np.searchsorted(labels[order], y_true)]
        p = order[np.searchsorted(labels[order], y_pred)]
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def _prf(y_true, y_pred, pos_label, average, caller):
    y_true, y_pred = _labels(y_true, y_pred, caller)
    if average not in ("binary", "macro", "micro", None):
        raise ValueError(f"{caller}: average must be 'binary', 'macro', 'micro' or None, got {average!r}")
    labels = np.unique(np.concatenate([y_true, y_pred]))
    if average == "binary":
        if len(labels) > 2:
            raise ValueError(
                f"{caller}: target is multiclass but average='binary'; choose average='macro' or 'micro'"
            )
        if pos_label not in labels.tolist() and len(labels) == 2:
            raise ValueError(f"{caller}: pos_label={pos_label!r} is not a valid label: {labels.tolist()}")
        labels = np.array([pos_label])
    tp = np.array([np.sum((y_pred == c) & (y_true == c)) for c in labels], dtype=np.float64)
    pred_pos = np.array([np.sum(y_pred == c) for c in labels], dtype=np.float64)
    true_pos = np.array([np.sum(y_true == c) for c in labels], dtype=np.float64)
    if average == "micro":
        tp, pred_pos, true_pos = tp.sum(keepdims=True), pred_pos.sum(keepdims=True), true_pos.sum(keepdims=True)
    return tp, pred_pos, true_pos, average


def _divide(num, den):
    out = np.zeros_like(num)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _reduce(values, average):
    return values if average is None else float(np.mean(values))


def precision_score(y_true, y_pred, *, pos_label=1, average="binary"):
    """Precision tp / (tp + fp); 0 when nothing is predicted positive."""
    tp, pred_pos, _, average = _prf(y_true, y_pred, pos_label, average, "precision_score")
    return _reduce(_divide(tp, pred_pos), average)


def recall_score(y_true, y_pred, *, pos_label=1, average="binary"):
    """Recall tp / (tp + fn); 0 when there are no positives."""
    tp, _, true_pos, average = _prf(y_true, y_pred, pos_label, average, "recall_score")
    return _reduce(_divide(tp, true_pos), average)


def f1_score(y_true, y_pred, *, pos_label=1, average="binary"):
    """F1 = 2·prec·rec / (prec + rec) per class (macro: the mean over classes)."""
    tp, pred_pos, true_pos, average = _prf(y_true, y_pred, pos_label, average, "f1_score")
    f1 = _divide(2 * tp, pred_pos + true_pos)
    return _reduce(f1, average)


def log_loss(y_true, y_prob, *, labels=None, eps=None):
    """Mean cross-entropy -(1/m) Σ log p(y_i), probabilities clipped to [eps, 1 - eps].

    ``y_prob`` is (n,) for the positive class of a binary problem or (n, k)
    with columns in sorted label order (or ``labels``' order).
    """
    y_true = check_vector(y_true, name="y_true", caller="log_loss", dtype=None, warn_column=False)
    p = check_array(y_prob, name="y_prob", caller="log_loss", ensure_2d=False)
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ValueError(f"log_loss: y_prob must hold probabilities in [0, 1], got values in [{p.min():g}, "
                         f"{p.max():g}]; pass predict_proba's output (apply a sigmoid/softmax to scores first)")
    if p.ndim == 1:
        p = np.column_stack([1.0 - p, p])
    check_consistent_length(y_true, p, names=("y_true", "y_prob"), caller="log_loss")
    if labels is None:
        labels = np.unique(y_true)
        if len(labels) == 1:  # which class would y_prob's single column be? (scikit-learn refuses too)
            raise ValueError(f"log_loss: y_true holds only the label {labels[0]!r}; pass every class with "
                             f"labels=[...] (e.g. labels=[0, 1])")
    else:
        labels = np.asarray(labels)
    if eps is not None and (isinstance(eps, bool) or not isinstance(eps, (int, float, np.floating))
                            or not 0 < eps < 0.5):
        raise ValueError(f"log_loss: eps must be a number in (0, 0.5), got {eps!r}")
    if p.shape[1] != max(len(labels), 2):
        raise ValueError(f"log_loss: y_prob has {p.shape[1]} columns but there are {len(labels)} labels")
    if not np.all(np.isin(y_true, labels)):
        raise ValueError("log_loss: y_true contains labels not in 'labels'")
    idx = np.searchsorted(labels, y_true) if len(labels) > 1 else np.ones(len(y_true), dtype=np.intp)
    eps = np.finfo(p.dtype).eps if eps is None else eps
    picked = np.clip(p[np.arange(len(y_true)), idx], eps, 1 - eps)
    return float(-np.mean(np.log(picked)))
