"""The decision function of a fitted estimator, expressed in its input space.

The metrics and :class:`~sklearn_tilt.preprocessing.MirrorImage` measure distances
in the space of the ``X`` they are given, because that is where adversarial
perturbations live. For a linear classifier this space is the classifier's own;
for a :class:`~sklearn.pipeline.Pipeline` whose steps before the classifier are
affine (``StandardScaler``, ``PCA``, an affine ``FunctionTransformer``...), the
decision function is still exactly affine in the pipeline's input, with weights
obtained by composing the steps. This module finds those weights:

- :func:`resolve_decision` returns a :class:`LinearDecision` ``(coef, intercept)``
  with ``decision_function(X) == X @ coef.T + intercept`` (shape ``(1, d)`` for a
  binary classifier, ``(K, d)`` for a multiclass one-vs-rest/multinomial one), or,
  for a non-linear model exposing the first-order protocol
  ``margin_and_input_gradient(X, y=None)``, a :class:`FirstOrderDecision` whose
  gradients are carried back to the input space through the affine steps;
- every affine step is *verified* on the ``X`` given: a step that is not affine
  there (``Normalizer``, ``PolynomialFeatures``, a clipping ``MinMaxScaler``...)
  raises a ``ValueError`` naming it, and a final estimator whose
  ``decision_function`` is not ``X @ coef_.T + intercept_`` raises as well.

Known steps (``StandardScaler``, ``MaxAbsScaler``, ``MinMaxScaler``, ``PCA``,
``TruncatedSVD``, ``"passthrough"``, an identity ``FunctionTransformer``) use their
closed form; any other transformer is probed with the zero vector and the basis
vectors, ``T(x) = A x + c``, and then verified like the others.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import PCA, TruncatedSVD
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MaxAbsScaler,
    MinMaxScaler,
    StandardScaler,
)
from sklearn.utils.validation import check_is_fitted

__all__ = [
    "FirstOrderDecision",
    "LinearDecision",
    "resolve_decision",
    "unwrap_estimator",
]

#: name of the first-order protocol method of non-linear models
FIRST_ORDER_METHOD = "margin_and_input_gradient"

_PROBE_CHUNK = 512


# --------------------------------------------------------------------------- #
# result objects
# --------------------------------------------------------------------------- #
class LinearDecision:
    """An exactly affine decision function ``X @ coef.T + intercept`` in input space.

    Attributes
    ----------
    coef : ndarray of shape (n_boundaries, n_features)
        One row for a binary classifier (positive side: ``classes[1]``), one row
        per class otherwise (row ``k`` scores class ``classes[k]``).
    intercept : ndarray of shape (n_boundaries,)
    classes : ndarray of shape (n_classes,)
    estimator : estimator
        The final (unwrapped) classifier the weights come from.
    """

    is_linear = True

    def __init__(self, coef, intercept, classes, estimator):
        self.coef = coef
        self.intercept = intercept
        self.classes = classes
        self.estimator = estimator

    @property
    def is_binary(self):
        return self.coef.shape[0] == 1

    def decision_function(self, X):
        """Raw scores, shape (n_samples, n_boundaries), float64."""
        S = X @ self.coef.T
        return np.asarray(S, dtype=np.float64) + self.intercept

    def coef_norms(self):
        return np.sqrt(np.einsum("ij,ij->i", self.coef, self.coef))


class FirstOrderDecision:
    """A non-linear classifier seen through its first-order protocol, in input space.

    ``margin_and_input_gradient(X, y=None)`` returns ``(margins, gradients)`` with
    gradients taken with respect to the input ``X`` (through the affine steps
    before the model, if any).
    """

    is_linear = False

    def __init__(self, steps, estimator, classes):
        self.steps = steps
        self.estimator = estimator
        self.classes = classes

    def _transform(self, X):
        for _, transformer, _ in self.steps:
            X = transformer.transform(X)
        return X

    def margin_and_input_gradient(self, X, y=None):
        Xt = self._transform(X)
        margins, grads = getattr(self.estimator, FIRST_ORDER_METHOD)(Xt, y)
        margins = np.asarray(margins, dtype=np.float64).reshape(-1)
        grads = np.asarray(grads, dtype=np.float64).reshape(len(margins), -1)
        for _, _, affine in reversed(self.steps):
            grads = affine.pullback(grads)
        return margins, grads

    def scores(self, X):
        """Per-class scores (``decision_function`` or ``predict_proba``), or None."""
        Xt = self._transform(X)
        for method in ("decision_function", "predict_proba"):
            if hasattr(self.estimator, method):
                S = np.asarray(getattr(self.estimator, method)(Xt), dtype=np.float64)
                if S.ndim == 1:
                    S = np.column_stack([-S, S])
                return S
        return None


class _Affine:
    """``T(x) = A x + c`` with ``A`` either diagonal (vector) or a dense matrix."""

    def __init__(self, offset, diag=None, matrix=None):
        self.offset = np.asarray(offset, dtype=np.float64)
        self.diag = None if diag is None else np.asarray(diag, dtype=np.float64)
        self.matrix = None if matrix is None else np.asarray(matrix, dtype=np.float64)

    @property
    def n_in(self):
        return len(self.diag) if self.matrix is None else self.matrix.shape[1]

    def forward(self, X):
        if self.matrix is not None:
            out = X @ self.matrix.T
        elif sp.issparse(X):
            out = X @ sp.diags(self.diag)
        else:
            out = X * self.diag
        if sp.issparse(out):
            out = out.toarray()
        return np.asarray(out, dtype=np.float64) + self.offset

    def pullback(self, M):
        """``M @ A`` for rows ``M`` living in the output space."""
        if self.matrix is not None:
            return M @ self.matrix
        return M * self.diag

    def row_abs_sum(self):
        """``max_j sum_l |A_jl|`` (bound used for the verification tolerance)."""
        if self.matrix is not None:
            return float(np.max(np.abs(self.matrix).sum(axis=1), initial=0.0))
        return float(np.max(np.abs(self.diag), initial=0.0))


# --------------------------------------------------------------------------- #
# unwrapping
# --------------------------------------------------------------------------- #
def unwrap_estimator(estimator):
    """Strip ``FrozenEstimator`` wrappers and fitted search objects (``best_estimator_``)."""
    while True:
        if isinstance(estimator, FrozenEstimator):
            estimator = estimator.estimator
        elif "best_estimator_" in getattr(estimator, "__dict__", {}):
            estimator = estimator.best_estimator_
        else:
            return estimator


def _describe(estimator):
    return type(estimator).__name__


def _is_passthrough(step):
    return step is None or (isinstance(step, str) and step == "passthrough")


def _all_steps(estimator, prefix=""):
    """Every step of a (nested) pipeline, in order, without the passthrough ones."""
    estimator = unwrap_estimator(estimator)
    if not isinstance(estimator, Pipeline):
        return [(prefix.rstrip("_") or _describe(estimator), estimator)]
    out = []
    for name, step in estimator.steps:
        if not _is_passthrough(step):
            out.extend(_all_steps(step, prefix=f"{prefix}{name}__"))
    return out


def _flatten(estimator):
    """``(steps, final)``: the transformers before the final estimator, recursively."""
    estimator = unwrap_estimator(estimator)
    if not isinstance(estimator, Pipeline):
        return [], estimator
    last = unwrap_estimator(estimator.steps[-1][1])
    if _is_passthrough(last) or (isinstance(last, Pipeline) and _is_passthrough(last.steps[-1][1])):
        raise TypeError(
            "the pipeline ends with 'passthrough': it has no classifier whose "
            "decision function could be measured"
        )
    steps = _all_steps(estimator)
    return steps[:-1], steps[-1][1]


# --------------------------------------------------------------------------- #
# affine forms of the transformers
# --------------------------------------------------------------------------- #
def _closed_form(transformer, n_in):
    t = transformer
    if type(t) is StandardScaler:
        a = np.ones(n_in) if (not t.with_std or t.scale_ is None) else 1.0 / t.scale_
        c = -t.mean_ * a if (t.with_mean and t.mean_ is not None) else np.zeros(n_in)
        return _Affine(c, diag=a)
    if type(t) is MaxAbsScaler:
        return _Affine(np.zeros(n_in), diag=1.0 / t.scale_)
    if type(t) is MinMaxScaler:
        return _Affine(t.min_, diag=t.scale_)
    if type(t) is PCA:
        A = np.asarray(t.components_, dtype=np.float64)
        if t.whiten:
            A = A / np.sqrt(t.explained_variance_)[:, None]
        mean = np.zeros(n_in) if t.mean_ is None else np.asarray(t.mean_, dtype=np.float64)
        return _Affine(-(A @ mean), matrix=A)
    if type(t) is TruncatedSVD:
        A = np.asarray(t.components_, dtype=np.float64)
        return _Affine(np.zeros(A.shape[0]), matrix=A)
    if type(t) is FunctionTransformer and t.func is None:
        return _Affine(np.zeros(n_in), diag=np.ones(n_in))
    return None


def _as_dense(T):
    if sp.issparse(T):
        T = T.toarray()
    return np.asarray(T, dtype=np.float64)


def _like(X, block):
    """Wrap a probe ``block`` like ``X`` (a DataFrame keeps its column names)."""
    columns = getattr(X, "columns", None)
    if columns is not None and hasattr(X, "iloc"):
        return type(X)(block, columns=columns)
    return block


def _probe(name, transformer, Xk):
    """Affine form ``A x + c`` of ``transformer`` from its values at 0 and at ``e_k``."""
    n_in = Xk.shape[1]
    try:
        c = _as_dense(transformer.transform(_like(Xk, np.zeros((1, n_in))))).ravel()
        A = np.empty((c.shape[0], n_in))
        for start in range(0, n_in, _PROBE_CHUNK):
            stop = min(start + _PROBE_CHUNK, n_in)
            E = np.zeros((stop - start, n_in))
            E[np.arange(stop - start), np.arange(start, stop)] = 1.0
            A[:, start:stop] = (_as_dense(transformer.transform(_like(Xk, E))) - c).T
    except Exception as exc:
        raise ValueError(
            f"pipeline step {name!r} ({_describe(transformer)}) could not be probed as "
            f"an affine map ({type(exc).__name__}: {exc}); distances can only be measured "
            "in input space through affine steps"
        ) from exc
    return _Affine(c, matrix=A)


def _max_abs(X):
    if sp.issparse(X):
        return float(abs(X).max()) if X.nnz else 0.0
    return float(np.max(np.abs(X), initial=0.0))


def _rtol(*dtypes):
    return 1e-6 if all(np.dtype(d).itemsize >= 8 for d in dtypes if d is not None) else 1e-3


def _dtype_of(X):
    return getattr(X, "dtype", np.float64) if not hasattr(X, "dtypes") else np.float64


def _check_affine(name, transformer, affine, Xk, Tk):
    """Raise unless ``Tk == transformer.transform(Xk)`` equals ``affine.forward(Xk)``."""
    Xa = Xk.to_numpy() if hasattr(Xk, "to_numpy") else Xk
    fwd = affine.forward(Xa)
    T = _as_dense(Tk)
    if T.shape != fwd.shape:
        raise ValueError(
            f"pipeline step {name!r} ({_describe(transformer)}) is not an affine map: "
            f"its output has shape {T.shape}, its affine form gives {fwd.shape}"
        )
    scale = _max_abs(Xa) * affine.row_abs_sum() + float(np.max(np.abs(affine.offset), initial=0))
    scale = max(scale, float(np.max(np.abs(T), initial=0.0)), np.finfo(np.float64).tiny)
    err = float(np.max(np.abs(T - fwd), initial=0.0))
    if not err <= _rtol(_dtype_of(Xa), _dtype_of(Tk)) * scale:
        raise ValueError(
            f"pipeline step {name!r} ({_describe(transformer)}) is not affine on this X "
            f"(max deviation from its affine form {err:.3g}, relative {err / scale:.3g}); "
            "distances and angles can only be measured exactly in input space through "
            "affine steps (StandardScaler, PCA, an affine FunctionTransformer...). "
            "Measure in the transformed space instead by passing the final estimator and "
            "the transformed X."
        )


# --------------------------------------------------------------------------- #
# the final classifier
# --------------------------------------------------------------------------- #
def _classes_of(final):
    classes = getattr(final, "classes_", None)
    if classes is None:
        raise TypeError(
            f"{_describe(final)} has no classes_: the geometric metrics need a fitted classifier"
        )
    classes = np.asarray(classes)
    if classes.ndim != 1 or len(classes) < 2:
        raise TypeError(
            f"{_describe(final)}.classes_ must list at least two classes of a "
            "single-output classifier"
        )
    return classes


def _linear_weights(final):
    coef = final.coef_
    if sp.issparse(coef):
        coef = coef.toarray()
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    intercept = getattr(final, "intercept_", 0.0)
    if sp.issparse(intercept):  # pragma: no cover
        intercept = intercept.toarray()
    intercept = np.broadcast_to(
        np.asarray(intercept, dtype=np.float64).ravel(), (coef.shape[0],)
    ).copy()
    classes = _classes_of(final)
    expected = 1 if len(classes) == 2 else len(classes)
    if coef.ndim != 2 or coef.shape[0] != expected:
        raise TypeError(
            f"{_describe(final)}.coef_ has shape {np.shape(final.coef_)}, but "
            f"{len(classes)} classes need {expected} row(s): only binary and "
            "one-vs-rest/multinomial linear classifiers (one weight vector per class) "
            "have a decision function these metrics can measure"
        )
    return coef, intercept, classes


def _check_final(final, coef, intercept, Xk):
    if not hasattr(final, "decision_function"):
        return
    Xa = Xk.to_numpy() if hasattr(Xk, "to_numpy") else Xk
    S = np.asarray(final.decision_function(Xk), dtype=np.float64).reshape(Xa.shape[0], -1)
    S_hat = np.asarray(Xa @ coef.T, dtype=np.float64) + intercept
    if S.shape != S_hat.shape:
        raise TypeError(
            f"{_describe(final)}.decision_function returns shape {S.shape}, but its "
            f"coef_ gives {S_hat.shape}: it is not the linear decision function "
            "X @ coef_.T + intercept_"
        )
    row = float(np.max(np.abs(coef).sum(axis=1), initial=0.0))
    scale = _max_abs(Xa) * row + float(np.max(np.abs(intercept), initial=0.0))
    scale = max(scale, float(np.max(np.abs(S), initial=0.0)), np.finfo(np.float64).tiny)
    err = float(np.max(np.abs(S - S_hat), initial=0.0))
    dtypes = (_dtype_of(Xa), getattr(final.coef_, "dtype", None))
    if not err <= _rtol(*dtypes) * scale:
        raise TypeError(
            f"{_describe(final)}.decision_function is not X @ coef_.T + intercept_ "
            f"(max deviation {err:.3g}): it has no linear decision function to measure"
        )


# --------------------------------------------------------------------------- #
# entry point
# --------------------------------------------------------------------------- #
def _check_fitted(estimator):
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        raise
    except TypeError as exc:
        raise TypeError(f"{estimator!r} is not a scikit-learn estimator: {exc}") from exc


def resolve_decision(estimator, X):
    """The input-space decision function of a fitted ``estimator``, checked on ``X``.

    Parameters
    ----------
    estimator : fitted estimator
        A linear classifier with ``coef_`` (and optionally ``intercept_``), a
        :class:`~sklearn.pipeline.Pipeline` of affine steps ending in one, a
        model exposing ``margin_and_input_gradient`` (possibly after affine
        steps), or any of these wrapped in :class:`~sklearn.frozen.FrozenEstimator`
        or a fitted search object.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Validated (finite) input, in the form the estimator expects; the affine
        steps and the final ``decision_function`` are verified on it.

    Returns
    -------
    decision : LinearDecision or FirstOrderDecision

    Raises
    ------
    NotFittedError
        If the estimator is not fitted.
    TypeError
        If the final estimator has neither a linear decision function nor the
        first-order protocol.
    ValueError
        If a step before the final estimator is not affine on ``X``, or ``X`` has
        the wrong number of features.
    """
    _check_fitted(estimator)
    steps, final = _flatten(estimator)
    outer = unwrap_estimator(estimator)
    n_expected = getattr(outer, "n_features_in_", None)
    if n_expected is not None and X.shape[1] != n_expected:
        raise ValueError(
            f"X has {X.shape[1]} features, but {_describe(outer)} is expecting "
            f"{n_expected} features as input."
        )

    has_coef = hasattr(final, "coef_")
    first_order = hasattr(final, FIRST_ORDER_METHOD)
    if not has_coef and not first_order:
        raise TypeError(
            f"{_describe(final)} has no linear decision function (no coef_) and does not "
            f"implement the first-order protocol {FIRST_ORDER_METHOD}(X, y=None): the "
            "signed distance to its decision boundary cannot be measured"
        )

    # forward pass through the steps, building and verifying each affine form
    affines = []
    Xk = X
    for name, transformer in steps:
        if not hasattr(transformer, "transform"):
            raise TypeError(
                f"pipeline step {name!r} ({_describe(transformer)}) has no transform method"
            )
        affine = _closed_form(transformer, Xk.shape[1])
        if affine is None:
            affine = _probe(name, transformer, Xk)
        Tk = transformer.transform(Xk)
        _check_affine(name, transformer, affine, Xk, Tk)
        affines.append((name, transformer, affine))
        Xk = Tk

    if not has_coef:
        return FirstOrderDecision(affines, final, _classes_of(final))

    coef, intercept, classes = _linear_weights(final)
    if coef.shape[1] != Xk.shape[1]:
        raise ValueError(
            f"{_describe(final)} has {coef.shape[1]} weights per class but receives "
            f"{Xk.shape[1]} features"
        )
    _check_final(final, coef, intercept, Xk)
    for _, _, affine in reversed(affines):
        intercept = intercept + coef @ affine.offset
        coef = affine.pullback(coef)
    return LinearDecision(np.ascontiguousarray(coef), intercept, classes, final)
