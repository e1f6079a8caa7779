"""load_movielens (user-given path) and make_ratings."""
import os
import pathlib

import numpy as np
import pytest

from pyml.datasets import load_movielens, make_ratings

SHARED = pathlib.Path(__file__).resolve().parents[2].parent / "shared"  # ../shared beside the checkout
MOVIELENS = str(SHARED / "datasets/movielens-small")


def test_load_movielens_from_a_written_directory(tmp_path):
    (tmp_path / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,10,4.0,100\n2,10,3.5,200\n2,20,5.0,300\n")
    (tmp_path / "movies.csv").write_text('movieId,title,genres\n10,"Heat, The (1995)",Action|Crime\n20,Up (2009),Animation\n')
    ml = load_movielens(tmp_path)
    np.testing.assert_array_equal(ml.X, [[1, 10], [2, 10], [2, 20]])
    np.testing.assert_array_equal(ml.y, [4.0, 3.5, 5.0])
    np.testing.assert_array_equal(ml.ratings.timestamp, [100, 200, 300])
    assert ml.titles[10] == "Heat, The (1995)"
    assert ml.movies.genres[0] == ("Action", "Crime")
    assert ml.X.dtype == np.int64


def test_load_movielens_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="ratings.csv"):
        load_movielens(tmp_path)


@pytest.mark.skipif(not os.path.isdir(MOVIELENS), reason="MovieLens not present")
def test_load_movielens_small():
    ml = load_movielens(MOVIELENS)
    assert ml.X.shape == (100_836, 2) and len(ml.movies.movie_id) == 9742
    assert len(np.unique(ml.X[:, 0])) == 610
    assert ml.y.min() == 0.5 and ml.y.max() == 5.0
    assert ml.titles[1] == "Toy Story (1995)"


def test_make_ratings_seeded_low_rank():
    a = make_ratings(n_users=50, n_items=70, n_features=3, density=0.3, noise=0.0, random_state=4)
    b = make_ratings(n_users=50, n_items=70, n_features=3, density=0.3, noise=0.0, random_state=4)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert a.Y.shape == (70, 50) and set(np.unique(a.R)) <= {0.0, 1.0}
    assert np.all(a.R.sum(axis=0) >= 1)  # every user rated something
    np.testing.assert_array_equal(a.Y[a.X[:, 1], a.X[:, 0]], a.y)
    assert a.y.min() >= 0.5 and a.y.max() <= 5.0 and np.all(a.y * 2 == np.round(a.y * 2))
    assert abs(a.R.mean() - 0.3) < 0.05
    # the truth has low rank: 3 + XW^T + biases reproduces the (noise-free, unclipped-mostly) ratings
    full = 3 + a.item_features @ a.user_weights.T
    assert np.corrcoef(full[a.R > 0], a.Y[a.R > 0])[0, 1] > 0.3


def test_make_ratings_bad_args():
    with pytest.raises(ValueError, match="density"):
        make_ratings(density=0)
    with pytest.raises(ValueError, match="n_users"):
        make_ratings(n_users=0)
    with pytest.raises(ValueError, match="noise"):
        make_ratings(noise=-1)
