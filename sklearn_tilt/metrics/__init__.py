"""Geometric robustness metrics of the paper, as functions and as scorers.

Functions take a fitted estimator (a linear classifier, an affine pipeline ending
in one, or a model with the first-order protocol) and measure in the space of the
``X`` given:

- :func:`signed_distance` -- ``d(x) = s(x) / ||w||``;
- :func:`adversarial_distance` -- ``d_adv = mean_i y_i d(x_i)`` (greater is better);
- :func:`error_distance` -- mean distance of the errors (smaller is better);
- :func:`tilting_angle` -- angle between ``w`` and the nearest-centroid direction;
- :func:`tilting_plane` -- the plane spanned by ``z`` and ``w`` with the 2-D
  coordinates of ``X``.

The scorers :class:`TiltingAngle`, :class:`AdversarialDistance` and
:class:`ErrorDistance` wrap them for ``scoring=`` in scikit-learn model selection.
"""

from ._geometry_metrics import (
    adversarial_distance,
    error_distance,
    signed_distance,
    tilting_angle,
    tilting_plane,
)
from ._scorers import AdversarialDistance, ErrorDistance, TiltingAngle

__all__ = [
    "AdversarialDistance",
    "ErrorDistance",
    "TiltingAngle",
    "adversarial_distance",
    "error_distance",
    "signed_distance",
    "tilting_angle",
    "tilting_plane",
]
