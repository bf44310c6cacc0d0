"""Every table of Clausier, imported in one place so that the metadata knows them all."""

from __future__ import annotations

from service import jobs_models, organisations, storage
from service.accounts import models as accounts
from service.analysis import models as analysis
from service.annexes import models as annexes
from service.deliveries import models as deliveries
from service.library import models as library

__all__ = [
    "accounts",
    "analysis",
    "annexes",
    "deliveries",
    "jobs_models",
    "library",
    "organisations",
    "storage",
]
