"""The label ledger and budget: who labelled how much in which round, and what is left."""

from pydantic import BaseModel, ConfigDict, Field

from backend.models import BudgetUnit


class LedgerCounts(BaseModel):
    """Effort at each image's true resolution. For admins the counts leave audit tasks out and
    the audit fields count them; an annotator's own rows fold them in (audit fields null), so
    nobody can tell which of their tasks were audits."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    submissions: int = Field(description="Submissions, corrections included.")
    points: int = Field(description="Labelled points submitted.")
    painted_pixels: int = Field(description="Labelled pixels of region maps.")
    segments: int = Field(description="Connected one-class areas of region maps.")
    skipped_tasks: int = Field(description="Tasks skipped, audit tasks included.")
    seconds: float = Field(
        description="Active seconds the annotator's client reported, submitted and skipped "
        "tasks alike."
    )
    audit_submissions: int | None = Field(description="Submissions of audit tasks (admins).")
    audit_points: int | None = Field(description="Points of audit tasks (admins only).")
    audit_seconds: float | None = Field(
        description="Seconds on audit tasks, submitted or skipped (admins only)."
    )


class LedgerRow(LedgerCounts):
    """One annotator's effort in one round."""

    round_id: int
    round_number: int
    user_id: int
    email: str


class BudgetOut(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    unit: BudgetUnit | None = Field(description="Null: the project has no budget.")
    amount: float | None
    spent: float | None = Field(description="In `unit`, audit effort included; null: no unit.")
    remaining: float | None
    exhausted: bool = Field(description="Spent: no round is launched or scheduled any more.")


class LedgerOut(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    project_id: int
    budget: BudgetOut
    rows: list[LedgerRow]
    totals: LedgerCounts = Field(description="Sums of `rows`.")
