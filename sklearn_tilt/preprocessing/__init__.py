"""Transformers built on the paper's geometry: :class:`MirrorImage`."""

from ._mirror import MirrorImage

__all__ = ["MirrorImage"]
