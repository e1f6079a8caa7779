"""Rating data for recommenders: a MovieLens reader (user-given path) and a seeded generator."""
import csv
import os

import numpy as np

from pyml.datasets._base import Bunch
from pyml.datasets._checks import check_bytes, count, real
from pyml.utils.validation import check_random_state

__all__ = ["load_movielens", "make_ratings"]


def load_movielens(path):
    """Read a MovieLens directory in the ml-latest-small format (never bundled: its licence is non-commercial).

    Parameters
    ----------
    path : str or os.PathLike
        Directory holding ``ratings.csv`` (``userId,movieId,rating,timestamp``)
        and ``movies.csv`` (``movieId,title,genres``), e.g. the unpacked
        https://grouplens.org/datasets/movielens/ ml-latest-small.zip.

    Returns
    -------
    Bunch with
        ``X`` : int64 (n_ratings, 2) of (user_id, movie_id), ready for
        ``CollaborativeFiltering().fit(X, y)``; ``y`` : float64 (n_ratings,) ratings;
        ``ratings`` : Bunch of ``user_id``, ``movie_id``, ``rating``, ``timestamp`` arrays;
        ``movies`` : Bunch of ``movie_id`` (int64), ``title`` and ``genres`` (object arrays,
        genres split on ``|``); ``titles`` : dict movie_id -> title.
    """
    try:
        path = os.fsdecode(os.fspath(path))
    except TypeError:
        raise TypeError(f"load_movielens: path must be a directory path (str or os.PathLike), got "
                        f"{type(path).__name__} {path!r}") from None
    ratings_file = os.path.join(path, "ratings.csv")
    movies_file = os.path.join(path, "movies.csv")
    for f in (ratings_file, movies_file):
        if not os.path.isfile(f):
            raise FileNotFoundError(f"load_movielens: {f} not found; pass the directory of an unpacked "
                                    "MovieLens ml-latest-small (ratings.csv and movies.csv)")
    raw = np.loadtxt(ratings_file, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    if raw.shape[1] < 3:
        raise ValueError(f"load_movielens: {ratings_file} must have columns userId,movieId,rating[,timestamp]")
    user = raw[:, 0].astype(np.int64)
    movie = raw[:, 1].astype(np.int64)
    rating = raw[:, 2].copy()
    timestamp = raw[:, 3].astype(np.int64) if raw.shape[1] > 3 else np.zeros(len(user), np.int64)
    with open(movies_file, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]  # csv: titles may contain quoted commas
    movie_ids = np.array([int(r[0]) for r in rows], dtype=np.int64)
    titles = np.array([r[1] for r in rows], dtype=object)
    genres = np.empty(len(rows), dtype=object)
    genres[:] = [tuple(r[2].split("|")) if len(r) > 2 else () for r in rows]
    return Bunch(
        X=np.column_stack([user, movie]),
        y=rating,
        ratings=Bunch(user_id=user, movie_id=movie, rating=rating, timestamp=timestamp),
        movies=Bunch(movie_id=movie_ids, title=titles, genres=genres),
        titles=dict(zip(movie_ids.tolist(), titles.tolist())),
    )


def make_ratings(n_users=100, n_items=200, n_features=5, density=0.1, noise=0.5, random_state=None):
    """Seeded synthetic ratings with a true low-rank structure.

    Ratings are :math:`y_{ij} = \\text{clip}(3 + x_i \\cdot w_j + b_j + c_i + \\varepsilon, 0.5, 5)`
    rounded to halves, with :math:`x_i, w_j \\sim N(0, I/n_{features})`,
    biases :math:`b_j, c_i \\sim N(0, 0.25)` and noise :math:`\\varepsilon \\sim N(0, noise^2)`,
    observed for a random ``density`` fraction of pairs (every user rates at least one item).

    Returns
    -------
    Bunch with ``X`` int64 (n_ratings, 2) of (user_id, item_id), ``y`` float64 ratings,
    ``Y``, ``R`` (n_items, n_users) dense forms (Y 0 where unobserved), and the true
    ``item_features``, ``user_weights``.
    """
    caller = "make_ratings"
    n_users = count(n_users, "n_users", caller)
    n_items = count(n_items, "n_items", caller)
    n_features = count(n_features, "n_features", caller)
    density = real(density, "density", caller, low=0.0, high=1.0, include_low=False)
    noise = real(noise, "noise", caller, low=0.0)
    # about six (n_items, n_users) arrays at the peak (R, its draws, the full ratings, Y) plus the factors
    check_bytes(8 * (6 * n_items * n_users + (n_items + n_users) * (n_features + 1)),
                f"n_users={n_users}, n_items={n_items} and n_features={n_features}",
                "pass smaller n_users, n_items or n_features", caller)
    rng = check_random_state(random_state)
    scale = 1.0 / np.sqrt(n_features)
    Xf = rng.normal(0, scale, (n_items, n_features))
    Wf = rng.normal(0, scale, (n_users, n_features))
    bu = rng.normal(0, 0.5, n_users)
    bi = rng.normal(0, 0.5, n_items)
    R = rng.random((n_items, n_users)) < density
    R[rng.integers(0, n_items, n_users), np.arange(n_users)] = True
    full = 3.0 + Xf @ Wf.T + bu[None, :] + bi[:, None] + rng.normal(0, noise, (n_items, n_users))
    full = np.clip(np.round(full * 2) / 2, 0.5, 5.0)
    item, user = np.nonzero(R)
    order = np.lexsort((item, user))
    user, item = user[order], item[order]
    y = full[item, user]
    Y = np.where(R, full, 0.0)
    return Bunch(X=np.column_stack([user, item]).astype(np.int64), y=y, Y=Y, R=R.astype(np.float64),
                 item_features=Xf, user_weights=Wf)
