"""Pages of the background jobs: the progress of one (a long PDF report…), then its file."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, url_for

from service import jobs
from service.auth import allow, signed_in
from service.extensions import job_timeout, transaction
from service.http import file_response
from service.jobs_models import Job

bp = Blueprint("jobs", __name__)

#: Seconds between two reloads of the page of an unfinished job, for browsers without script.
REFRESH_SECONDS = 3
STATE_LABELS = {
    "queued": "En attente",
    "running": "En cours",
    "done": "Terminé",
    "failed": "Échec",
}


@bp.get("/travaux/<job_id>")
def show(job_id: str) -> str:
    """The state and progress of a job, and its file once done."""
    with transaction() as session:
        job = _readable(
            jobs.get_job(session, job_id, stale_after=job_timeout(), organisation_id=_owner())
        )
    title, back, again = describe(job)
    return render_template(
        "job.html",
        job=job,
        title=title,
        back=back,
        again=again,
        state_label=STATE_LABELS.get(job.state, job.state),
        refresh=REFRESH_SECONDS,
    )


@bp.get("/travaux/<job_id>/resultat")
def result(job_id: str) -> Response:
    """The file a finished job made, shown in the browser."""
    with transaction() as session:
        _readable(
            jobs.get_job(session, job_id, stale_after=job_timeout(), organisation_id=_owner())
        )
        job, stored = jobs.job_result(
            session, job_id, stale_after=job_timeout(), organisation_id=_owner()
        )
        return file_response(
            stored.content, stored.media_type, job.result_name or "resultat", inline=True
        )


def describe(job: Job) -> tuple[str, str | None, str | None]:
    """What the job makes, in French; the page it came from; the address that asks again."""
    if job.kind == "analysis_report":
        number = job.params["analysis_id"]
        return (
            f"Rapport PDF de l'analyse n° {number}",
            url_for("analyses.show", analysis_id=number),
            url_for("report_pdf.report_pdf", analysis_id=number),
        )
    return "Travail en arrière-plan", None, None


def _owner() -> int | None:
    """The organisation whose jobs the identity sees (another's job is a 404)."""
    return signed_in().organisation_id


def _readable(job: Job) -> Job:
    """The job, when the identity may read it: a job makes an analysis' report, so reading it
    is reading analyses (asked after the job was found in the organisation: 404 before 403)."""
    allow("read_analysis")
    return job
