"""Scaled-loss linear classifiers, their regularisation paths and CV."""

from ._cv import ScaledLossLinearClassifierCV
from ._path import PAPER_LAMS, default_lams, fit_paths, scaled_loss_path
from ._scaled_loss import ScaledLossLinearClassifier

__all__ = [
    "PAPER_LAMS",
    "ScaledLossLinearClassifier",
    "ScaledLossLinearClassifierCV",
    "default_lams",
    "fit_paths",
    "scaled_loss_path",
]
