"""ScaledLossLinearClassifierCV: choose lam by cross-validation along warm-started paths."""

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from .._compat import Interval, StrOptions, _fit_context
from .._solvers import solve_path
from ._base import as_solver_input, effective_sample_weight, ovr_targets
from ._path import _check_lams, default_lams
from ._scaled_loss import ScaledLossLinearClassifier


def _paths_per_boundary(X, targets, sw, lams, loss, tol, max_iter, fit_intercept):
    """One warm-started path per one-vs-rest boundary: arrays (n_lams, n_boundaries, ...)."""
    coefs, intercepts = [], []
    for yk in targets:
        if np.unique(yk).shape[0] < 2:
            raise ValueError("a cross-validation training fold holds a single class; "
                             "use fewer folds or a stratified splitter")
        res = solve_path(X, yk, sw, lams, loss, tol=tol, max_iter=max_iter,
                         fit_intercept=fit_intercept)
        coefs.append([r.coef for r in res])
        intercepts.append([r.intercept for r in res])
    # (n_boundaries, n_lams, d) -> (n_lams, n_boundaries, d)
    return (np.transpose(np.asarray(coefs), (1, 0, 2)), np.asarray(intercepts).T)


def _as_fitted(template, lam, coef, intercept, classes, dtype):
    est = template.__class__(**template.get_params()).set_params(lam=float(lam))
    est.classes_ = classes
    est.coef_ = np.asarray(coef).astype(dtype, copy=False)
    est.intercept_ = np.asarray(intercept).astype(dtype, copy=False)
    est.n_features_in_ = est.coef_.shape[1]
    est.scale_ = np.linalg.norm(np.asarray(coef, dtype=np.float64), axis=1)
    return est


def _fold_scores(X, y, sw, train, test, classes, lams, template, scorer):
    Xtr = X[train]
    targets = ovr_targets(y[train], classes)
    coefs, intercepts = _paths_per_boundary(
        as_solver_input(Xtr), targets, sw[train], lams, template.loss, float(template.tol),
        int(template.max_iter), template.fit_intercept)
    scores = np.empty(len(lams))
    for k, lam in enumerate(lams):
        est = _as_fitted(template, lam, coefs[k], intercepts[k], classes, X.dtype)
        scores[k] = scorer(est, X[test], y[test])
    return scores, coefs, intercepts


class ScaledLossLinearClassifierCV(ScaledLossLinearClassifier):
    """Scaled-loss linear classifier with ``lam`` chosen by cross-validation.

    For each fold, the regularisation path over ``lams`` is computed with warm
    starts (from strong to weak regularisation) by the exact solvers of
    :class:`ScaledLossLinearClassifier`, and every solution of the path is scored
    on the held-out part. The ``lam`` with the best mean score is selected (the
    first one in the order of ``lams`` among ties, like
    :class:`~sklearn.model_selection.GridSearchCV`) and the model is refitted on
    all the data.

    Multiclass targets are handled one-vs-rest, with one ``lam`` shared by all
    the boundaries.

    Parameters
    ----------
    lams : int or array-like of shape (n_lams,), default=81
        Values of ``lam`` to try; an int ``n`` means ``n`` values log-spaced over the
        paper's range ``[1e-1, 1e7]`` (81 gives the paper's grid ``10**a``,
        ``a = -1.0, -0.9, ..., 7.0``, suited to pixels in [0, 255]).
    loss : {"hinge", "softplus"}, default="hinge"
        The loss ``f``.
    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn (None: 5-fold stratified).
    scoring : str, callable or None, default=None
        Selection criterion (greater is better): any scikit-learn scorer name, or a
        callable ``scorer(estimator, X, y)``, for instance
        :class:`~sklearn_tilt.metrics.AdversarialDistance` or a trade-off such as
        ``lambda est, X, y: est.score(X, y) + 0.01 * adversarial_distance(est, X, y)``.
        None means accuracy.
    refit : bool, default=True
        Refit on all the data at the selected ``lam``; if False, the coefficients
        are the mean of the per-fold coefficients at that ``lam``.
    n_jobs : int, default=None
        Folds computed in parallel (joblib semantics).
    fit_intercept : bool, default=True
        Whether to fit the unpenalised intercept.
    tol : float, default=1e-7
        Target relative duality gap of each solution.
    max_iter : int, default=1000
        Maximum solver iterations per ``lam``.
    class_weight : dict, "balanced" or None, default=None
        Class weights, as in :class:`ScaledLossLinearClassifier`.
    verbose : int, default=0
        Verbosity.

    Attributes
    ----------
    lam_ : float
        The selected ``lam``.
    lams_ : ndarray of shape (n_lams,)
        The values tried.
    scores_ : ndarray of shape (n_folds, n_lams)
        Held-out score of every fold and ``lam``.
    cv_results_ : dict of ndarrays
        ``param_lam``, ``mean_test_score``, ``std_test_score``, ``rank_test_score``
        and ``split{k}_test_score``, laid out like ``GridSearchCV.cv_results_``.
    best_index_ : int
        Index of ``lam_`` in ``lams_``.
    best_score_ : float
        Mean held-out score at ``lam_``.
    classes_, coef_, intercept_, scale_, n_iter_, n_features_in_
        As in :class:`ScaledLossLinearClassifier`, for the final model.

    See Also
    --------
    ScaledLossLinearClassifier : The estimator at a fixed ``lam``.
    scaled_loss_path : The path of one binary problem.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_tilt import ScaledLossLinearClassifierCV
    >>> X, y = load_digits(n_class=2, return_X_y=True)
    >>> clf = ScaledLossLinearClassifierCV(lams=9, cv=3).fit(X, y)
    >>> clf.scores_.shape
    (3, 9)
    >>> bool(clf.lam_ in clf.lams_)
    True
    """

    _parameter_constraints = {
        "lams": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "loss": [StrOptions({"hinge", "softplus"})],
        "cv": ["cv_object"],
        "scoring": [str, callable, None],
        "refit": ["boolean"],
        "n_jobs": [Integral, None],
        "fit_intercept": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "verbose": ["verbose"],
    }

    def __init__(self, lams=81, loss="hinge", *, cv=None, scoring=None, refit=True, n_jobs=None,
                 fit_intercept=True, tol=1e-7, max_iter=1000, class_weight=None, verbose=0):
        self.lams = lams
        self.loss = loss
        self.cv = cv
        self.scoring = scoring
        self.refit = refit
        self.n_jobs = n_jobs
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.verbose = verbose

    def _template(self, lam=1.0):
        return ScaledLossLinearClassifier(
            loss=self.loss, lam=lam, fit_intercept=self.fit_intercept, tol=self.tol,
            max_iter=self.max_iter, class_weight=self.class_weight)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Select ``lam`` by cross-validation and fit the final model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target labels (at least two classes).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the training risk (the held-out scores are
            unweighted, as in ``GridSearchCV``).

        Returns
        -------
        self : ScaledLossLinearClassifierCV
            The fitted estimator.
        """
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32],
                             order="C", accept_large_sparse=False)
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.shape[0] < 2:
            raise ValueError(
                "ScaledLossLinearClassifierCV needs samples of at least 2 classes in the data, "
                f"but the data contains only one class: {classes[0]!r}"
            )
        lams = (default_lams(self.lams) if isinstance(self.lams, Integral)
                else _check_lams(self.lams, None))
        sw = effective_sample_weight(sample_weight, y, self.class_weight, X)
        folds = list(check_cv(self.cv, y, classifier=True).split(X, y))
        template = self._template()
        scorer = check_scoring(template, scoring=self.scoring)

        out = Parallel(n_jobs=self.n_jobs, verbose=self.verbose)(
            delayed(_fold_scores)(X, y, sw, train, test, classes, lams, template, scorer)
            for train, test in folds
        )
        scores = np.array([o[0] for o in out])
        mean = scores.mean(axis=0)
        best = int(np.flatnonzero(mean == np.nanmax(mean))[0]) if np.any(np.isfinite(mean)) \
            else 0

        self.lams_ = lams
        self.scores_ = scores
        self.best_index_ = best
        self.best_score_ = float(mean[best])
        self.lam_ = float(lams[best])
        order = np.argsort(-mean, kind="stable")
        rank = np.empty(len(lams), dtype=np.int32)
        rank[order] = np.arange(1, len(lams) + 1)
        self.cv_results_ = {
            "param_lam": lams.copy(),
            "params": [{"lam": float(v)} for v in lams],
            "mean_test_score": mean,
            "std_test_score": scores.std(axis=0),
            "rank_test_score": rank,
            **{f"split{k}_test_score": scores[k] for k in range(len(folds))},
        }

        self.classes_ = classes
        if self.refit:
            final = self._template(self.lam_).fit(X, y, sample_weight=sample_weight)
            self.coef_, self.intercept_ = final.coef_, final.intercept_
            self.dual_gap_, self.objective_ = final.dual_gap_, final.objective_
            self.n_iter_ = final.n_iter_
        else:
            self.coef_ = np.mean([o[1][best] for o in out], axis=0).astype(X.dtype)
            self.intercept_ = np.mean([o[2][best] for o in out], axis=0).astype(X.dtype)
            self.n_iter_ = 0
        self.scale_ = np.linalg.norm(np.asarray(self.coef_, dtype=np.float64), axis=1)
        return self
