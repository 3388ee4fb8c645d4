"""ScaledLossLinearClassifier: the exact minimiser of the paper's objective."""

import warnings
from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from .._compat import Interval, LinearClassifierMixin, SparseCoefMixin, StrOptions, _fit_context
from .._solvers import solve_binary, solver_input
from ._base import (
    as_solver_input,
    certify_stored,
    check_problem_scale,
    effective_sample_weight,
    ovr_targets,
)
from ._path import LOSS_CONSTRAINT, MAX_ITER_CONSTRAINT, TOL_CONSTRAINT


def _is_softplus(estimator):
    return estimator.loss == "softplus"


class ScaledLossLinearClassifier(SparseCoefMixin, LinearClassifierMixin, BaseEstimator):
    r"""Linear classifier minimising the paper's L2-regularised risk exactly.

    For binary targets (class ``classes_[0]`` coded -1, ``classes_[1]`` coded +1)
    the fitted ``(w, b)`` minimises

    .. math::

        L(w, b) = \frac{1}{\sum_i s_i} \sum_i s_i \, f\big(y_i (w \cdot x_i + b)\big)
                  + \lambda \lVert w \rVert^2

    with the hinge loss ``f(z) = max(1 - z, 0)`` or the softplus loss
    ``f(z) = log(1 + exp(-z))`` and the intercept ``b`` **not** penalised
    (unlike liblinear). ``s_i`` are the sample weights (all ones by default, so
    the risk is the plain mean). The objective equals scikit-learn's
    ``C``-parametrised one with ``C = 1 / (2 n lam)``.

    Multiclass targets are handled one-vs-rest: one binary problem per class.

    The solvers are numba kernels with a certified stopping rule: fitting stops
    when the relative duality gap of every binary problem is below ``tol``, so
    the objective is within ``tol`` (relative) of its minimum. The hinge problem is
    solved in the dual with the equality constraint that the unpenalised
    intercept imposes kept exactly; the softplus problem by a Newton-type method.

    Parameters
    ----------
    loss : {"hinge", "softplus"}, default="hinge"
        The loss ``f``.
    lam : float, default=1.0
        Strength ``lam > 0`` of the L2 penalty ``lam ||w||^2``. Small ``lam`` gives a
        large ``||w||`` (the loss is a count of errors weighted by their distance
        ``d_err``); large ``lam`` a small ``||w||`` (the loss rewards the mean
        distance ``d_adv``, and the boundary tilts towards the nearest-centroid
        direction).
    fit_intercept : bool, default=True
        Whether to fit the (unpenalised) intercept ``b``; if False, ``b = 0``.
    tol : float, default=1e-7
        Target relative duality gap ``> 0`` of each binary problem.
    max_iter : int, default=1000
        Maximum number of solver iterations per binary problem. A
        :class:`~sklearn.exceptions.ConvergenceWarning` is raised when it stops
        the solver before ``tol`` is reached.
    warm_start : bool, default=False
        Start from the previous solution when ``fit`` is called again, e.g. after
        ``set_params(lam=...)``; data with other classes or another number of
        features are fitted from scratch.
    class_weight : dict, "balanced" or None, default=None
        Weights multiplying ``sample_weight`` per class, as in scikit-learn.
    verbose : int, default=0
        Print the iterations and the duality gap of each binary problem.
    random_state : int, RandomState instance or None, default=None
        Accepted for API compatibility with scikit-learn's linear models; the
        current solvers are deterministic and do not draw random numbers.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coef_ : {ndarray, sparse matrix} of shape (1, n_features) or (n_classes, n_features)
        Weight vectors ``w`` (dtype of the training data); a scipy.sparse CSR matrix
        after :meth:`sparsify`, dense again after :meth:`densify` or a new ``fit``.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts ``b``.
    scale_ : ndarray of shape (1,) or (n_classes,)
        ``||w||``, the scale of the loss: the loss seen as a function of the
        signed distance ``d`` is ``f(||w|| d)``.
    dual_gap_ : ndarray of shape (1,) or (n_classes,)
        Certified relative duality gap of each binary problem at the returned solution.
    objective_ : ndarray of shape (1,) or (n_classes,)
        Value of ``L(w, b)`` of each binary problem.
    n_iter_ : int
        Largest number of solver iterations over the binary problems.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    ScaledLossLinearClassifierCV : Selects ``lam`` by cross-validation along paths.
    scaled_loss_path : The warm-started regularisation path of a binary problem.
    sklearn.svm.SVC : ``kernel="linear"`` solves the hinge problem with ``C = 1/(2 n lam)``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_tilt import ScaledLossLinearClassifier
    >>> X, y = load_digits(n_class=2, return_X_y=True)
    >>> clf = ScaledLossLinearClassifier(loss="hinge", lam=0.1).fit(X, y)
    >>> clf.coef_.shape
    (1, 64)
    >>> bool(clf.dual_gap_[0] <= clf.tol)
    True
    >>> clf.score(X, y)
    1.0
    """

    _parameter_constraints = {
        "loss": LOSS_CONSTRAINT,
        "lam": [Interval(Real, 0, None, closed="neither")],
        "fit_intercept": ["boolean"],
        "tol": TOL_CONSTRAINT,
        "max_iter": MAX_ITER_CONSTRAINT,
        "warm_start": ["boolean"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        loss="hinge",
        lam=1.0,
        *,
        fit_intercept=True,
        tol=1e-7,
        max_iter=1000,
        warm_start=False,
        class_weight=None,
        verbose=0,
        random_state=None,
    ):
        self.loss = loss
        self.lam = lam
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.class_weight = class_weight
        self.verbose = verbose
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 and float64 are kept, other dtypes become float64.
        y : array-like of shape (n_samples,)
            Target labels (any hashable type, at least two classes).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the risk becomes the weighted mean of the losses.

        Returns
        -------
        self : ScaledLossLinearClassifier
            The fitted estimator.
        """
        previous = self._warm_start_state()
        X, y, classes = self._validate_fit_data(X, y)
        sw = effective_sample_weight(sample_weight, y, self.class_weight, X)
        check_problem_scale(X, float(self.lam))
        if previous is not None and (
            not np.array_equal(previous[0], classes) or previous[1].shape[1] != X.shape[1]
        ):
            # other classes or features: refit from scratch, as scikit-learn does
            previous = None
        return self._fit_validated(X, y, classes, sw, float(self.lam), previous)

    def _validate_fit_data(self, X, y):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            order="C",
            accept_large_sparse=False,
        )
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.shape[0] < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                f"but the data contains only one class: {classes[0]!r}"
            )
        return X, y, classes

    def _fit_validated(self, X, y, classes, sw, lam, previous=None):
        """Solve every one-vs-rest problem at ``lam`` on validated data; set the attributes."""
        Xs = as_solver_input(X)
        targets = ovr_targets(y, classes)
        if len(targets) > 1:
            Xs = solver_input(Xs, self.loss)  # converted once for all the boundaries
        coefs, intercepts, gaps, objectives, duals, n_iters = [], [], [], [], [], []
        for k, yk in enumerate(targets):
            init = {}
            if previous is not None:
                _, coef0, intercept0, dual0 = previous
                init = dict(
                    coef_init=coef0[k],
                    intercept_init=float(intercept0[k]),
                    dual_init=None if dual0 is None else dual0[k],
                )
                if init["dual_init"] is not None and len(init["dual_init"]) != X.shape[0]:
                    init["dual_init"] = None
            res = solve_binary(
                Xs,
                yk,
                sw,
                lam,
                self.loss,
                tol=float(self.tol),
                max_iter=int(self.max_iter),
                fit_intercept=self.fit_intercept,
                check_input=False,
                **init,
            )
            if self.verbose:
                print(
                    f"[{type(self).__name__}] boundary {k}: {res.n_iter} iterations, "
                    f"relative duality gap {res.gap:.3g}, objective {res.primal:.10g}"
                )
            if not res.converged:
                why = res.message or (
                    f"stopped at max_iter={self.max_iter} with a relative "
                    f"duality gap of {res.gap:.3g}; increase max_iter"
                )
                warnings.warn(
                    f"The {self.loss} solver did not reach tol={self.tol:g}: {why}.",
                    ConvergenceWarning,
                    stacklevel=2,
                )
            coef = np.asarray(res.coef, dtype=np.float64).astype(X.dtype, copy=False)
            intercept = np.asarray(
                res.intercept if self.fit_intercept else 0.0, dtype=np.float64
            ).astype(X.dtype)
            gap, objective = certify_stored(Xs, yk, sw, lam, self.loss, res, coef, intercept)
            if res.converged and gap > self.tol:
                warnings.warn(
                    f"The {self.loss} solver reached tol={self.tol:g} in float64, but coef_ "
                    f"and intercept_ stored in {X.dtype} (the dtype of X) are certified only "
                    f"to a relative duality gap of {gap:.3g}; fit float64 data for a tighter "
                    "certificate.",
                    ConvergenceWarning,
                    stacklevel=2,
                )
            coefs.append(coef)
            intercepts.append(intercept)
            gaps.append(gap)
            objectives.append(objective)
            duals.append(res.dual)
            n_iters.append(res.n_iter)

        self.classes_ = classes
        self.coef_ = np.asarray(coefs, dtype=np.float64).astype(X.dtype, copy=False)
        self.intercept_ = np.asarray(intercepts, dtype=np.float64).astype(X.dtype, copy=False)
        self.scale_ = np.linalg.norm(np.asarray(coefs, dtype=np.float64), axis=1)
        self.dual_gap_ = np.asarray(gaps, dtype=np.float64)
        self.objective_ = np.asarray(objectives, dtype=np.float64)
        self.n_iter_ = int(max(n_iters))
        self._dual = None if any(d is None for d in duals) else [np.asarray(d) for d in duals]
        return self

    def _warm_start_state(self):
        if not self.warm_start or not hasattr(self, "coef_"):
            return None
        coef = self.coef_.toarray() if sp.issparse(self.coef_) else self.coef_
        return (
            self.classes_,
            np.asarray(coef, dtype=np.float64),
            np.asarray(self.intercept_, dtype=np.float64),
            getattr(self, "_dual", None),
        )

    @available_if(_is_softplus)
    def predict_proba(self, X):
        """Class probabilities (softplus loss only).

        The softplus loss is the logistic negative log-likelihood, so
        ``P(classes_[1] | x) = sigmoid(w.x + b)``. Multiclass: the one-vs-rest
        sigmoids normalised to sum to one.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``.
        """
        return self._predict_proba_lr(X)

    @available_if(_is_softplus)
    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba` (softplus loss only).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities in the order of ``classes_``.
        """
        return np.log(self.predict_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
