"""Every table of Clausier, imported in one place so that the metadata knows them all."""

from __future__ import annotations

from service import organisations, storage
from service.analysis import models as analysis
from service.deliveries import models as deliveries
from service.library import models as library

__all__ = ["analysis", "deliveries", "library", "organisations", "storage"]
