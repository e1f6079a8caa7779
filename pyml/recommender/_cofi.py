"""CollaborativeFiltering: matrix factorisation of a rating matrix (Course 3, week 2)."""
import numbers

import numpy as np

from pyml.base import BaseEstimator, RegressorMixin
from pyml.recommender import _recommender_kernels as _k
from pyml.recommender._functions import _structure
from pyml.utils._threads import resolve_n_jobs, threads_for_work
from pyml.utils.callbacks import IterationHook, fit_callbacks
from pyml.utils.validation import (check_allocation, check_array, check_is_fitted, check_random_state,
                                   check_vector)

__all__ = ["CollaborativeFiltering"]

_SOLVERS = ("als", "adam")
_DEFAULT_MAX_ITER = {"als": 6, "adam": 200}
_NAME = "CollaborativeFiltering"


def _threads(n_jobs, work):
    return threads_for_work(resolve_n_jobs(n_jobs), work, min_items_per_thread=8192)


def _check_ids(ids, name):
    """Integer ids (integral floats accepted), non-negative."""
    arr = np.asarray(ids)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{_NAME}: {name} contains NaN or infinity; ids must be integers")
        if np.any(arr != np.round(arr)):
            raise ValueError(f"{_NAME}: {name} must be integers, got non-integral values")
    elif arr.dtype.kind not in "iub":
        raise ValueError(f"{_NAME}: {name} must be integers, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if arr.size and arr.min() < 0:
        raise ValueError(f"{_NAME}: {name} contains negative ids (first {int(arr[arr < 0][0])}); ids must be >= 0")
    return arr


def _index_ids(ids):
    """(sorted distinct ids, index of each id in them): ``np.unique(ids, return_inverse=True)``.

    Ids up to a few times the number of ratings (the usual case: MovieLens
    item ids reach 193,609 for 100k ratings) are mapped through a presence
    table in O(n + max_id) instead of a sort (0.3 ms instead of 2.5 ms).
    """
    top = int(ids.max())
    if top > 8 * len(ids) + (1 << 20):
        uniq, inv = np.unique(ids, return_inverse=True)
        return uniq, inv.reshape(-1)
    present = np.zeros(top + 1, dtype=bool)
    present[ids] = True
    rank = np.cumsum(present) - 1
    return np.flatnonzero(present).astype(np.int64, copy=False), rank[ids]


def _lookup(sorted_ids, ids):
    """(positions, known mask) of ids in a sorted id array."""
    pos = np.searchsorted(sorted_ids, ids)
    pos = np.minimum(pos, max(len(sorted_ids) - 1, 0))
    known = (len(sorted_ids) > 0) & (sorted_ids[pos] == ids) if len(sorted_ids) else np.zeros(len(ids), bool)
    return pos, known


class CollaborativeFiltering(RegressorMixin, BaseEstimator):
    """Collaborative filtering by matrix factorisation (the course's recommender).

    The rating of item i by user j is modelled, over the observed ratings
    only, as

    .. math:: \\hat y_{ij} = x^{(i)} \\cdot w^{(j)} + b^{(j)} + \\mu_i

    with item features :math:`x^{(i)}` (``item_features_``), user weights
    :math:`w^{(j)}` (``user_weights_``), user bias :math:`b^{(j)}`
    (``user_bias_``) and a per-item offset :math:`\\mu_i` (``item_mean_``).
    The parameters minimise

    .. math:: J = \\frac12 \\sum_{r(i,j)=1} (\\hat y_{ij} - y_{ij})^2
              + \\frac{\\lambda}{2} (\\|W\\|^2 + \\|X\\|^2) [+ \\frac{\\lambda}{2}(\\|b\\|^2 + \\|c\\|^2)]

    * ``solver="als"`` (default, fastest at equal quality on MovieLens):
      alternating exact ridge solves, one per user then one per item, in C
      and in parallel. It also learns an item bias :math:`c_i` and
      regularises both biases (the bracketed term); then
      :math:`\\mu_i = \\bar y + c_i` (global mean plus a shrunk item bias).
    * ``solver="adam"``: the lab's training — Adam on the full-batch cost
      above without the bracketed term, parameters drawn from a seeded
      standard normal (like the lab's ``tf.random.normal``), and with
      ``mean_normalize`` :math:`\\mu_i` is the item's mean rating (the lab's
      ``normalize_ratings``). ``CollaborativeFiltering(n_features=100,
      reg_lambda=1, solver="adam", max_iter=200)`` is the lab's model.

    Parameters
    ----------
    n_features : int, default=10
        Length of the item / user vectors.
    reg_lambda : float, default=15.0
        :math:`\\lambda` (the lab uses 1 with Adam). The default is tuned for MovieLens-sized
        data (about 100 ratings per user, test RMSE 0.856 on ml-latest-small); with only a
        few ratings per user or item it shrinks the features towards 0: use 1-5 there.
    solver : {"als", "adam"}, default="als"
    learning_rate : float, default=0.1
        Adam's step size (``solver="adam"`` only).
    max_iter : int, optional
        Iterations (ALS sweeps or Adam steps); None: 6 for ALS, 200 for Adam.
    tol : float, default=0.0
        ALS stops when the cost decreases by less than ``tol`` times itself.
    mean_normalize : bool, default=True
        Subtract the item means (Adam) or the global mean (ALS) before fitting.
    random_state : int, Generator or None
        Seed of the initial parameters.
    n_jobs : int, optional
        Threads (None: all usable cores). Results do not depend on it.
    verbose : int, default=0

    Attributes
    ----------
    item_features_ : ndarray (n_items, n_features)
    user_weights_ : ndarray (n_users, n_features)
    user_bias_ : ndarray (n_users,)
    item_mean_ : ndarray (n_items,)
        Per-item offset added to every prediction.
    item_bias_ : ndarray (n_items,)
        Learned item bias (ALS; zeros for Adam).
    global_mean_ : float
    user_ids_, item_ids_ : ndarray of int64
        Sorted original ids; row k of ``user_weights_`` is user ``user_ids_[k]``.
    cost_history_ : ndarray (n_iter_,)
        The cost J at every iteration.
    n_iter_ : int
    n_features_in_ : int
        2 (the (user_id, item_id) columns of ``X``).

    Notes
    -----
    ``predict`` never raises for unknown ids and never returns NaN: an unknown
    user gets the item's training mean rating, an unknown item the user's
    training mean rating, and when both are unknown the global mean.
    """

    def __init__(self, n_features=10, reg_lambda=15.0, solver="als", learning_rate=0.1, max_iter=None, tol=0.0,
                 mean_normalize=True, random_state=None, n_jobs=None, verbose=0):
        self.n_features = n_features
        self.reg_lambda = reg_lambda
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.mean_normalize = mean_normalize
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    # ------------------------------------------------------------------ validation
    def _check_hyper(self):
        if isinstance(self.n_features, bool) or not isinstance(self.n_features, numbers.Integral) \
                or self.n_features < 1:
            raise ValueError(f"{_NAME}: n_features must be an integer >= 1, got {self.n_features!r}")
        if isinstance(self.reg_lambda, bool) or not isinstance(self.reg_lambda, numbers.Real) \
                or not np.isfinite(self.reg_lambda) or self.reg_lambda < 0:
            raise ValueError(f"{_NAME}: reg_lambda must be a finite number >= 0, got {self.reg_lambda!r}")
        if self.solver not in _SOLVERS:
            raise ValueError(f"{_NAME}: solver must be one of {_SOLVERS}, got {self.solver!r}")
        if self.solver == "als" and self.reg_lambda == 0:
            raise ValueError(f"{_NAME}: solver='als' needs reg_lambda > 0 (the ridge solves are singular "
                             "otherwise)")
        lr = self.learning_rate
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not np.isfinite(lr) or lr <= 0:
            raise ValueError(f"{_NAME}: learning_rate must be a finite number > 0, got {lr!r}")
        max_iter = _DEFAULT_MAX_ITER[self.solver] if self.max_iter is None else self.max_iter
        if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
            raise ValueError(f"{_NAME}: max_iter must be an integer >= 1 or None, got {self.max_iter!r}")
        if isinstance(self.tol, bool) or not isinstance(self.tol, numbers.Real) or not self.tol >= 0:
            raise ValueError(f"{_NAME}: tol must be a number >= 0, got {self.tol!r}")
        return int(max_iter)

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y, callbacks=None):
        """Fit on (user_id, item_id) pairs and their ratings.

        Parameters
        ----------
        X : array-like of shape (n_ratings, 2)
            Integer ids ``(user_id, item_id)`` (any non-negative integers; mapped internally),
            each pair at most once.
        y : array-like of shape (n_ratings,)
            Ratings; float32 keeps the model in float32.
        callbacks : list of pyml.utils.callbacks.Callback, optional
            Called after every iteration with ``logs={"loss": J}``.

        Returns
        -------
        self
        """
        max_iter = self._check_hyper()
        if X is None:
            raise ValueError(f"{_NAME}: X is None; expected an (n_ratings, 2) array of (user_id, item_id)")
        Xa = np.asarray(X)
        if Xa.ndim != 2 or Xa.shape[1] != 2:
            raise ValueError(f"{_NAME}: X must have shape (n_ratings, 2) of (user_id, item_id), got {Xa.shape}")
        if Xa.shape[0] == 0:
            raise ValueError(f"{_NAME}: no ratings given (X is empty); at least one rating is required")
        y = check_vector(y, name="y", caller=_NAME)
        if y.shape[0] != Xa.shape[0]:
            raise ValueError(f"{_NAME}: X has {Xa.shape[0]} rows but y has {y.shape[0]} ratings")
        users = _check_ids(Xa[:, 0], "user ids (X[:, 0])")
        items = _check_ids(Xa[:, 1], "item ids (X[:, 1])")
        self.user_ids_, u_idx = _index_ids(users)
        self.item_ids_, i_idx = _index_ids(items)
        try:
            csr = _k.csr_from_triplets(u_idx.astype(np.int64).ravel(), i_idx.astype(np.int64).ravel(), y,
                                       len(self.user_ids_), len(self.item_ids_))
        except _k.RatingsError:
            raise ValueError(f"{_NAME}: X contains the same (user_id, item_id) pair more than once; "
                             "keep one rating per pair (e.g. the latest or the mean)") from None
        return self._fit_structure(csr, y.dtype, max_iter, callbacks)

    def fit_matrix(self, Y, R, callbacks=None):
        """Fit on the course's dense form: ``Y`` ratings and ``R`` 0/1 mask, items x users.

        Ids are the row (item) and column (user) indices. Every user (column)
        needs at least one rating; items nobody rated are allowed. Entries of
        ``Y`` where ``R`` is 0 are ignored (NaN allowed there).

        Returns
        -------
        self
        """
        max_iter = self._check_hyper()
        Y = check_array(Y, name="Y", caller=_NAME, ensure_finite=False)
        R = check_array(R, name="R", caller=_NAME, dtype=Y.dtype, ensure_finite=False)
        if R.shape != Y.shape:
            raise ValueError(f"{_NAME}: Y has shape {Y.shape} but R has shape {R.shape}; they must be equal "
                             "(items x users)")
        # The structure is found in C in one pass over (Y, R), which also refuses an R other than 0/1 and
        # a non-finite Y at a rated entry (ValueError naming the first bad row).
        csr = _structure(Y, R, _threads(self.n_jobs, Y.size // 8), _NAME)
        per_user = np.diff(csr[3])
        if not np.any(per_user):
            raise ValueError(f"{_NAME}: R has no ratings (all zero); at least one rating is required")
        if np.any(per_user == 0):
            raise ValueError(f"{_NAME}: user (column) {int(np.flatnonzero(per_user == 0)[0])} has no ratings; "
                             "drop that column, or add the user later with fold_in")
        n_items, n_users = Y.shape
        self.item_ids_ = np.arange(n_items, dtype=np.int64)
        self.user_ids_ = np.arange(n_users, dtype=np.int64)
        return self._fit_structure(csr, Y.dtype, max_iter, callbacks)

    def _fit_structure(self, csr, dtype, max_iter, callbacks):
        item_ptr, item_users, vals, user_ptr, user_items, user_pos = csr
        n_items, n_users, d = len(item_ptr) - 1, len(user_ptr) - 1, int(self.n_features)
        nnz = len(vals)
        check_allocation(4 * np.dtype(dtype).itemsize * (n_items + n_users) * d, f"{_NAME}(n_features={d})",
                         "lower n_features")
        big = float(np.abs(vals).max(initial=0.0))
        if big > np.sqrt(np.finfo(dtype).max) / 1e4:  # squared errors and sums of them must stay finite
            raise ValueError(f"{_NAME}: the ratings (y / Y) reach {big:g}; their squares overflow {np.dtype(dtype)}: "
                             f"rescale them (e.g. to a 0.5-5 star scale)")
        counts_i = np.diff(item_ptr)
        item_of = np.repeat(np.arange(n_items), counts_i)
        vals64 = vals.astype(np.float64)
        self.global_mean_ = float(vals64.mean())
        item_sum = np.bincount(item_of, weights=vals64, minlength=n_items)
        self._item_avg = np.where(counts_i > 0, item_sum / np.maximum(counts_i, 1), self.global_mean_)
        user_sum = np.bincount(item_users, weights=vals64, minlength=n_users)
        self._user_avg = np.where(np.diff(user_ptr) > 0, user_sum / np.maximum(np.diff(user_ptr), 1),
                                  self.global_mean_)
        self._rated_ptr, self._rated_items = user_ptr, user_items
        self.rating_range_ = (float(vals64.min()), float(vals64.max()))

        rng = check_random_state(self.random_state)
        n_threads = _threads(self.n_jobs, nnz * d)
        if self.solver == "adam":
            # The lab's order of draws: W, X, b from a standard normal.
            W = rng.standard_normal((n_users, d)).astype(dtype, copy=False)
            X = rng.standard_normal((n_items, d)).astype(dtype, copy=False)
            b = rng.standard_normal(n_users).astype(dtype, copy=False)
            c = np.zeros(n_items, dtype=dtype)
            offset = (self._item_avg * (counts_i > 0)) if self.mean_normalize else np.zeros(n_items)
        else:
            X = (0.1 * rng.standard_normal((n_items, d))).astype(dtype)
            W = np.zeros((n_users, d), dtype=dtype)
            b = np.zeros(n_users, dtype=dtype)
            c = np.zeros(n_items, dtype=dtype)
            offset = np.full(n_items, self.global_mean_ if self.mean_normalize else 0.0)
        target = (vals64 - offset[item_of]).astype(dtype)
        self._offset = offset.astype(dtype)
        # The kernels update these arrays in place: callbacks (EarlyStopping) see the live parameters.
        self.item_features_, self.user_weights_, self.user_bias_, self.item_bias_ = X, W, b, c

        cb = fit_callbacks(callbacks, type(self).__name__, self.verbose, max_iter)
        hook = IterationHook(self, cb)
        cb.on_fit_begin(self)
        if self.solver == "adam":
            hist, n_iter = _k.adam(csr, target, X, W, b, float(self.reg_lambda), float(self.learning_rate),
                                   0.9, 0.999, 1e-7, max_iter, n_threads, hook)
        else:
            hist, n_iter = _k.als(csr, target, X, W, b, c, float(self.reg_lambda), float(self.reg_lambda),
                                  max_iter, float(self.tol), n_threads, hook)
        self.item_mean_ = self._offset + self.item_bias_
        self.cost_history_ = hist
        self.n_iter_ = n_iter
        self.n_features_in_ = 2
        cb.on_fit_end(self)
        return self

    def _get_fit_state(self):
        return tuple(a.copy() for a in (self.item_features_, self.user_weights_, self.user_bias_, self.item_bias_))

    def _set_fit_state(self, state):
        for live, saved in zip((self.item_features_, self.user_weights_, self.user_bias_, self.item_bias_), state):
            live[...] = saved
        if hasattr(self, "_offset"):
            self.item_mean_ = self._offset + self.item_bias_

    # ------------------------------------------------------------------ prediction
    def predict(self, X):
        """Predicted ratings of (user_id, item_id) pairs.

        Unknown user: the item's training mean; unknown item: the user's
        training mean; both unknown: ``global_mean_``. Never NaN.

        Parameters
        ----------
        X : array-like of shape (n, 2)

        Returns
        -------
        y : ndarray of shape (n,)
        """
        check_is_fitted(self, "item_features_")
        Xa = np.asarray(X)
        if Xa.ndim != 2 or Xa.shape[1] != 2:
            raise ValueError(f"{_NAME}: X must have shape (n, 2) of (user_id, item_id), got {Xa.shape}")
        users = _check_ids(Xa[:, 0], "user ids (X[:, 0])")
        items = _check_ids(Xa[:, 1], "item ids (X[:, 1])")
        up, uk = _lookup(self.user_ids_, users)
        ip, ik = _lookup(self.item_ids_, items)
        dtype = self.item_features_.dtype
        out = np.full(len(users), self.global_mean_, dtype=np.float64)
        both = uk & ik
        u, i = up[both], ip[both]
        out[both] = (np.einsum("ij,ij->i", self.item_features_[i], self.user_weights_[u], dtype=np.float64)
                     + self.user_bias_[u] + self.item_mean_[i])
        only_i = ik & ~uk
        out[only_i] = self._item_avg[ip[only_i]]
        only_u = uk & ~ik
        out[only_u] = self._user_avg[up[only_u]]
        return out.astype(dtype)

    def predict_matrix(self):
        """All predictions (n_items, n_users): ``X W^T + b + item_mean_`` (the means added back)."""
        check_is_fitted(self, "item_features_")
        return (self.item_features_ @ self.user_weights_.T + self.user_bias_[None, :]
                + self.item_mean_[:, None])

    def _user_pos(self, user):
        users = _check_ids(np.atleast_1d(user), "user")
        pos, known = _lookup(self.user_ids_, users)
        if not np.all(known):
            raise ValueError(f"{_NAME}: unknown user id {int(users[~known][0])}; known ids are user_ids_ "
                             "(add a new user with fold_in)")
        return pos

    def recommend(self, user, n=10, exclude_rated=True):
        """The ``n`` items of highest predicted rating for ``user``.

        Parameters
        ----------
        user : int or array-like of int
            User id(s) as given to fit.
        n : int, default=10
        exclude_rated : bool, default=True
            Leave out the items the user rated in training.

        Returns
        -------
        item_ids : ndarray of int64 (n,) (or (n_users, n))
            Sorted by descending score (ties: lower item index first); -1 pads
            when fewer than ``n`` items remain.
        scores : ndarray (n,) (or (n_users, n))
        """
        check_is_fitted(self, "item_features_")
        n = self._check_n(n, np.size(user))
        pos = self._user_pos(user)
        excl_ptr = excl_idx = None
        if exclude_rated:
            starts, ends = self._rated_ptr[pos], self._rated_ptr[pos + 1]
            lengths = ends - starts
            excl_ptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
            take = np.repeat(starts - excl_ptr[:-1], lengths) + np.arange(excl_ptr[-1])
            excl_idx = np.ascontiguousarray(self._rated_items[take], dtype=np.int32)
        X = self.item_features_
        Wq = np.ascontiguousarray(self.user_weights_[pos])
        bq = np.ascontiguousarray(self.user_bias_[pos])
        offset = np.ascontiguousarray(self.item_mean_, dtype=X.dtype)
        idx, scores = _k.topk(X, offset, Wq, bq, excl_ptr, excl_idx, n,
                              _threads(self.n_jobs, len(pos) * X.size))
        ids = np.where(idx >= 0, self.item_ids_[np.maximum(idx, 0)], -1)
        if np.ndim(user) == 0:
            return ids[0], scores[0]
        return ids, scores

    def _check_n(self, n, n_queries=1):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"{_NAME}: n must be an integer >= 1, got {n!r}")
        # the answer is (n_queries, n) ids and scores (-1 padded past the catalogue): refuse what cannot fit
        check_allocation(16 * int(n) * max(int(n_queries), 1), f"{_NAME}: n={n}",
                         f"ask for at most the {len(self.item_ids_)} items of the catalogue")
        return int(n)

    def similar_items(self, item, n=10):
        """The ``n`` items closest to ``item`` by :math:`\\|x^{(k)} - x^{(i)}\\|^2` (the item itself excluded).

        Returns
        -------
        item_ids : ndarray of int64 (n,) (or (n_queries, n)), ascending distance
        squared_distances : ndarray (n,) (or (n_queries, n))
        """
        check_is_fitted(self, "item_features_")
        n = self._check_n(n)
        items = _check_ids(np.atleast_1d(item), "item")
        pos, known = _lookup(self.item_ids_, items)
        if not np.all(known):
            raise ValueError(f"{_NAME}: unknown item id {int(items[~known][0])}; known ids are item_ids_")
        X = self.item_features_
        idx, dist = _k.similar(X, pos.astype(np.int64), n, _threads(self.n_jobs, len(pos) * X.size))
        ids = np.where(idx >= 0, self.item_ids_[np.maximum(idx, 0)], -1)
        if np.ndim(item) == 0:
            return ids[0], dist[0]
        return ids, dist

    def fold_in(self, items, ratings, user_id=None):
        """Add a new user from their ratings, the item features frozen (cold start without retraining).

        The user's weights and bias are the exact ridge solution

        .. math:: [w, b] = \\arg\\min \\frac12 \\sum_i (x^{(i)} \\cdot w + b + \\mu_i - y_i)^2
                  + \\frac{\\lambda}{2} \\|w\\|^2 [+ \\frac{\\lambda}{2} b^2 \\text{ (ALS)}]

        Parameters
        ----------
        items : array-like of int
            Item ids (known to the model, no duplicates).
        ratings : array-like of float
        user_id : int, optional
            The new user's id (must be new); default ``max(user_ids_) + 1``.

        Returns
        -------
        user_id : int
        """
        check_is_fitted(self, "item_features_")
        item_arr = _check_ids(np.atleast_1d(items), "items")
        r = check_vector(np.atleast_1d(ratings), name="ratings", caller=_NAME, dtype=np.float64)
        if len(item_arr) == 0:
            raise ValueError(f"{_NAME}: fold_in needs at least one rating")
        if len(r) != len(item_arr):
            raise ValueError(f"{_NAME}: {len(item_arr)} items but {len(r)} ratings")
        if len(np.unique(item_arr)) != len(item_arr):
            raise ValueError(f"{_NAME}: fold_in items contain duplicates")
        pos, known = _lookup(self.item_ids_, item_arr)
        if not np.all(known):
            raise ValueError(f"{_NAME}: unknown item id {int(item_arr[~known][0])}; known ids are item_ids_")
        new_id = int(self.user_ids_.max()) + 1 if user_id is None else int(_check_ids([user_id], "user_id")[0])
        if np.any(self.user_ids_ == new_id):
            raise ValueError(f"{_NAME}: user id {new_id} already exists")
        order = np.argsort(pos)
        pos, r = pos[order], r[order]
        X = self.item_features_
        dtype = X.dtype
        target = (r - self.item_mean_[pos]).astype(dtype)
        lam = float(self.reg_lambda)
        w, bias = _k.ridge_rows(np.array([0, len(pos)], dtype=np.int64), pos.astype(np.int32), target, X, None,
                                lam, lam if self.solver == "als" else 0.0, True, 1)
        at = int(np.searchsorted(self.user_ids_, new_id))
        self.user_ids_ = np.insert(self.user_ids_, at, new_id)
        self.user_weights_ = np.insert(self.user_weights_, at, w[0], axis=0)
        self.user_bias_ = np.insert(self.user_bias_, at, bias[0])
        self._user_avg = np.insert(self._user_avg, at, r.mean())
        start = self._rated_ptr[at]
        self._rated_items = np.concatenate([self._rated_items[:start], pos.astype(np.int32),
                                            self._rated_items[start:]])
        self._rated_ptr = np.concatenate([self._rated_ptr[:at + 1], self._rated_ptr[at:] + len(pos)])
        return new_id
