"""Every row of a run: the projects created one at a time, then the rows run in `cfg.jobs`
worker processes, each once the row it starts from is done, with a progress bar per row."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path

from label_efficiency_config import METHODS, Config
from label_efficiency_projects import configure_process, create_project, stage_pool
from label_efficiency_rows import RowJob, RowResult, run_row
from tqdm import tqdm

ORACLE_EMAIL = "oracle@benchmark.local"


class ProgressView:
    """A bar over the rows and one per running row mirroring its round's own progress and
    message (what the admin page shows), read from the database."""

    def __init__(self, rows: int, jobs: int) -> None:
        self.rows = tqdm(total=rows, desc="rows", unit="row", position=0)
        self.slots = [
            tqdm(
                total=100,
                unit="%",
                position=i + 1,
                leave=False,
                bar_format="{l_bar}{bar}| {postfix}",
            )
            for i in range(jobs)
        ]

    def show(self, running: dict[str, int]) -> None:
        """`running`: project name -> project id."""
        from sqlalchemy import select

        from backend.db import open_session
        from backend.models import Round

        with open_session() as session:
            for slot, (name, project_id) in zip(self.slots, running.items(), strict=False):
                round_ = session.scalars(
                    select(Round)
                    .where(Round.project_id == project_id)
                    .order_by(Round.number.desc())
                    .limit(1)
                ).first()
                if round_ is None:
                    continue
                slot.set_description(f"{name} r{round_.number}", refresh=False)
                slot.n = round(100 * round_.progress)
                slot.set_postfix_str((round_.message or "")[:60], refresh=True)

    def finished(self, row: RowResult) -> None:
        summary = ", ".join(f"r{r.number} {100 * r.miou:.1f}" for r in row.rounds)
        self.rows.write(f"{row.name} seed {row.seed}: mIoU {summary} ({row.seconds:.0f} s)")
        self.rows.update(1)

    def close(self) -> None:
        for bar in (*self.slots, self.rows):
            bar.close()


def run_all(cfg: Config, work_dir: Path) -> tuple[list[RowResult], int]:
    """Create every project (imports are long SQLite write transactions, so they run here,
    one at a time), then run the rows in `cfg.jobs` processes, each once the rows it starts
    from are done. Returns the rows (METHODS order, then seed) and the number of pool images."""
    from backend.db import open_session
    from backend.migrate import upgrade
    from backend.models import Role
    from backend.services.users import ensure_user
    from worker.pipeline.artifacts import RoundKeys

    upgrade(os.environ["SEGLOOP_DATABASE_URL"])
    with open_session() as session:
        oracle_id = ensure_user(session, ORACLE_EMAIL, os.urandom(16).hex(), Role.admin).id
    pool = stage_pool(cfg.data, work_dir, cfg.pool_size)
    pool_images = sum(1 for p in (pool / "images").iterdir() if not p.name.startswith("."))
    keys = [(name, seed) for seed in cfg.seeds for name in cfg.methods]
    projects = {
        key: create_project(cfg, *key, pool)
        for key in tqdm(keys, desc="importing datasets", unit="project")
    }
    needed = {METHODS[name].starts_from for name in cfg.methods} - {None}
    # Rows others start from go first (the critical path), then the longest, so that no long
    # row runs alone at the end.
    pending = sorted(
        keys, key=lambda k: (k[0] not in needed, -METHODS[k[0]].relative_cost, keys.index(k))
    )
    results: dict[tuple[str, int], RowResult] = {}
    running: dict[Future, tuple[str, int]] = {}
    view = ProgressView(len(keys), cfg.jobs)
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(
            cfg.jobs, mp_context=context, initializer=configure_process, initargs=(cfg, work_dir)
        ) as executor:
            while pending or running:
                for name, seed in list(pending):
                    start = METHODS[name].starts_from
                    if len(running) >= cfg.jobs or (start and (start, seed) not in results):
                        continue
                    pending.remove((name, seed))
                    job = RowJob(
                        name,
                        seed,
                        projects[name, seed],
                        oracle_id,
                        RoundKeys(projects[start, seed], 0).model if start else None,
                    )
                    running[executor.submit(run_row, cfg, job)] = (name, seed)
                done, _ = wait(running, timeout=1.0, return_when=FIRST_COMPLETED)
                for future in done:
                    row = future.result()
                    results[running.pop(future)] = row
                    view.finished(row)
                view.show({f"{n} seed {s}": projects[n, s] for n, s in running.values()})
    finally:
        view.close()
    return [results[name, seed] for name in cfg.methods for seed in cfg.seeds], pool_images
