"""Tables of the annexes: DOCX templates uploaded by an organisation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, JSONType, intpk, timestamp
from service.organisations import Organisation


class OrgTemplate(Base):
    """A DOCX annex template uploaded by an organisation, checked on upload."""

    __tablename__ = "org_template"

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    file_sha256: Mapped[str] = mapped_column(ForeignKey("stored_file.sha256"))
    filename: Mapped[str] = mapped_column(String(255))
    #: The variables the template uses, as listed when it was checked.
    variables: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[timestamp]

    organisation: Mapped[Organisation] = relationship()
