"""What the rows measured, summed up: means over seeds and the gap closed, the seconds an
iteration costs, the printed table and the plot."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from label_efficiency_config import Config
from label_efficiency_rows import RoundResult, RowResult


def labelled_percent(row: RowResult, result: RoundResult) -> float:
    """Cumulative labelled pool pixels in % of the pool; the supervised row has all of them."""
    return 100.0 if row.kind == "supervised" else 100 * result.labelled_fraction


@dataclass
class Summary:
    """One row and round over the seeds: mean and (with several seeds) standard deviation."""

    name: str
    label: str
    kind: str
    objective: str
    round: int
    labelled_percent: float
    miou: float
    miou_std: float | None
    per_class_iou: dict[str, float | None]
    seeds: int
    gap_closed: float | None = None


def _mean(values: list[float | None]) -> float | None:
    """None if any seed has none (a class absent from the predictions and the labels)."""
    return None if None in values else statistics.fmean(values)


def summarise(rows: list[RowResult]) -> list[Summary]:
    """Means over seeds, and the gap closed: (mIoU − source only) / (fully supervised − source
    only), all three taken at the same round, i.e. after the same training iterations."""
    by_name: dict[str, list[RowResult]] = {}
    for row in rows:
        by_name.setdefault(row.name, []).append(row)
    summaries: dict[tuple[str, int], Summary] = {}
    for name, runs in by_name.items():
        for number in range(len(runs[0].rounds)):
            results = [run.rounds[number] for run in runs]
            mious = [r.miou for r in results]
            per_class = {
                cls: _mean([r.per_class_iou[cls] for r in results])
                for cls in results[0].per_class_iou
            }
            summaries[name, number] = Summary(
                name,
                runs[0].label,
                runs[0].kind,
                runs[0].objective,
                number,
                statistics.fmean(labelled_percent(run, run.rounds[number]) for run in runs),
                statistics.fmean(mious),
                statistics.stdev(mious) if len(mious) > 1 else None,
                per_class,
                len(runs),
            )
    for (_, number), summary in summaries.items():
        low, high = summaries.get(("source-only", number)), summaries.get(("supervised", number))
        if low is not None and high is not None and high.miou != low.miou:
            summary.gap_closed = (summary.miou - low.miou) / (high.miou - low.miou)
    return list(summaries.values())


def iteration_costs(cfg: Config, rows: list[RowResult]) -> dict[str, float]:
    """Seconds per training iteration of A (fine-tuning rounds of rows without a self-training
    objective: source batch, labelled batch) and of B (LabOR rows), from the stage timings."""
    model, selector = [], []
    for row in rows:
        for result in row.rounds[1:]:
            if row.objective == "none" and "train_model" in result.stage_seconds:
                model.append(result.stage_seconds["train_model"] / cfg.finetune_iterations)
        for result in row.rounds:
            if row.selection in ("ppl", "spl") and result.stage_seconds.get("train_selector"):
                selector.append(result.stage_seconds["train_selector"] / cfg.selector_iterations)
    costs = {}
    if model:
        costs["model A (fine-tuning)"] = statistics.median(model)
    if selector:
        costs["selector B"] = statistics.median(selector)
    return costs


def table(summaries: list[Summary]) -> str:
    """The printed table: a line per row and round; ± std only where there are several seeds."""
    several = any(s.miou_std is not None for s in summaries)
    miou_header = "mIoU ± std" if several else "mIoU"
    lines = [
        f"{'method':<32} {'round':>5} {'labelled %':>10} {miou_header:>11} {'gap closed':>10}",
        "-" * 72,
    ]
    for s in summaries:
        miou = f"{100 * s.miou:.1f}" + (f" ± {100 * s.miou_std:.1f}" if s.miou_std else "")
        gap = "" if s.gap_closed is None else f"{100 * s.gap_closed:.0f} %"
        lines.append(f"{s.label:<32} {s.round:>5} {s.labelled_percent:>10.3f} {miou:>11} {gap:>10}")
    return "\n".join(lines)


def plot(summaries: list[Summary], path: Path, title: str) -> None:
    """mIoU against labelled % (symmetric log: point methods label ~30x fewer pixels than
    region methods): a curve per labelling row, a level per row without selection."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_name: dict[str, list[Summary]] = {}
    for s in summaries:
        by_name.setdefault(s.name, []).append(s)
    curves = [rounds for rounds in by_name.values() if rounds[0].kind == "active"]
    levels = [rounds[-1] for rounds in by_name.values() if rounds[0].kind != "active"]
    fig, ax = plt.subplots(figsize=(10, 5.5))
    markers = "osD^v<>ph*"
    for i, rounds in enumerate(curves):
        ax.errorbar(
            [s.labelled_percent for s in rounds],
            [100 * s.miou for s in rounds],
            yerr=[100 * (s.miou_std or 0) for s in rounds],
            marker=markers[i % len(markers)],
            color=f"C{i % 10}",
            linestyle="-" if rounds[0].objective == "none" else "--",
            capsize=3,
            label=rounds[0].label,
        )
    for i, s in enumerate(levels):
        ax.axhline(
            100 * s.miou,
            color="black" if s.kind == "supervised" else plt.cm.Dark2(i % 8),
            linestyle="-." if s.kind == "supervised" else ":",
            linewidth=1.2,
            label=f"{s.label} ({s.labelled_percent:.0f} % labelled)",
        )
    ax.set_xscale("symlog", linthresh=0.01)
    most = max((s.labelled_percent for rounds in curves for s in rounds), default=1.0)
    ax.set_xlim(0, 2 * most)
    ax.set_xlabel("labelled target pixels, % of the pool (cumulative; symmetric log scale)")
    ax.set_ylabel("target val mIoU (%)")
    ax.set_title(title + "\nlevels: rows without selection, after as many iterations", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    plt.close(fig)
