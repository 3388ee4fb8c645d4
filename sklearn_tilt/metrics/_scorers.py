"""Scorer objects for scikit-learn model selection.

A scorer is a callable ``scorer(estimator, X, y, sample_weight=None) -> float``,
so instances can be passed as ``scoring=`` (alone or in a dict) to
``cross_validate``, ``validation_curve``, ``GridSearchCV`` and friends.

Direction: scikit-learn ranks candidates by *larger* scores. The adversarial
distance is greater-is-better and is returned as is. The tilting angle and the
error distance are smaller-is-better; by default they are returned as is too (so
that ``cv_results_`` shows readable angles and distances) and should then be
used as extra metrics with ``refit`` pointing to another one (e.g. accuracy).
To *select* on them, pass ``sign=-1``: the value is negated, like
scikit-learn's ``"neg_..."`` scorers, and larger is better again.
"""

from ._geometry_metrics import adversarial_distance, error_distance, tilting_angle

__all__ = ["AdversarialDistance", "ErrorDistance", "TiltingAngle"]

_AVERAGES = ("weighted", "macro")


class _GeometryScorer:
    """Shared machinery: parameters, sign, repr, equality."""

    #: whether larger raw values are better (before ``sign``)
    greater_is_better = True
    _defaults = {"average": "weighted", "sign": 1}

    def _set(self, **params):
        for name, value in params.items():
            setattr(self, name, value)
        if self.sign not in (1, -1):
            raise ValueError(f"sign must be 1 or -1, got {self.sign!r}")
        if self.average not in _AVERAGES:
            raise ValueError(f"average must be one of {list(_AVERAGES)}, got {self.average!r}")

    def get_params(self, deep=True):
        """Parameters of the scorer, as a dict."""
        return {name: getattr(self, name) for name in self._defaults}

    def _value(self, estimator, X, y, sample_weight):  # pragma: no cover
        raise NotImplementedError

    def __call__(self, estimator, X, y, sample_weight=None):
        """Score a fitted ``estimator`` on ``X, y``.

        Parameters
        ----------
        estimator : fitted classifier or pipeline
            See :func:`~sklearn_tilt.metrics.signed_distance`.
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples, in the estimator's input space.
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            ``sign`` times the quantity.
        """
        return self.sign * float(self._value(estimator, X, y, sample_weight))

    def __repr__(self):
        args = ", ".join(
            f"{name}={getattr(self, name)!r}"
            for name, default in self._defaults.items()
            if getattr(self, name) != default
        )
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        return type(self) is type(other) and self.get_params() == other.get_params()

    def __hash__(self):
        return hash((type(self).__name__, tuple(sorted(self.get_params().items()))))


class TiltingAngle(_GeometryScorer):
    """Scorer: the tilting angle between the weights and the nearest-centroid direction.

    Calls :func:`~sklearn_tilt.metrics.tilting_angle` on the fold's test data.
    **Smaller is less tilted** (larger adversarial distance, not necessarily
    better accuracy). The raw angle is returned by default, which suits
    ``cv_results_`` reading with ``refit`` on another metric; ``sign=-1``
    returns ``-theta`` so that model selection prefers small angles.

    The centroid direction ``z`` is estimated on the data scored, i.e. on the
    test fold in cross-validation: the noise of a small fold's centroids puts a
    floor under the test-fold angle (the paper's ``theta = 0`` of a strongly
    regularised hinge classifier holds for the training centroids; pass
    ``return_train_score=True`` to see it in ``mean_train_<name>``).

    Parameters
    ----------
    degrees : bool, default=False
        Degrees instead of radians.
    average : {"weighted", "macro"}, default="weighted"
        Multiclass aggregation over the one-vs-rest boundaries (see
        :func:`~sklearn_tilt.metrics.tilting_angle`).
    sign : {1, -1}, default=1
        Multiplies the value (``-1``: "neg" convention, larger is better).

    See Also
    --------
    AdversarialDistance, ErrorDistance

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_validate
    >>> from sklearn_tilt.metrics import AdversarialDistance, TiltingAngle
    >>> X, y = load_digits(n_class=2, return_X_y=True)
    >>> scoring = {"acc": "accuracy", "tilt": TiltingAngle(degrees=True),
    ...            "dadv": AdversarialDistance()}
    >>> res = cross_validate(LogisticRegression(C=1e-3), X, y, scoring=scoring, cv=3)
    >>> sorted(k for k in res if k.startswith("test_"))
    ['test_acc', 'test_dadv', 'test_tilt']
    >>> TiltingAngle(degrees=True)
    TiltingAngle(degrees=True)
    """

    greater_is_better = False
    _defaults = {"degrees": False, "average": "weighted", "sign": 1}

    def __init__(self, degrees=False, *, average="weighted", sign=1):
        self._set(degrees=degrees, average=average, sign=sign)

    def _value(self, estimator, X, y, sample_weight):
        return tilting_angle(
            estimator, X, y, sample_weight=sample_weight, degrees=self.degrees,
            average=self.average,
        )


class AdversarialDistance(_GeometryScorer):
    """Scorer: the adversarial distance ``mean_i y_i d(x_i)`` (greater is better).

    Calls :func:`~sklearn_tilt.metrics.adversarial_distance` on the fold's test
    data; in the units of ``X`` (through affine pipelines, of the pipeline's
    input).

    Parameters
    ----------
    average : {"weighted", "macro"}, default="weighted"
        Multiclass aggregation over the one-vs-rest boundaries.
    sign : {1, -1}, default=1
        Multiplies the value.

    See Also
    --------
    TiltingAngle, ErrorDistance

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn_tilt.metrics import AdversarialDistance, TiltingAngle
    >>> X, y = load_digits(n_class=2, return_X_y=True)
    >>> search = GridSearchCV(
    ...     LogisticRegression(max_iter=5000), {"C": [1e-4, 1e-2, 1.0]}, cv=3,
    ...     scoring={"acc": "accuracy", "dadv": AdversarialDistance(),
    ...              "tilt": TiltingAngle(degrees=True)},
    ...     refit="acc",
    ... ).fit(X, y)
    >>> d = search.cv_results_["mean_test_dadv"]
    >>> bool(np.all(np.diff(d) < 0))  # weaker regularisation, smaller distance
    True
    """

    greater_is_better = True
    _defaults = {"average": "weighted", "sign": 1}

    def __init__(self, *, average="weighted", sign=1):
        self._set(average=average, sign=sign)

    def _value(self, estimator, X, y, sample_weight):
        return adversarial_distance(
            estimator, X, y, sample_weight=sample_weight, average=self.average
        )


class ErrorDistance(_GeometryScorer):
    """Scorer: the error distance of the misclassified samples (smaller is better).

    Calls :func:`~sklearn_tilt.metrics.error_distance` on the fold's test data.
    Returned as is by default (use ``refit`` on another metric), or negated with
    ``sign=-1`` for model selection on it.

    Parameters
    ----------
    average : {"weighted", "macro"}, default="weighted"
        Multiclass aggregation over the one-vs-rest boundaries.
    sign : {1, -1}, default=1
        Multiplies the value (``-1``: "neg" convention, larger is better).

    See Also
    --------
    TiltingAngle, AdversarialDistance

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn_tilt.metrics import ErrorDistance
    >>> X, y = load_digits(n_class=3, return_X_y=True)
    >>> scores = cross_val_score(LogisticRegression(max_iter=5000), X, y,
    ...                          scoring=ErrorDistance(sign=-1), cv=3)
    >>> bool((scores <= 0).all())
    True
    """

    greater_is_better = False
    _defaults = {"average": "weighted", "sign": 1}

    def __init__(self, *, average="weighted", sign=1):
        self._set(average=average, sign=sign)

    def _value(self, estimator, X, y, sample_weight):
        return error_distance(
            estimator, X, y, sample_weight=sample_weight, average=self.average
        )
