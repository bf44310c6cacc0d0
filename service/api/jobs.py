"""API of the background jobs: their state and progress, then the file they made."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from service import jobs
from service.api.declare import api_route, file_reply, register_module, reply
from service.api.models.analyses import Job as JobModel
from service.api.serialize import when
from service.auth import allow, signed_in
from service.extensions import job_timeout, transaction
from service.http import file_response
from service.jobs_models import Job


def register(api: Blueprint) -> None:
    """Add the job routes to the API blueprint."""
    register_module(api, get_job, job_result)


def job_json(job: Job) -> dict[str, Any]:
    """A job's state, progress and, once done, where its file is."""
    return {
        "id": job.id,
        "kind": job.kind,
        "params": job.params,
        "state": job.state,
        "progress": job.progress,
        "message": job.message,
        "error": job.error,
        "created_at": when(job.created_at),
        "started_at": when(job.started_at),
        "finished_at": when(job.finished_at),
        "result_url": f"/api/jobs/{job.id}/result" if job.state == "done" else None,
        "result_name": job.result_name if job.state == "done" else None,
    }


@api_route(
    "/jobs/<job_id>",
    summary="Un travail en arrière-plan : état, avancement, fichier produit",
    responses={200: reply(JobModel, "Le travail")},
    problems=(404,),
    right="read_analysis",
)
def get_job(job_id: str) -> dict[str, Any]:
    """One job (an abandoned one is reported failed)."""
    with transaction() as session:
        return job_json(
            _readable(
                jobs.get_job(session, job_id, stale_after=job_timeout(), organisation_id=_owner())
            )
        )


@api_route(
    "/jobs/<job_id>/result",
    summary="Le fichier produit par un travail terminé",
    responses={
        200: file_reply(
            ("application/json", "application/pdf"),
            "Le fichier : un rapport PDF, ou pour la validation d'une livraison volumineuse, "
            "le numéro de la livraison enregistrée (JSON)",
        )
    },
    problems=(404, 409),
    operation_id="getJobResult",
    right="read_analysis",
)
def job_result(job_id: str) -> Response:
    """The file a finished job made; 409 while it runs or when it failed."""
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


def _owner() -> int | None:
    """The organisation whose jobs the identity sees (another's job is a 404)."""
    return signed_in().organisation_id


def _readable(job: Job) -> Job:
    """The job, when the identity may read it: a job makes an analysis' report, so reading it
    is reading analyses (asked after the job was found in the organisation: 404 before 403)."""
    allow("read_analysis")
    return job
