"""Base classes for pyml estimators: scikit-learn's contract without scikit-learn.

* ``__init__`` only stores its keyword arguments (one attribute per parameter);
* ``get_params`` / ``set_params`` (nested with ``__``) introspect ``__init__``;
* ``fit`` validates, learns attributes ending in ``_`` and returns ``self``;
* pickles record the pyml version and warn when loaded by another one;
* ``__sklearn_tags__`` describes the estimator to scikit-learn's tools
  (imported lazily, only when scikit-learn itself asks).
"""
import copy
import inspect
import warnings

import numpy as np

from pyml.exceptions import InconsistentVersionWarning
from pyml.utils import _wrappers
from pyml.utils._feature_names import feature_names_out

__all__ = ["BaseEstimator", "ClassifierMixin", "ProbaClassifierMixin", "RegressorMixin", "TransformerMixin", "ClusterMixin",
           "clone", "is_classifier", "is_regressor"]


def _pyml_version():
    from pyml import __version__

    return __version__


class BaseEstimator:
    """Base class of every pyml estimator (see the module docstring)."""

    #: Per-class adjustments of scikit-learn tags, e.g. {"poor_score": True}.
    _pyml_tags = {}

    _FIT_METHODS = ("fit", "partial_fit")
    _CHECK_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function", "transform",
                      "score_samples")

    def __init_subclass__(cls, **kwargs):
        """Every ``fit`` records a DataFrame's column names in ``feature_names_in_`` and every
        ``predict``/``transform``/... checks them, as scikit-learn does; ``transform`` honours
        ``set_output``."""
        super().__init_subclass__(**kwargs)
        for name, wrap in [(m, _wrappers.wrap_fit) for m in cls._FIT_METHODS] + \
                          [(m, _wrappers.wrap_check) for m in cls._CHECK_METHODS]:
            method = cls.__dict__.get(name)
            if callable(method) and not getattr(method, "_pyml_feature_names", False):
                setattr(cls, name, wrap(method))
        for name in ("transform", "fit_transform"):
            method = cls.__dict__.get(name)
            if callable(method) and not getattr(method, "_pyml_output", False):
                setattr(cls, name, _wrappers.wrap_output(method))

    @classmethod
    def _get_param_names(cls):
        init = cls.__init__
        if init is object.__init__:
            return []
        params = inspect.signature(init).parameters.values()
        for p in params:
            if p.kind == p.VAR_POSITIONAL:
                raise RuntimeError(f"{cls.__name__}.__init__ must not take *args (scikit-learn convention)")
        return sorted(p.name for p in params if p.name != "self" and p.kind != p.VAR_KEYWORD)

    def get_params(self, deep=True):
        """Parameters of this estimator (and of nested estimators when ``deep``)."""
        out = {}
        for key in self._get_param_names():
            value = getattr(self, key)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                for sub_key, sub_value in value.get_params().items():
                    out[f"{key}__{sub_key}"] = sub_value
            out[key] = value
        return out

    def set_params(self, **params):
        """Set parameters (``name`` or ``nested__name``); returns self."""
        if not params:
            return self
        valid = self.get_params(deep=True)
        nested = {}
        for key, value in params.items():
            name, delim, sub = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator {type(self).__name__}. "
                    f"Valid parameters are: {sorted(self._get_param_names())!r}."
                )
            if delim:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
                valid[name] = value
        for name, sub_params in nested.items():
            valid[name].set_params(**sub_params)
        return self

    def __repr__(self):
        defaults = {
            p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()
            if p.default is not inspect.Parameter.empty
        }
        changed = []
        for key in self._get_param_names():
            value = getattr(self, key, None)
            default = defaults.get(key, inspect.Parameter.empty)
            same = value is default
            if not same:
                try:
                    same = bool(np.all(value == default)) and type(value) is type(default)
                except Exception:  # arrays of other shapes, odd objects
                    same = False
            if not same:
                changed.append(f"{key}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_pyml_version"] = _pyml_version()
        return state

    def __setstate__(self, state):
        state = dict(state)
        version = state.pop("_pyml_version", None)
        if version is not None and version != _pyml_version():
            warnings.warn(
                f"Trying to unpickle {type(self).__name__} from pyml {version} with pyml {_pyml_version()}; "
                "results may differ. Refit the model, or load it with the version that saved it.",
                InconsistentVersionWarning,
                stacklevel=2,
            )
        self.__dict__.update(state)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "n_features_in_") or any(
            k.endswith("_") and not k.startswith("_") for k in vars(self)
        )

    def __sklearn_tags__(self):
        from sklearn.utils import InputTags, Tags, TargetTags

        tags = Tags(estimator_type=None, target_tags=TargetTags(required=False), transformer_tags=None,
                    regressor_tags=None, classifier_tags=None, input_tags=InputTags())
        return tags

    def _finish_tags(self, tags):
        extra = self._pyml_tags
        if "non_deterministic" in extra:
            tags.non_deterministic = extra["non_deterministic"]
        if "poor_score" in extra:
            for sub in (tags.classifier_tags, tags.regressor_tags):
                if sub is not None:
                    sub.poor_score = extra["poor_score"]
        if "preserves_dtype" in extra and tags.transformer_tags is not None:
            tags.transformer_tags.preserves_dtype = list(extra["preserves_dtype"])
        if "requires_y" in extra:
            tags.target_tags.required = extra["requires_y"]
        return tags


class ClassifierMixin:
    """Mixin for classifiers: ``score`` is the accuracy."""

    _estimator_type = "classifier"

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of ``predict(X)`` against ``y``."""
        from pyml.metrics import accuracy_score

        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags

        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags()
        tags.target_tags.required = True
        return self._finish_tags(tags)


class ProbaClassifierMixin(ClassifierMixin):
    """Classifier predicting the most probable class of its ``predict_proba``."""

    def predict(self, X):
        """Class of largest probability: ``classes_[argmax predict_proba(X)]``."""
        proba = self.predict_proba(X)  # first: it raises NotFittedError before classes_ is looked up
        return self.classes_[np.argmax(proba, axis=1)]

    def predict_log_proba(self, X):
        """log of :meth:`predict_proba` (-inf where a probability is 0)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))


class RegressorMixin:
    """Mixin for regressors: ``score`` is R²."""

    _estimator_type = "regressor"

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R² = 1 - SS_res / SS_tot of ``predict(X)``."""
        from pyml.metrics import r2_score

        return r2_score(y, self.predict(X), sample_weight=sample_weight)

    def __sklearn_tags__(self):
        from sklearn.utils import RegressorTags

        tags = super().__sklearn_tags__()
        tags.estimator_type = "regressor"
        tags.regressor_tags = RegressorTags()
        tags.target_tags.required = True
        return self._finish_tags(tags)


class TransformerMixin:
    """Mixin for transformers: ``fit_transform``, ``set_output``, ``get_feature_names_out``."""

    def fit_transform(self, X, y=None, **fit_params):
        """``fit(X, y).transform(X)``."""
        return self.fit(X, y, **fit_params).transform(X)

    def set_output(self, *, transform=None):
        """``transform="pandas"``: ``transform``/``fit_transform`` return DataFrames with the
        ``get_feature_names_out()`` columns (and X's index); ``"default"`` arrays. Returns self."""
        if transform not in (None, "default", "pandas"):
            raise ValueError(f"set_output: transform must be 'default' or 'pandas', got {transform!r}")
        if transform is not None:
            self._pyml_output = transform
        return self

    def get_feature_names_out(self, input_features=None):
        """Output column names: the input names (a one-to-one transformer; others override it)."""
        return feature_names_out(self, input_features)

    def __sklearn_tags__(self):
        from sklearn.utils import TransformerTags

        tags = super().__sklearn_tags__()
        tags.transformer_tags = TransformerTags()
        return self._finish_tags(tags)


class ClusterMixin:
    """Mixin for clustering: ``fit_predict``."""

    _estimator_type = "clusterer"

    def fit_predict(self, X, y=None, **fit_params):
        """Fit and return the cluster label of each sample."""
        self.fit(X, **fit_params)
        return self.labels_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "clusterer"
        return self._finish_tags(tags)


def clone(estimator):
    """An unfitted copy with the same parameters (deep-copied, nested estimators cloned)."""
    if isinstance(estimator, (list, tuple, set, frozenset)):
        return type(estimator)(clone(e) for e in estimator)
    if not hasattr(estimator, "get_params") or isinstance(estimator, type):
        return copy.deepcopy(estimator)
    params = estimator.get_params(deep=False)
    new_params = {k: clone(v) if hasattr(v, "get_params") else copy.deepcopy(v) for k, v in params.items()}
    return type(estimator)(**new_params)


def is_classifier(estimator):
    """Whether ``estimator`` is a classifier."""
    return getattr(estimator, "_estimator_type", None) == "classifier"


def is_regressor(estimator):
    """Whether ``estimator`` is a regressor."""
    return getattr(estimator, "_estimator_type", None) == "regressor"
