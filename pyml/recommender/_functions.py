"""The collaborative-filtering lab's functions (Course 3, week 2), computed in C.

Orientation is the course's: items x users. ``X`` (n_items, n_features) are
the item feature vectors, ``W`` (n_users, n_features) the user weights, ``b``
(1, n_users) the user biases, ``Y`` (n_items, n_users) the ratings and ``R``
the 0/1 mask of observed ratings.
"""
import numbers

import numpy as np

from pyml.recommender import _recommender_kernels as _k
from pyml.utils._threads import resolve_n_jobs, threads_for_work
from pyml.utils.validation import check_array

__all__ = ["cofi_cost_func", "cofi_cost_and_gradient", "normalize_ratings", "sq_dist"]


def _threads(n_jobs, work):
    return threads_for_work(resolve_n_jobs(n_jobs), work, min_items_per_thread=32768)


def _check_params(X, W, b, Y, R, lambda_, caller):
    X = check_array(X, name="X", caller=caller)
    dtype = X.dtype
    W = check_array(W, name="W", caller=caller, dtype=dtype)
    b = check_array(b, name="b", caller=caller, dtype=dtype, ensure_2d=False)
    if b.ndim > 2 or (b.ndim == 2 and b.shape[0] != 1):
        raise ValueError(f"{caller}: b must have shape (1, n_users) or (n_users,), got {b.shape}")
    b = b.reshape(-1)
    Y = check_array(Y, name="Y", caller=caller, dtype=dtype, ensure_finite=False)
    R = check_array(R, name="R", caller=caller, dtype=dtype, ensure_finite=False)
    n_items, n_users = Y.shape
    if R.shape != Y.shape:
        raise ValueError(f"{caller}: Y has shape {Y.shape} but R has shape {R.shape}; they must be equal "
                         "(items x users)")
    if X.shape[0] != n_items:
        raise ValueError(f"{caller}: X has {X.shape[0]} rows but Y has {n_items} items (rows)")
    if W.shape[0] != n_users:
        raise ValueError(f"{caller}: W has {W.shape[0]} rows but Y has {n_users} users (columns)")
    if W.shape[1] != X.shape[1]:
        raise ValueError(f"{caller}: X has {X.shape[1]} features but W has {W.shape[1]}")
    if b.shape[0] != n_users:
        raise ValueError(f"{caller}: b has {b.shape[0]} values but Y has {n_users} users; expected shape "
                         f"(1, {n_users})")
    if isinstance(lambda_, (bool, str, bytes)) or not isinstance(lambda_, (numbers.Real, np.ndarray)):
        raise TypeError(f"{caller}: lambda_ must be a number, got {lambda_!r}")
    lam = float(lambda_)
    if not np.isfinite(lam) or lam < 0:
        raise ValueError(f"{caller}: lambda_ must be a finite number >= 0, got {lambda_!r}")
    return X, W, b, Y, R, lam


def _structure(Y, R, n_threads, caller):
    """CSR by item and by user of the observed entries, found in C (R 0/1, Y finite checked there)."""
    try:
        return _k.csr_from_dense(Y, R, n_threads)
    except _k.RatingsError as exc:
        if exc.kind == "R":
            raise ValueError(f"{caller}: R must contain only 0 and 1 (first other value in row {exc.row}); "
                             "R marks which entries of Y are observed ratings") from None
        raise ValueError(f"{caller}: Y contains NaN or infinity at a rated entry (R = 1; first in row "
                         f"{exc.row}); every observed rating must be a finite number") from None


def _cost(X, W, b, Y, R, lambda_, want_grad, n_jobs, caller):
    X, W, b, Y, R, lam = _check_params(X, W, b, Y, R, lambda_, caller)
    n_threads = _threads(n_jobs, Y.size // 8)
    csr = _structure(Y, R, n_threads, caller)
    return _k.cost_grad(csr, csr[2], X, W, b, lam, want_grad, n_threads), b


def cofi_cost_func(X, W, b, Y, R, lambda_, *, n_jobs=None):
    """The lab's collaborative-filtering cost, over the observed ratings only.

    .. math::
        J = \\frac12 \\sum_{(i,j): r(i,j)=1} (w^{(j)} \\cdot x^{(i)} + b^{(j)} - y^{(i,j)})^2
            + \\frac{\\lambda}{2} \\left(\\sum_{j,k} W_{jk}^2 + \\sum_{i,k} X_{ik}^2\\right)

    ``b`` is not regularised. The observed entries are found in C (no dense
    product is formed), so the cost is linear in the number of ratings.

    Parameters
    ----------
    X : array-like of shape (n_items, n_features)
    W : array-like of shape (n_users, n_features)
    b : array-like of shape (1, n_users)
    Y : array-like of shape (n_items, n_users)
        Ratings. Only the entries where ``R`` is 1 are read (they must be
        finite); anything, NaN included, may stand elsewhere.
    R : array-like of shape (n_items, n_users)
        1 where item i was rated by user j, else 0.
    lambda_ : float
        Regularisation strength (>= 0).
    n_jobs : int, optional
        Threads (None: all usable cores). The result does not depend on it.

    Returns
    -------
    J : float
    """
    (J, _, _, _), _ = _cost(X, W, b, Y, R, lambda_, False, n_jobs, "cofi_cost_func")
    return float(J)


def cofi_cost_and_gradient(X, W, b, Y, R, lambda_, *, n_jobs=None):
    """Cost and its gradients (see :func:`cofi_cost_func`).

    .. math::
        \\frac{\\partial J}{\\partial x^{(i)}} = \\sum_{j: r(i,j)=1} e_{ij} w^{(j)} + \\lambda x^{(i)}, \\quad
        \\frac{\\partial J}{\\partial w^{(j)}} = \\sum_{i: r(i,j)=1} e_{ij} x^{(i)} + \\lambda w^{(j)}, \\quad
        \\frac{\\partial J}{\\partial b^{(j)}} = \\sum_{i: r(i,j)=1} e_{ij}

    with :math:`e_{ij} = w^{(j)} \\cdot x^{(i)} + b^{(j)} - y^{(i,j)}`.

    Returns
    -------
    J : float
    dJ_dX : ndarray of shape (n_items, n_features)
    dJ_dW : ndarray of shape (n_users, n_features)
    dJ_db : ndarray of shape (1, n_users)
        Same dtype as ``X`` (float32 stays float32).
    """
    (J, dX, dW, db), b = _cost(X, W, b, Y, R, lambda_, True, n_jobs, "cofi_cost_and_gradient")
    return float(J), dX, dW, db.reshape(1, -1)


def normalize_ratings(Y, R):
    """Mean normalisation of the lab: subtract each item's mean over its rated entries.

    .. math:: \\mu_i = \\frac{\\sum_j r(i,j) y^{(i,j)}}{\\sum_j r(i,j)}, \\qquad
              Y_{norm} = (Y - \\mu) \\odot R

    Parameters
    ----------
    Y, R : array-like of shape (n_items, n_users)

    Returns
    -------
    Ynorm : ndarray of shape (n_items, n_users)
    Ymean : ndarray of shape (n_items, 1)
        0 for an item nobody rated.
    """
    Y = check_array(Y, name="Y", caller="normalize_ratings")
    R = check_array(R, name="R", caller="normalize_ratings", dtype=Y.dtype)
    if R.shape != Y.shape:
        raise ValueError(f"normalize_ratings: Y has shape {Y.shape} but R has shape {R.shape}; they must be equal")
    if not np.all((R == 0) | (R == 1)):
        raise ValueError("normalize_ratings: R must contain only 0 and 1")
    counts = R.sum(axis=1, keepdims=True)
    sums = (Y * R).sum(axis=1, keepdims=True)
    Ymean = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    return (Y - Ymean) * R, Ymean


def sq_dist(a, b):
    """Squared Euclidean distance :math:`\\sum_k (a_k - b_k)^2` (the lab's helper).

    Parameters
    ----------
    a, b : array-like of shape (n_features,) or (n, n_features)
        Two rows give a float; two matrices of the same shape give the
        row-wise distances, shape (n,).
    """
    a_arr = check_array(a, name="a", caller="sq_dist", ensure_2d=False)
    b_arr = check_array(b, name="b", caller="sq_dist", ensure_2d=False, dtype=a_arr.dtype)
    if a_arr.shape != b_arr.shape:
        raise ValueError(f"sq_dist: a has shape {a_arr.shape} but b has shape {b_arr.shape}; they must be equal")
    if a_arr.ndim not in (1, 2):
        raise ValueError(f"sq_dist: expected 1-D or 2-D arrays, got {a_arr.ndim}-D")
    if a_arr.shape[-1] == 0:
        raise ValueError("sq_dist: vectors must have at least one feature")
    scalar = a_arr.ndim == 1
    A = np.ascontiguousarray(a_arr.reshape(1, -1) if scalar else a_arr)
    B = np.ascontiguousarray(b_arr.reshape(1, -1) if scalar else b_arr)
    out = _k.sq_dist_rows(A, B, _threads(None, A.size))
    return float(out[0]) if scalar else out
