"""Displays in the scikit-learn style (``from_estimator`` / ``from_path``, ``plot(ax=...)``).

.. autosummary::

   ScaledLossDisplay
   RegularizationPathDisplay
   TiltingPlaneDisplay
   ImageGridDisplay
   MirrorImageDisplay
   AdversarialExampleDisplay
   FilterGridDisplay
   TiltToyDisplay
   TiltExplorer
   explore
"""

from ._explore import TiltExplorer, explore  # needs the optional extra "report" only when called
from ._images import (
    AdversarialExampleDisplay,
    FilterGridDisplay,
    ImageGridDisplay,
    MirrorImageDisplay,
)
from ._path import RegularizationPathDisplay
from ._plane import TiltingPlaneDisplay
from ._scaled_loss import ScaledLossDisplay
from ._toy import TiltToyDisplay

__all__ = [
    "AdversarialExampleDisplay",
    "FilterGridDisplay",
    "ImageGridDisplay",
    "MirrorImageDisplay",
    "RegularizationPathDisplay",
    "ScaledLossDisplay",
    "TiltToyDisplay",
    "TiltingPlaneDisplay",
    "TiltExplorer",
    "explore",
]
