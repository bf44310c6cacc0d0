"""An organisation's data, leaving whole and coming back: ``export_organisation`` writes
everything that belongs to one organisation into a directory in open formats (CSV, a
Frictionless data package as the data dictionary, the files by checksum, a manifest);
``import_organisation`` restores it into another instance with the same identifiers and
timestamps. Clausier asks its users' contracts for reversibility; this is its own.

No Flask here: the command line (``clausier export``, ``clausier import``) and the tests call
these functions.
"""

from __future__ import annotations

from service.portability.export import ExportReport, export_organisation
from service.portability.restore import ImportReport, import_organisation

__all__ = ["ExportReport", "ImportReport", "export_organisation", "import_organisation"]
