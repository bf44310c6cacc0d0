"""Every table of Clausier, imported in one place so that the metadata knows them all."""

from __future__ import annotations

from service import storage
from service.analysis import models as analysis
from service.library import models as library

__all__ = ["analysis", "library", "storage"]
