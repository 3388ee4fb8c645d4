"""Scorer objects for scikit-learn model selection.

A scorer is a callable ``scorer(estimator, X, y, *, sample_weight=None) -> float``,
so instances can be passed as ``scoring=`` (alone or in a dict) to
``cross_validate``, ``validation_curve``, ``GridSearchCV`` and friends.

Direction: scikit-learn *maximises* a scorer (the best candidate of a search has
the largest score). Each scorer therefore returns the value a user selects on by
maximising:

- :class:`AdversarialDistance` returns ``d_adv`` as is (greater is better);
- :class:`TiltingAngle` returns ``-theta`` and :class:`ErrorDistance` returns
  ``-d_err`` (smaller is better, negated like scikit-learn's ``"neg_..."``
  scorers).

The raw values come from the metric functions
(:func:`~sklearn_tilt.metrics.tilting_angle`,
:func:`~sklearn_tilt.metrics.adversarial_distance`,
:func:`~sklearn_tilt.metrics.error_distance`), or as ``-mean_test_<name>`` from
``cv_results_`` for the negated scorers.

The scorers take part in metadata routing as scikit-learn's own scorer objects
do: with ``sklearn.set_config(enable_metadata_routing=True)``, call
``scorer.set_score_request(sample_weight=True)`` and the ``sample_weight`` given
to ``GridSearchCV.fit`` or ``cross_validate(params=...)`` reaches the scorer
(weighted centroids and weighted means on each test fold).
"""

from sklearn.utils.metadata_routing import MetadataRequest, get_routing_for_object

from .._compat import _BaseScorer
from ._geometry_metrics import adversarial_distance, error_distance, tilting_angle

__all__ = ["AdversarialDistance", "ErrorDistance", "TiltingAngle"]


class _GeometryScorer(_BaseScorer):
    """Shared machinery: the metric function, its direction, repr and routing.

    Subclasses set ``_metric`` (a function ``metric(estimator, X, y, *,
    sample_weight=None, **params)``), ``_sign`` (+1 when larger raw values are
    better, -1 when smaller are) and ``_defaults`` (the constructor parameters,
    passed to the metric as keyword arguments).
    """

    _metric = None
    _sign = 1
    _defaults = {}

    def __init__(self, **params):
        # the metrics read the decision function in input space themselves; the
        # response method only tells scikit-learn's multimetric scorer what is called
        super().__init__(
            type(self)._metric,
            type(self)._sign,
            dict(params),
            response_method=("decision_function", "predict_proba", "predict"),
        )

    def get_params(self, deep=True):
        """Parameters of the scorer, as a dict.

        Parameters
        ----------
        deep : bool, default=True
            Ignored (a scorer holds no estimator).

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        return dict(self._kwargs)

    def _score(self, method_caller, estimator, X, y_true, **kwargs):
        """``_sign`` times the metric of ``estimator`` on ``X, y_true``.

        ``method_caller`` (scikit-learn's cache of predictions) is not used: the
        metrics need the decision function in input space, not a prediction.
        ``kwargs`` is the routed metadata (``sample_weight``).
        """
        value = self._score_func(estimator, X, y_true, **self._kwargs, **kwargs)
        return self._sign * float(value)

    def _accept_sample_weight(self):
        return True

    def _get_metadata_request(self):
        """Request of the ``score`` method: ``sample_weight`` (unrequested by default).

        Returns
        -------
        request : MetadataRequest
            What the scorer consumes when metadata routing is enabled.
        """

        if hasattr(self, "_metadata_request"):
            return get_routing_for_object(self._metadata_request)
        requests = MetadataRequest(owner=self)
        requests.score.add_request(param="sample_weight", alias=None)
        return requests

    def __repr__(self):
        args = ", ".join(
            f"{name}={value!r}"
            for name, value in self._kwargs.items()
            if value != self._defaults[name]
        )
        return f"{type(self).__name__}({args})"

    def _routing_repr(self):
        return repr(self)

    def __eq__(self, other):
        return type(self) is type(other) and self.get_params() == other.get_params()

    def __hash__(self):
        return hash((type(self).__name__, tuple(sorted(self.get_params().items()))))


class TiltingAngle(_GeometryScorer):
    """Scorer: minus the tilting angle between the weights and the centroid direction.

    Returns ``-theta``, where ``theta`` is
    :func:`~sklearn_tilt.metrics.tilting_angle` on the fold's test data: the
    scorer is **greater-is-better** like scikit-learn's ``"neg_..."`` scorers, so
    a search that selects on it prefers the least tilted boundary (larger
    adversarial distance, not necessarily better accuracy). Read the angles of a
    search as ``-cv_results_["mean_test_<name>"]``; the raw angle of a fitted
    model is :func:`~sklearn_tilt.metrics.tilting_angle`.

    The centroid direction ``z`` is estimated on the data scored, i.e. on the
    test fold in cross-validation: the noise of a small fold's centroids puts a
    floor under the test-fold angle (the paper's ``theta = 0`` of a strongly
    regularised hinge classifier holds for the training centroids; pass
    ``return_train_score=True`` to see it in ``mean_train_<name>``).

    Metadata routing: ``set_score_request(sample_weight=True)`` makes searches
    pass the test fold's sample weights (weighted centroids, weighted average).

    Parameters
    ----------
    degrees : bool, default=False
        Degrees instead of radians.
    average : {"weighted", "macro"}, default="weighted"
        Multiclass aggregation over the one-vs-rest boundaries (see
        :func:`~sklearn_tilt.metrics.tilting_angle`).

    See Also
    --------
    AdversarialDistance, ErrorDistance
    sklearn_tilt.metrics.tilting_angle : The raw angle.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_validate
    >>> from sklearn_tilt.metrics import AdversarialDistance, TiltingAngle, tilting_angle
    >>> X, y = load_digits(n_class=2, return_X_y=True)
    >>> scoring = {"acc": "accuracy", "neg_tilt": TiltingAngle(degrees=True),
    ...            "dadv": AdversarialDistance()}
    >>> res = cross_validate(LogisticRegression(C=1e-3), X, y, scoring=scoring, cv=3)
    >>> sorted(k for k in res if k.startswith("test_"))
    ['test_acc', 'test_dadv', 'test_neg_tilt']
    >>> bool((res["test_neg_tilt"] < 0).all())  # minus an angle in degrees
    True
    >>> clf = LogisticRegression(C=1e-3).fit(X, y)
    >>> bool(TiltingAngle()(clf, X, y) == -tilting_angle(clf, X, y))
    True
    """

    _metric = staticmethod(tilting_angle)
    _sign = -1
    _defaults = {"degrees": False, "average": "weighted"}

    def __init__(self, degrees=False, *, average="weighted"):
        _check_average(average)
        super().__init__(degrees=bool(degrees), average=average)


class AdversarialDistance(_GeometryScorer):
    """Scorer: the adversarial distance ``mean_i y_i d(x_i)`` (greater is better).

    Returns :func:`~sklearn_tilt.metrics.adversarial_distance` on the fold's test
    data as is, in the units of ``X`` (through affine pipelines, of the
    pipeline's input): a search that selects on it prefers the boundary farthest
    on average from the samples.

    Metadata routing: ``set_score_request(sample_weight=True)`` makes searches
    pass the test fold's sample weights.

    Parameters
    ----------
    average : {"weighted", "macro"}, default="weighted"
        Multiclass aggregation over the one-vs-rest boundaries.

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
    ...              "neg_tilt": TiltingAngle(degrees=True)},
    ...     refit="acc",
    ... ).fit(X, y)
    >>> d = search.cv_results_["mean_test_dadv"]
    >>> bool(np.all(np.diff(d) < 0))  # weaker regularisation, smaller distance
    True
    """

    _metric = staticmethod(adversarial_distance)
    _sign = 1
    _defaults = {"average": "weighted"}

    def __init__(self, *, average="weighted"):
        _check_average(average)
        super().__init__(average=average)


class ErrorDistance(_GeometryScorer):
    """Scorer: minus the error distance of the misclassified samples.

    Returns ``-d_err``, where ``d_err`` is
    :func:`~sklearn_tilt.metrics.error_distance` on the fold's test data (the
    misclassified samples' distances to the boundary, summed and divided by the
    number of samples): greater-is-better like scikit-learn's ``"neg_..."``
    scorers, so a search that selects on it prefers errors close to the boundary.

    Metadata routing: ``set_score_request(sample_weight=True)`` makes searches
    pass the test fold's sample weights.

    Parameters
    ----------
    average : {"weighted", "macro"}, default="weighted"
        Multiclass aggregation over the one-vs-rest boundaries.

    See Also
    --------
    TiltingAngle, AdversarialDistance
    sklearn_tilt.metrics.error_distance : The raw distance.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn_tilt.metrics import ErrorDistance
    >>> X, y = load_digits(n_class=3, return_X_y=True)
    >>> scores = cross_val_score(LogisticRegression(max_iter=5000), X, y,
    ...                          scoring=ErrorDistance(), cv=3)
    >>> bool((scores <= 0).all())
    True
    """

    _metric = staticmethod(error_distance)
    _sign = -1
    _defaults = {"average": "weighted"}

    def __init__(self, *, average="weighted"):
        _check_average(average)
        super().__init__(average=average)


def _check_average(average):
    if average not in ("weighted", "macro"):
        raise ValueError(f"average must be one of ['weighted', 'macro'], got {average!r}")
