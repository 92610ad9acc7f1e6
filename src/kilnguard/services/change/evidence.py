"""Evidence files (stored with their SHA-256) and scale-up stages recorded complete with them.

A stage counts as complete only with its evidence (SOURCES §4.3: each scale step needs its own
hazard review, not inheritance from the lab result).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kilnguard.domain import change as dc
from kilnguard.domain.errors import Conflict, ValidationError
from kilnguard.domain.validation import parse_choice
from kilnguard.services.access import Principal
from kilnguard.services.change.common import Who, acting, child, get_change, ref, rows
from kilnguard.services.change.view_types import AttachedEvidence
from kilnguard.store.change_models import ChangeEvidenceRow, ChangeStageCompletionRow

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
"""Largest evidence file accepted [bytes]."""


def attach_evidence(
    session: Session,
    who: Who,
    change_id: int,
    *,
    name: str,
    content: bytes,
    stage: str | None = None,
    content_type: str = "application/octet-stream",
    expected_sha256: str | None = None,
) -> AttachedEvidence:
    """Store a file as evidence with its SHA-256; refuse it if a given checksum disagrees.
    Answers with what was stored (the content stays in the store)."""
    act = acting(session, who, change_id)
    row = act.change
    dc.require_may_record(dc.RecordAct.ATTACH_EVIDENCE, act.actor.role)
    if row.state in {s.value for s in dc.TERMINAL_STATES}:
        raise Conflict(f"Cannot attach evidence: {ref(row.id)} is already '{row.state}'.")
    st = parse_choice(dc.ScaleStage, "stage", stage) if stage else None
    if not content:
        raise ValidationError("file", name, "is empty")
    if len(content) > MAX_EVIDENCE_BYTES:
        raise ValidationError("file", name, f"is larger than {MAX_EVIDENCE_BYTES} bytes")
    evidence = dc.EvidenceRef.from_bytes(name, content, st)
    if expected_sha256 and expected_sha256.strip().lower() != evidence.sha256:
        raise ValidationError(
            "sha256",
            expected_sha256,
            f"does not match the uploaded content (its SHA-256 is {evidence.sha256})",
        )
    file: dict[str, Any] = {
        "name": evidence.name,
        "sha256": evidence.sha256,
        "size_bytes": len(content),
        "stage": st.value if st else None,
    }
    stored = act.add(
        ChangeEvidenceRow,
        action="attach_evidence",
        entity="change_evidence",
        payload={"change_id": row.id, **file},
        content_type=content_type or "application/octet-stream",
        content=content,
        **act.signed("uploaded_by", "uploaded_at", None),
        **file,
    )
    return AttachedEvidence.model_validate(stored)


def get_evidence(
    session: Session, who: Principal, change_id: int, evidence_id: int
) -> ChangeEvidenceRow:
    """One evidence file of a change `who` may read, or NotFound."""
    return child(
        session, ChangeEvidenceRow, get_change(session, who, change_id), evidence_id, "evidence"
    )


def record_stage_complete(
    session: Session, who: Who, change_id: int, *, stage: str, note: str = ""
) -> ChangeStageCompletionRow:
    """Record an earlier scale-up stage complete; needs that stage's evidence attached first."""
    act = acting(session, who, change_id)
    row = act.change
    st = parse_choice(dc.ScaleStage, "stage", stage)
    dc.require_may_record(dc.RecordAct.RECORD_STAGE, act.actor.role)
    own = dc.ScaleStage(row.stage) if row.stage else None
    if own is None or st.order >= own.order:
        raise ValidationError(
            "stage",
            stage,
            f"must be a stage before the change's own stage ({own.value if own else 'none'})",
        )
    evidence = [e for e in rows(session, ChangeEvidenceRow, row.id) if e.stage == st.value]
    if not evidence:
        raise Conflict(
            f"Cannot record the {st.value} stage complete on {ref(row.id)}: attach its evidence "
            "(results, with checksum) first; a stage counts as complete only with its evidence."
        )
    return act.add(
        ChangeStageCompletionRow,
        action="complete_stage",
        entity="change_stage_completion",
        payload={"change_id": row.id, "stage": st.value, "evidence": [e.sha256 for e in evidence]},
        stage=st.value,
        note=note,
        **act.signed("recorded_by", "completed_at", None),
    )
