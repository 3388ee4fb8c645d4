"""Scaled-loss linear classifiers, their regularisation paths and CV."""

from ._scaled_loss import ScaledLossLinearClassifier

__all__ = ["ScaledLossLinearClassifier"]
