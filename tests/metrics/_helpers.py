"""Test helpers: independent (direct numpy) computations and fake estimators."""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression


def direct_binary(coef, intercept, X, y, positive, sample_weight=None):
    """(d, d_adv, d_err, theta) straight from coef_/intercept_ with numpy."""
    w = np.asarray(coef, dtype=np.float64).ravel()
    b = float(np.ravel(intercept)[0]) if np.ndim(intercept) else float(intercept)
    sw = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
    d = (X @ w + b) / np.linalg.norm(w)
    s = np.where(y == positive, 1.0, -1.0)
    m = s * d
    d_adv = np.sum(sw * m) / sw.sum()
    d_err = np.sum(sw * np.where(m <= 0, -m, 0.0)) / sw.sum()
    pos, neg = s > 0, s < 0
    j = (sw[pos, None] * X[pos]).sum(0) / sw[pos].sum()
    i = (sw[neg, None] * X[neg]).sum(0) / sw[neg].sum()
    z = (j - i) / np.linalg.norm(j - i)
    theta = np.arccos(np.clip(w @ z / np.linalg.norm(w), -1, 1))
    return d, d_adv, d_err, theta


class FirstOrderLinear(ClassifierMixin, BaseEstimator):
    """A logistic regression seen only through the first-order protocol.

    Scores ``S = X W.T + B`` with one row per class (binary: ``+-w/2``), margins
    true (or predicted) class minus the best other class, gradients ``W_t - W_o``.
    It has no ``coef_``, so the metrics must use the first-order path.
    """

    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y):
        clf = LogisticRegression(C=self.C, max_iter=5000).fit(X, y)
        self.classes_ = clf.classes_
        if len(self.classes_) == 2:
            self.W_ = np.vstack([-clf.coef_[0] / 2, clf.coef_[0] / 2])
            self.B_ = np.array([-clf.intercept_[0] / 2, clf.intercept_[0] / 2])
        else:
            self.W_, self.B_ = clf.coef_, clf.intercept_
        self.linear_ = clf
        return self

    def decision_function(self, X):
        return np.asarray(X, dtype=float) @ self.W_.T + self.B_

    def predict(self, X):
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]

    def margin_and_input_gradient(self, X, y=None):
        S = self.decision_function(X)
        rows = np.arange(len(S))
        if y is None:
            top = np.argmax(S, axis=1)
        else:
            top = np.searchsorted(self.classes_, y)
        S_other = S.copy()
        S_other[rows, top] = -np.inf
        other = np.argmax(S_other, axis=1)
        return S[rows, top] - S[rows, other], self.W_[top] - self.W_[other]
