"""Clustering (Course 3, week 1): k-means and the lab's step-by-step functions.

* :class:`KMeans` (Lloyd or Hamerly, k-means++ or random init, sample weights);
* :class:`MiniBatchKMeans` with ``partial_fit``;
* :func:`kmeans_plusplus` seeding;
* the lab's functions: :func:`find_closest_centroids`, :func:`compute_centroids`,
  :func:`run_kmeans`, :func:`kmeans_init_centroids`, :func:`compress_image`.
"""
from pyml.cluster._course import (
    compress_image, compute_centroids, find_closest_centroids, kmeans_init_centroids, run_kmeans,
)
from pyml.cluster._kmeans import KMeans, MiniBatchKMeans, kmeans_plusplus

__all__ = [
    "KMeans",
    "MiniBatchKMeans",
    "kmeans_plusplus",
    "find_closest_centroids",
    "compute_centroids",
    "run_kmeans",
    "kmeans_init_centroids",
    "compress_image",
]
