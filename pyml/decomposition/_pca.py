"""Principal component analysis with scikit-learn's API.

The passes over the data run in C (``csrc/decomposition.c``): column means and
variances, the centred scatter matrix :math:`X_c^T X_c` (tall data) or Gram
matrix :math:`X_c X_c^T` (wide data), and the products :math:`X_c Q`,
:math:`X_c^T P` of the randomized range finder and of ``transform``. Only the
small eigen/SVD problems (d x d, n x n or (k + oversamples) x d) go to LAPACK
through NumPy.
"""
import contextlib
import numbers

import numpy as np

from pyml.base import BaseEstimator, TransformerMixin
from pyml.decomposition import _decomposition_kernels as _k
from pyml.utils._threads import resolve_n_jobs, threads_for_work
from pyml.utils.validation import check_array, check_is_fitted, check_n_features, legacy_random_state

__all__ = ["PCA"]

_SOLVERS = ("auto", "full", "randomized")


def _threads(n_jobs, X):
    """Threads for one pass over X: at least 64k matrix entries per thread."""
    return threads_for_work(resolve_n_jobs(n_jobs), X.size, min_items_per_thread=1 << 16)


_BLAS = []  # [ThreadpoolController or None], created on first use


def _blas_threads(n_threads):
    """Limit NumPy's BLAS/LAPACK to the kernels' thread count during a fit (threadpoolctl, when installed).

    The LAPACK steps here are small; OpenBLAS's threads busy-waiting beside the OpenMP pool (or beside
    other processes on a loaded machine) can make a 1 ms QR take 100 ms, and ``n_jobs=1`` should mean
    one thread for the whole fit.
    """
    if not _BLAS:
        try:
            from threadpoolctl import ThreadpoolController

            _BLAS.append(ThreadpoolController())
        except Exception:  # threadpoolctl missing or failing: leave BLAS alone
            _BLAS.append(None)
    if _BLAS[0] is None:
        return contextlib.nullcontext()
    return _BLAS[0].limit(limits=int(n_threads), user_api="blas")


def svd_flip_rows(Vt, U=None):
    """scikit-learn's ``svd_flip(U, Vt, u_based_decision=False)``.

    Each row of ``Vt`` is multiplied by the sign of its entry of largest
    absolute value, so that entry is positive; the matching columns of ``U``
    (when given) get the same sign. Returns ``(Vt, U)``.
    """
    idx = np.argmax(np.abs(Vt), axis=1)
    signs = np.sign(Vt[np.arange(Vt.shape[0]), idx])
    signs[signs == 0] = 1
    Vt = Vt * signs[:, None]
    if U is not None:
        U = U * signs[None, :]
    return Vt, U


class PCA(TransformerMixin, BaseEstimator):
    """Principal component analysis (linear dimensionality reduction).

    With :math:`X_c = X - \\mathbf{1}\\mu^T` (:math:`\\mu` the column means)
    and its singular value decomposition :math:`X_c = U S V^T`, the principal
    axes are the rows of :math:`V^T` with the largest singular values,
    ``explained_variance_`` is :math:`S^2 / (n - 1)` and
    ``transform(X)`` is :math:`(X - \\mu) V_k` (divided by
    :math:`\\sqrt{\\text{explained\\_variance\\_}}` with ``whiten=True``).

    ``svd_solver="full"`` is exact: the eigen-decomposition of the centred
    scatter matrix :math:`X_c^T X_c = V S^2 V^T` when ``n_samples >=
    n_features``, otherwise of the Gram matrix :math:`X_c X_c^T = U S^2 U^T`
    with :math:`V = X_c^T U S^{-1}` (both matrices are computed in C, in
    float64). ``"randomized"`` is Halko et al.'s randomized SVD exactly as
    scikit-learn runs it (same Gaussian draws for the same integer seed,
    ``n_oversamples`` extra columns, ``iterated_power`` power iterations, QR
    re-orthonormalisation, which spans the same subspace as scikit-learn's LU);
    ``"auto"`` picks what scikit-learn's ``"auto"`` would pick (randomized for
    large inputs and ``1 <= n_components < 0.8 min(n_samples, n_features)``,
    except tall-and-skinny data, exact otherwise).

    Component signs follow scikit-learn's ``svd_flip(..., u_based_decision=False)``:
    the largest-magnitude entry of every component is positive, so results are
    equal to scikit-learn's, not merely up to sign.

    Parameters
    ----------
    n_components : int, float in (0, 1) or None, default=None
        Number of components to keep; a float keeps the smallest number whose
        cumulative explained variance ratio exceeds it (``svd_solver="full"``);
        None keeps ``min(n_samples, n_features)``.
    copy : bool, default=True
        Accepted for scikit-learn compatibility; X is never modified (the
        centring happens inside the C passes).
    whiten : bool, default=False
        Scale the projections to unit variance.
    svd_solver : {"auto", "full", "randomized"}, default="auto"
    iterated_power : int or "auto", default="auto"
        Power iterations of the randomized solver ("auto": 7 when
        ``n_components < 0.1 min(n_samples, n_features)``, else 4).
    n_oversamples : int, default=10
        Extra random vectors of the randomized solver.
    power_iteration_normalizer : {"auto", "QR", "LU", "none"}, default="auto"
        Re-orthonormalisation between power iterations ("auto": none for at
        most 2 iterations, else QR). "LU" is computed as QR, which spans the
        same subspace (scikit-learn's LU result up to rounding).
    random_state : int, RandomState, Generator or None, default=None
        Seed of the randomized solver's Gaussian test matrix.
    n_jobs : int or None, default=None
        Threads of the C passes (None = all usable cores). Results do not
        depend on it.

    Attributes
    ----------
    components_ : ndarray of shape (n_components_, n_features)
    explained_variance_ : ndarray of shape (n_components_,)
    explained_variance_ratio_ : ndarray of shape (n_components_,)
    singular_values_ : ndarray of shape (n_components_,)
    mean_ : ndarray of shape (n_features,)
    n_components_ : int
    n_features_in_ : int
    n_samples_ : int
    noise_variance_ : float
        Probabilistic-PCA noise estimate: the mean of the discarded
        eigenvalues of the covariance.

    Examples
    --------
    >>> import numpy as np
    >>> from pyml.decomposition import PCA
    >>> X = np.random.default_rng(0).normal(size=(100, 5))
    >>> PCA(n_components=2).fit(X).components_.shape
    (2, 5)
    """

    _pyml_tags = {"preserves_dtype": ["float64", "float32"]}

    def __init__(self, n_components=None, *, copy=True, whiten=False, svd_solver="auto", iterated_power="auto",
                 n_oversamples=10, power_iteration_normalizer="auto", random_state=None, n_jobs=None):
        self.n_components = n_components
        self.copy = copy
        self.whiten = whiten
        self.svd_solver = svd_solver
        self.iterated_power = iterated_power
        self.n_oversamples = n_oversamples
        self.power_iteration_normalizer = power_iteration_normalizer
        self.random_state = random_state
        self.n_jobs = n_jobs

    # ---- validation ---------------------------------------------------------

    def _check_params(self, n, d):
        name = type(self).__name__
        if self.svd_solver not in _SOLVERS:
            raise ValueError(f"{name}: svd_solver must be one of {_SOLVERS}, got {self.svd_solver!r}")
        if not isinstance(self.whiten, (bool, np.bool_)):
            raise TypeError(f"{name}: whiten must be True or False, got {self.whiten!r}")
        ip = self.iterated_power
        if not (ip == "auto" if isinstance(ip, str) else
                isinstance(ip, numbers.Integral) and not isinstance(ip, bool) and ip >= 0):
            raise ValueError(f"{name}: iterated_power must be 'auto' or an integer >= 0, got {ip!r}")
        if self.power_iteration_normalizer not in ("auto", "QR", "LU", "none"):
            raise ValueError(f"{name}: power_iteration_normalizer must be 'auto', 'QR', 'LU' or 'none', got "
                             f"{self.power_iteration_normalizer!r}")
        no = self.n_oversamples
        if isinstance(no, bool) or not isinstance(no, numbers.Integral) or no < 1:
            raise ValueError(f"{name}: n_oversamples must be an integer >= 1, got {no!r}")
        k = self.n_components
        limit = min(n, d)
        if k is None:
            return limit
        if isinstance(k, str):
            raise ValueError(f"{name}: n_components={k!r} is not supported; pass an int, a float in (0, 1) "
                             "or None")
        if isinstance(k, bool) or not isinstance(k, numbers.Real):
            raise TypeError(f"{name}: n_components must be an int, a float in (0, 1) or None, got {k!r}")
        if isinstance(k, numbers.Integral):
            if not 1 <= k <= limit:
                raise ValueError(f"{name}: n_components={k} must be between 1 and min(n_samples, n_features)="
                                 f"{limit}; ask for fewer components or pass more data")
            return int(k)
        if not 0 < k < 1:
            raise ValueError(f"{name}: a float n_components={k} must be in (0, 1) (a fraction of the "
                             "variance); pass an int for a number of components")
        if self.svd_solver == "randomized":
            raise ValueError(f"{name}: a fractional n_components={k} needs svd_solver='full' or 'auto'")
        return float(k)

    def _solver(self, n, d, k):
        if self.svd_solver != "auto":
            return self.svd_solver
        # scikit-learn's "auto" rule (its covariance_eigh and full are our exact solver)
        if d <= 1000 and n >= 10 * d:
            return "full"
        if max(n, d) <= 500:
            return "full"
        if isinstance(k, int) and 1 <= k < 0.8 * min(n, d):
            return "randomized"
        return "full"

    # ---- fit ----------------------------------------------------------------

    def get_feature_names_out(self, input_features=None):
        """``pca0, pca1, ...`` (one per component), as scikit-learn names them."""
        from pyml.utils._feature_names import feature_names_out

        check_is_fitted(self, "components_")
        feature_names_out(self, input_features)  # validates input_features
        return np.asarray([f"pca{i}" for i in range(self.components_.shape[0])], dtype=object)

    def fit(self, X, y=None):
        """Learn the principal axes of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self : PCA
        """
        self._fit(X)
        return self

    def _fit(self, X):
        X = check_array(X, caller=self, min_samples=2)
        n, d = X.shape
        k = self._check_params(n, d)
        legacy_random_state(self.random_state, type(self).__name__)  # a bad seed is an error with any solver
        solver = self._solver(n, d, k)
        n_threads = _threads(self.n_jobs, X)
        mean, sq_dev = _k.moments(X, n_threads)
        with _blas_threads(self._lapack_threads(solver, n, d, k, n_threads)):
            if solver == "full":
                S, Vt, k, total_var = self._fit_exact(X, mean, k, n_threads)
            else:
                total_var = float(sq_dev.sum()) / (n - 1)  # trace of the covariance
                S, Vt = self._fit_randomized(X, mean, k, total_var, n_threads)
        dtype = X.dtype
        self._mean64 = mean
        self.mean_ = mean.astype(dtype)
        self.components_ = np.ascontiguousarray(Vt, dtype=dtype)
        self.singular_values_ = S.astype(dtype)
        ev = S.astype(np.float64) ** 2 / (n - 1)
        self.explained_variance_ = ev.astype(dtype)
        self.explained_variance_ratio_ = (ev / total_var if total_var > 0 else np.zeros_like(ev)).astype(dtype)
        self.n_components_ = int(k)
        self.n_samples_ = n
        self.n_features_in_ = d
        self._fit_svd_solver = solver
        return X

    def _lapack_threads(self, solver, n, d, k, n_threads):
        """BLAS threads of the small LAPACK step: one unless it is big enough to share (OpenBLAS's
        threads spinning next to the OpenMP pool cost more than they bring on small problems)."""
        if solver == "full":
            work = min(n, d) ** 3  # eigh of the min(n, d) square matrix
        else:
            kk = (k if isinstance(k, int) else min(n, d)) + self.n_oversamples
            work = kk * kk * max(n, d)  # QR / SVD of the (k + oversamples) x max(n, d) panels
        return n_threads if work >= 1e8 else 1

    def _fit_exact(self, X, mean, k, n_threads):
        """Eigen-decomposition of the C scatter (tall) or Gram (wide) matrix."""
        n, d = X.shape
        if n >= d:
            evals, evecs = np.linalg.eigh(_k.covariance(X, mean, n_threads))
            evals, evecs = evals[::-1], evecs[:, ::-1]
        else:
            evals, U = np.linalg.eigh(_k.gram(X, mean, n_threads))
            evals, U = evals[::-1], U[:, ::-1]
        evals = np.clip(evals, 0.0, None)
        S_all = np.sqrt(evals)
        ev_all = evals / (n - 1)
        total_var = float(ev_all.sum())
        if isinstance(k, float):  # smallest count whose cumulative ratio exceeds k
            ratio_cumsum = np.cumsum(ev_all / total_var)
            k = min(int(np.searchsorted(ratio_cumsum, k, side="right")) + 1, len(ev_all))
        if n >= d:
            Vt = evecs[:, :k].T.copy()
        else:
            # V = Xc^T U S^-1 for the kept axes (the axes of a zero singular
            # value are undefined; they are left at zero)
            P = np.ascontiguousarray(U[:, :k], dtype=X.dtype)
            V = _k.project_t(X, mean, P, n_threads).astype(np.float64)
            s = S_all[:k]
            # The Gram eigenvalues carry a rounding error of ~eps64·λ_max, so a
            # singular value below sqrt(eps64·max(n, d))·S_max is indistinguishable
            # from 0 (a threshold of eps·S_max kept such axes: V = Xc^T u / s was
            # then a rounding residue of norm ~1e-8, not a unit vector); Xc^T u in
            # X's precision needs s above ~eps_X·max(n, d)·S_max as well.
            rel = max(np.sqrt(np.finfo(np.float64).eps * max(n, d)), np.finfo(X.dtype).eps * max(n, d))
            tiny = s <= rel * (S_all[0] if S_all[0] > 0 else 1.0)
            V[:, ~tiny] /= s[~tiny]
            V[:, ~tiny] /= np.linalg.norm(V[:, ~tiny], axis=0)   # unit axes despite the rounding of S
            V[:, tiny] = 0.0
            Vt = V.T
        Vt, _ = svd_flip_rows(Vt)
        self.noise_variance_ = float(ev_all[k:].mean()) if k < min(n, d) else 0.0
        return S_all[:k], Vt, k, total_var

    def _fit_randomized(self, X, mean, k, total_var, n_threads):
        """scikit-learn's ``_randomized_svd`` on the implicitly centred X."""
        n, d = X.shape
        rs = legacy_random_state(self.random_state, type(self).__name__)
        n_random = k + self.n_oversamples
        n_iter = self.iterated_power
        if n_iter == "auto":
            n_iter = 7 if k < 0.1 * min(n, d) else 4
        transpose = n < d  # work on M = Xc^T for wide data, as scikit-learn does
        dt = X.dtype

        def M_mul(Q):  # M @ Q
            Q = np.ascontiguousarray(Q, dtype=dt)
            return _k.project_t(X, mean, Q, n_threads) if transpose else _k.project(X, mean, Q, n_threads)

        def Mt_mul(P):  # M^T @ P
            P = np.ascontiguousarray(P, dtype=dt)
            return _k.project(X, mean, P, n_threads) if transpose else _k.project_t(X, mean, P, n_threads)

        Q = np.asarray(rs.normal(size=(n if transpose else d, n_random))).astype(dt)
        normalize = self.power_iteration_normalizer
        if normalize == "auto":  # scikit-learn's rule: none for few iterations
            normalize = "none" if n_iter <= 2 else "QR"
        for _ in range(int(n_iter)):
            if normalize == "none":
                Q = Mt_mul(M_mul(Q))
            else:  # QR spans the same subspace as scikit-learn's LU, more stably
                Q = np.linalg.qr(M_mul(Q))[0]
                Q = np.linalg.qr(Mt_mul(Q))[0]
        Q = np.linalg.qr(M_mul(Q))[0]
        B = Mt_mul(Q).T  # Q^T M
        Uhat, s, Vt = np.linalg.svd(B, full_matrices=False)
        if transpose:
            Vt = (Q @ Uhat)[:, :k].T
        else:
            Vt = Vt[:k]
        S = s[:k].astype(np.float64)
        Vt, _ = svd_flip_rows(np.asarray(Vt, dtype=np.float64))
        ev = S ** 2 / (n - 1)
        self.noise_variance_ = (float((total_var - ev.sum()) / (min(n, d) - k)) if k < min(n, d) else 0.0)
        return S, Vt

    # ---- transform ----------------------------------------------------------

    def _check_X(self, X, n_cols):
        check_is_fitted(self)
        X = check_array(X, caller=self)
        if X.shape[1] != n_cols:
            raise ValueError(f"{type(self).__name__}: X has {X.shape[1]} columns, expected {n_cols}")
        return np.ascontiguousarray(X, dtype=self.components_.dtype)

    def _scale(self):
        scale = np.sqrt(self.explained_variance_)
        return np.maximum(scale, np.finfo(scale.dtype).eps)

    def transform(self, X):
        """Project X on the principal axes: :math:`(X - \\mu) V_k` (whitened: divided by :math:`\\sqrt{\\lambda}`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components_)
        """
        check_is_fitted(self)
        X = check_array(X, caller=self)
        check_n_features(self, X)
        X = np.ascontiguousarray(X, dtype=self.components_.dtype)
        Z = _k.project(X, self._mean64, np.ascontiguousarray(self.components_.T), _threads(self.n_jobs, X))
        if self.whiten:
            Z /= self._scale()
        return Z

    def fit_transform(self, X, y=None):
        """``fit(X).transform(X)``."""
        X = self._fit(X)
        return self.transform(X)

    def inverse_transform(self, X):
        """Back to the input space: :math:`Z V_k^T + \\mu` (whitened: :math:`Z` times :math:`\\sqrt{\\lambda}` first).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components_)

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
        """
        Z = self._check_X(X, self.n_components_)
        C = self.components_ * self._scale()[:, None] if self.whiten else self.components_
        out = _k.project(Z, None, np.ascontiguousarray(C, dtype=Z.dtype), _threads(self.n_jobs, Z))
        out += self.mean_
        return out
