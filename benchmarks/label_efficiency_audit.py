"""How well audit points stand in for a labelled target set: per round the estimate, its
interval and the true target/val mIoU; how often the interval holds the truth; and whether
the round the estimates pick is as good as the one target/val would pick."""

from __future__ import annotations

from typing import Any

from label_efficiency_rows import RowResult

NO_AUDIT = "-no-audit"  # the twin row's suffix (label_efficiency_config.METHODS)


def audit_report(rows: list[RowResult]) -> dict[str, Any]:
    """Rounds whose audit estimate and target/val mIoU both exist, the interval's coverage,
    and per row the round each picks: the product's rule (the latest, unless an earlier round
    is measurably better on the audit points) against the best by target/val."""
    from backend.audit_schemas import RoundAudit  # after the work folder's environment is set
    from backend.services.audit import choose_round

    rounds: list[dict[str, Any]] = []
    choices: list[dict[str, Any]] = []
    for row in rows:
        estimated = [
            r
            for r in row.rounds
            if r.audit and r.audit.get("miou") is not None and r.miou is not None
        ]
        for r in estimated:
            interval = r.audit["miou_interval"]
            rounds.append(
                {
                    "row": row.name,
                    "seed": row.seed,
                    "round": r.number,
                    "points": r.audit["points"],
                    "images": r.audit["images"],
                    "estimate": r.audit["miou"],
                    "low": interval["low"],
                    "high": interval["high"],
                    "val_miou": r.miou,
                    "inside": interval["low"] <= r.miou <= interval["high"],
                }
            )
        if estimated:
            served, _ = choose_round([RoundAudit.model_validate(r.audit) for r in estimated])
            by_audit = estimated[served]
            by_val = max(estimated, key=lambda r: (r.miou, r.number))
            choices.append(
                {
                    "row": row.name,
                    "seed": row.seed,
                    "audit_round": by_audit.number,
                    "val_round": by_val.number,
                    "regret": by_val.miou - by_audit.miou,
                }
            )
    coverage = sum(r["inside"] for r in rounds) / len(rounds) if rounds else None
    return {
        "rounds": rounds,
        "coverage": coverage,
        "choices": choices,
        "max_regret": max((c["regret"] for c in choices), default=None),
        "cost": audit_cost(rows),
    }


def audit_cost(rows: list[RowResult]) -> list[dict[str, Any]]:
    """Per seed, each audited row's last-round mIoU against its `-no-audit` twin, which spent
    the audit's effort on training points: what auditing costs at equal effort."""
    last = {(row.name, row.seed): row.rounds[-1].miou for row in rows if row.rounds}
    return [
        {
            "row": name.removesuffix(NO_AUDIT),
            "seed": seed,
            "with_audit": last[(name.removesuffix(NO_AUDIT), seed)],
            "without_audit": miou,
            "cost": miou - last[(name.removesuffix(NO_AUDIT), seed)],
        }
        for (name, seed), miou in last.items()
        if name.endswith(NO_AUDIT) and (name.removesuffix(NO_AUDIT), seed) in last
    ]


def audit_table(report: dict[str, Any]) -> str:
    lines = [
        "| row | seed | round | audit points (images) | audit mIoU [90 %] | target/val mIoU "
        "| inside |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in report["rounds"]:
        lines.append(
            f"| {r['row']} | {r['seed']} | {r['round']} | {r['points']} ({r['images']}) "
            f"| {100 * r['estimate']:.1f} [{100 * r['low']:.1f}, {100 * r['high']:.1f}] "
            f"| {100 * r['val_miou']:.1f} | {'yes' if r['inside'] else 'no'} |"
        )
    lines.append(
        f"\ncoverage {100 * report['coverage']:.0f} % of {len(report['rounds'])} rounds; "
        f"round picked by audit vs by target/val: largest loss "
        f"{100 * report['max_regret']:.1f} mIoU over {len(report['choices'])} rows"
    )
    for c in report["cost"]:
        lines.append(
            f"audit cost, {c['row']} seed {c['seed']}: {100 * c['with_audit']:.1f} with audit, "
            f"{100 * c['without_audit']:.1f} without at the same effort "
            f"({100 * c['cost']:+.1f})"
        )
    return "\n".join(lines)
