"""Matrix decomposition (Course 3 optional lab): principal component analysis."""
from pyml.decomposition._pca import PCA

__all__ = ["PCA"]
