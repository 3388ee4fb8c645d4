"""ScaledLossLinearClassifierCV: choose lam by cross-validation along warm-started paths."""

import warnings
from inspect import signature
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from sklearn.metrics import get_scorer
from sklearn.model_selection import check_cv
from sklearn.utils import metadata_routing
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping, process_routing

from .._compat import (
    Interval,
    _check_method_params,
    _fit_context,
    _raise_for_params,
    _routing_enabled,
)
from .._geometry import class_centroids
from .._solvers import solve_path, solver_input
from ._base import as_solver_input, check_problem_scale, effective_sample_weight, ovr_targets
from ._path import _check_lams
from ._scaled_loss import ScaledLossLinearClassifier

#: decades spanned by the default grid below the closed-form threshold ``lam_max``
GRID_DECADES_BELOW = 6
#: decades of the default grid above ``lam_max`` (inside the closed-form regime)
GRID_DECADES_ABOVE = 1


def closed_form_threshold(X, targets, sample_weight):
    """``lam_max``: above it every sample sits inside the hinge margin (balanced weights).

    For one boundary with ``+-1`` targets, weighted centroids ``i`` (class -1) and
    ``j`` (class +1) and ``u_i = (j - i).x_i``, the hinge problem with equal total
    weight on both classes has, for ``lam >= (max_{y=+1} u - min_{y=-1} u) / 8``,
    the closed-form solution ``w = (j - i) / (4 lam)`` with every sample inside the
    margin (all dual variables at their bound, ``theta = 0``). Below it samples
    leave the margin one by one. The value is the largest over the one-vs-rest
    boundaries; with unbalanced weights it is the scale at which the large-``lam``
    regime starts. Samples of zero weight are ignored.
    """
    keep = sample_weight > 0
    Xk = X[np.flatnonzero(keep)]
    sw = sample_weight[keep]
    best = 0.0
    for yk in targets:
        yk = yk[keep]
        if not (np.any(yk > 0) and np.any(yk < 0)):
            continue
        i, j = class_centroids(Xk, yk, sw)
        u = np.asarray(Xk @ (j - i)).ravel()
        best = max(best, float(u[yk > 0].max() - u[yk < 0].min()) / 8.0)
    return best


def default_cv_lams(X, targets, sample_weight, n_lams):
    """The default grid: ``n_lams`` values log-spaced, decreasing, over
    ``[lam_max 10**-GRID_DECADES_BELOW, lam_max 10**GRID_DECADES_ABOVE]``."""
    lam_max = closed_form_threshold(X, targets, sample_weight)
    if not (np.isfinite(lam_max) and lam_max > 0):
        raise ValueError(
            "the default lam grid needs the two sides of every boundary to "
            "differ (the class centroids coincide); pass lams explicitly"
        )
    return np.logspace(
        np.log10(lam_max) + GRID_DECADES_ABOVE, np.log10(lam_max) - GRID_DECADES_BELOW, n_lams
    )


def _paths_per_boundary(X, targets, sw, lams, loss, tol, max_iter, fit_intercept):
    """One warm-started path per one-vs-rest boundary: (coefs, intercepts, n_iters) with
    shapes (n_boundaries, n_lams, d), (n_boundaries, n_lams), (n_boundaries, n_lams)."""
    coefs, intercepts, n_iters = [], [], []
    if len(targets) > 1:
        X = solver_input(X, loss, lams=lams)  # converted once for all the boundaries
    for yk in targets:
        if not (np.any(sw[yk > 0] > 0) and np.any(sw[yk < 0] > 0)):
            raise ValueError(
                "a cross-validation training fold holds a single class; "
                "use fewer folds or a stratified splitter"
            )
        res = solve_path(
            X,
            yk,
            sw,
            lams,
            loss,
            tol=tol,
            max_iter=max_iter,
            fit_intercept=fit_intercept,
            check_input=False,
        )
        coefs.append([r.coef for r in res])
        intercepts.append([r.intercept if fit_intercept else 0.0 for r in res])
        n_iters.append([r.n_iter for r in res])
    return np.asarray(coefs), np.asarray(intercepts), np.asarray(n_iters)


def _as_fitted(template, lam, coef, intercept, classes, dtype, n_features):
    est = template.__class__(**template.get_params()).set_params(lam=float(lam))
    est.classes_ = classes
    est.coef_ = np.asarray(coef).astype(dtype, copy=False)
    est.intercept_ = np.asarray(intercept).astype(dtype, copy=False)
    est.n_features_in_ = n_features
    est.scale_ = np.linalg.norm(np.asarray(coef, dtype=np.float64), axis=1)
    return est


def _std(scores):
    """Standard deviation over the folds; nan where a score is infinite (a scorer's veto)."""
    with np.errstate(invalid="ignore"):
        return scores.std(axis=0)


def _index(X, rows):
    return X.iloc[rows] if hasattr(X, "iloc") else X[rows]


def _fold(X_model, Xs, y, sw, train, test, classes, lams, template, scorer, score_params):
    targets = ovr_targets(y[train], classes)
    coefs, intercepts, n_iters = _paths_per_boundary(
        as_solver_input(Xs[train]),
        targets,
        sw[train],
        lams,
        template.loss,
        float(template.tol),
        int(template.max_iter),
        template.fit_intercept,
    )
    test_params = _check_method_params(Xs, score_params, test)
    scores = np.empty(len(lams))
    for k, lam in enumerate(lams):
        est = _as_fitted(
            template, lam, coefs[:, k], intercepts[:, k], classes, Xs.dtype, Xs.shape[1]
        )
        scores[k] = scorer(est, _index(X_model, test), y[test], **test_params)
    return scores, coefs, intercepts, n_iters


def _accepts_sample_weight(scorer):
    if hasattr(scorer, "_accept_sample_weight"):
        return scorer._accept_sample_weight()
    try:
        return "sample_weight" in signature(scorer).parameters
    except (TypeError, ValueError):
        return False


class ScaledLossLinearClassifierCV(ScaledLossLinearClassifier):
    """Scaled-loss linear classifier with ``lam`` chosen by cross-validation.

    For each fold, the regularisation path over ``lams`` is computed with warm
    starts (from strong to weak regularisation) by the exact solvers of
    :class:`ScaledLossLinearClassifier`, and every solution of the path is scored
    on the held-out part. The ``lam`` with the best mean score is selected (the
    first one in the order of ``lams`` among ties, like
    :class:`~sklearn.model_selection.GridSearchCV`) and the model is refitted on
    all the data. A :class:`UserWarning` says when the selected ``lam`` is the
    smallest or the largest value tried: the best value may lie outside the grid.

    Multiclass targets are handled one-vs-rest, with one ``lam`` shared by all
    the boundaries.

    Parameters
    ----------
    lams : int or array-like of shape (n_lams,), default=31
        Values of ``lam`` to try. An int ``n`` means ``n`` values log-spaced,
        from large to small, over a grid scaled to the data:
        ``[lam_max * 1e-6, lam_max * 10]``, where ``lam_max`` is the value above
        which every training sample sits inside the hinge margin. For a boundary
        with class centroids ``i``, ``j`` (weighted) and ``u = (j - i).x``, the
        hinge problem with balanced class weights has, for
        ``lam >= lam_max = (max_{y=+1} u - min_{y=-1} u) / 8``, the closed-form
        solution ``w = (j - i) / (4 lam)`` (all dual variables at their bound,
        ``theta = 0``); the largest value over the one-vs-rest boundaries is used.
        The grid therefore starts one decade inside the closed-form regime (where
        the hinge classifier no longer changes) and goes down six decades towards
        the weakly regularised end. The paper's grid (pixels in [0, 255]) is
        :data:`~sklearn_tilt.linear_model.PAPER_LAMS`, which can be passed as is.
    loss : {"hinge", "softplus"}, default="hinge"
        The loss ``f``.
    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn (None: 5-fold stratified). Group splitters receive
        ``groups`` passed to :meth:`fit`.
    scoring : str, callable or None, default=None
        Selection criterion (greater is better), used by :meth:`score` too: any
        scikit-learn scorer name, or a callable ``scorer(estimator, X, y)``, for
        instance :class:`~sklearn_tilt.metrics.AdversarialDistance` or a
        trade-off such as accuracy subject to a floor on the adversarial
        distance. None means accuracy. As :meth:`score` applies ``scoring``, a
        callable must not call ``estimator.score`` (take the accuracy from
        ``predict``).
    refit : bool, default=True
        Refit on all the data at the selected ``lam``; if False, the coefficients
        are the mean of the per-fold coefficients at that ``lam``.
    n_jobs : int, default=None
        Folds computed in parallel (joblib semantics).
    fit_intercept : bool, default=True
        Whether to fit the unpenalised intercept.
    tol : float, default=1e-7
        Target relative duality gap ``> 0`` of each solution.
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
    coefs_paths_ : dict of ndarrays of shape (n_folds, n_lams, n_features)
        The fold paths: for each class label whose one-vs-rest boundary is fitted
        (``classes_[1]`` alone for a binary target, every class otherwise), ``w``
        fitted on the training part of every fold at every ``lam``, as
        ``LogisticRegressionCV.coefs_paths_`` with one-vs-rest.
    intercepts_paths_ : dict of ndarrays of shape (n_folds, n_lams)
        The matching intercepts.
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

    Notes
    -----
    Metadata routing (``sklearn.set_config(enable_metadata_routing=True)``):
    ``groups`` and other splitter metadata passed to :meth:`fit` reach ``cv``,
    and the scorer receives what it requests (e.g.
    ``AdversarialDistance().set_score_request(sample_weight=True)``); the
    ``sample_weight`` of :meth:`fit` always weights the training risk. Without
    routing, ``groups`` still reaches the splitter and ``sample_weight`` reaches
    scorers that accept it, as in ``LogisticRegressionCV``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_tilt import ScaledLossLinearClassifierCV
    >>> X, y = load_digits(n_class=2, return_X_y=True)
    >>> clf = ScaledLossLinearClassifierCV(lams=9, cv=3).fit(X, y)
    >>> clf.scores_.shape
    (3, 9)
    >>> clf.coefs_paths_[1].shape
    (3, 9, 64)
    >>> bool(clf.lam_ in clf.lams_)
    True
    """

    # score passes sample_weight on to the scorer; it does not consume it itself
    __metadata_request__score = {"sample_weight": metadata_routing.UNUSED}

    _parameter_constraints = {
        **{
            name: constraint
            for name, constraint in ScaledLossLinearClassifier._parameter_constraints.items()
            if name not in ("lam", "warm_start", "random_state")
        },
        "lams": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "cv": ["cv_object"],
        "scoring": [str, callable, None],
        "refit": ["boolean"],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        lams=31,
        loss="hinge",
        *,
        cv=None,
        scoring=None,
        refit=True,
        n_jobs=None,
        fit_intercept=True,
        tol=1e-7,
        max_iter=1000,
        class_weight=None,
        verbose=0,
    ):
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
            loss=self.loss,
            lam=lam,
            fit_intercept=self.fit_intercept,
            tol=self.tol,
            max_iter=self.max_iter,
            class_weight=self.class_weight,
        )

    def _get_scorer(self):
        return get_scorer(self.scoring if self.scoring is not None else "accuracy")

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **params):
        """Select ``lam`` by cross-validation and fit the final model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target labels (at least two classes).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the training risk (of every fold and of the
            final fit); see Notes for the held-out scores.
        **params : dict
            Metadata for the splitter (``groups``) and, with metadata routing
            enabled, for the scorer.

        Returns
        -------
        self : ScaledLossLinearClassifierCV
            The fitted estimator.
        """
        X_model = X
        X, y, classes = self._validate_fit_data(X, y)
        if not hasattr(X_model, "iloc"):
            X_model = X
        sw = effective_sample_weight(sample_weight, y, self.class_weight, X)
        targets = ovr_targets(y, classes)
        if isinstance(self.lams, Integral):
            lams = default_cv_lams(X, targets, sw, int(self.lams))
        else:
            lams = _check_lams(self.lams, None)
        check_problem_scale(X, float(lams.min()))
        scorer = self._get_scorer()

        if _routing_enabled():
            routed = process_routing(self, "fit", sample_weight=sample_weight, **params)
            split_params = dict(routed.splitter.split)
            score_params = dict(routed.scorer.score)
        else:
            groups = params.pop("groups", None)
            _raise_for_params(params, self, "fit")
            split_params = {} if groups is None else {"groups": groups}
            score_params = (
                {"sample_weight": sample_weight}
                if sample_weight is not None and _accepts_sample_weight(scorer)
                else {}
            )
        folds = list(check_cv(self.cv, y, classifier=True).split(X, y, **split_params))
        template = self._template()

        out = Parallel(n_jobs=self.n_jobs, verbose=self.verbose)(
            delayed(_fold)(
                X_model, X, y, sw, train, test, classes, lams, template, scorer, score_params
            )
            for train, test in folds
        )
        scores = np.array([o[0] for o in out])
        mean = scores.mean(axis=0)
        best = int(np.flatnonzero(mean == np.nanmax(mean))[0]) if np.any(np.isfinite(mean)) else 0

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
            "std_test_score": _std(scores),
            "rank_test_score": rank,
            **{f"split{k}_test_score": scores[k] for k in range(len(folds))},
        }
        labels = classes[1:] if len(classes) == 2 else classes
        # fold results are (n_boundaries, n_lams, ...): one array per boundary label
        self.coefs_paths_ = {c: np.stack([o[1][k] for o in out]) for k, c in enumerate(labels)}
        self.intercepts_paths_ = {c: np.stack([o[2][k] for o in out]) for k, c in enumerate(labels)}
        self._warn_on_grid_edge(lams)

        if self.refit:
            self._fit_validated(X, y, classes, sw, self.lam_)
        else:
            self.classes_ = classes
            coef = np.mean([o[1][:, best] for o in out], axis=0)
            intercept = np.mean([o[2][:, best] for o in out], axis=0)
            self.coef_ = coef.astype(X.dtype)
            self.intercept_ = intercept.astype(X.dtype)
            self.scale_ = np.linalg.norm(coef, axis=1)
            self.n_iter_ = 0
        return self

    def _warn_on_grid_edge(self, lams):
        if len(lams) < 2 or not np.isfinite(self.best_score_):
            return
        if self.lam_ == lams.min() or self.lam_ == lams.max():
            side = "smallest" if self.lam_ == lams.min() else "largest"
            warnings.warn(
                f"The selected lam_={self.lam_:.3g} is the {side} value of the grid "
                f"[{lams.min():.3g}, {lams.max():.3g}]: the best value may lie outside it; "
                "extend lams on that side.",
                UserWarning,
                stacklevel=2,
            )

    def score(self, X, y, sample_weight=None, **score_params):
        """Score with the ``scoring`` option on the given test data and labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights, passed to the scorer (with metadata routing, when it
            requests them).
        **score_params : dict
            Metadata for the scorer (metadata routing only).

        Returns
        -------
        score : float
            ``scoring(self, X, y)``: the accuracy when ``scoring`` is None.
        """
        _raise_for_params(score_params, self, "score")
        scorer = self._get_scorer()
        if _routing_enabled():
            if sample_weight is not None:
                score_params["sample_weight"] = sample_weight
            kwargs = process_routing(self, "score", **score_params).scorer.score
        else:
            kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        return scorer(self, X, y, **kwargs)

    def get_metadata_routing(self):
        """Get the metadata routing of this object.

        Returns
        -------
        routing : MetadataRouter
            ``sample_weight`` is consumed by :meth:`fit`; the splitter receives
            the metadata it requests at fit time (``groups`` for group
            splitters), and the scorer at fit and score time.
        """
        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(
                splitter=check_cv(self.cv),
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
            .add(
                scorer=self._get_scorer(),
                method_mapping=MethodMapping()
                .add(caller="fit", callee="score")
                .add(caller="score", callee="score"),
            )
        )
