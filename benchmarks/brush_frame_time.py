"""Frame times of the region annotation view while painting on a 2048×1024 image.

Starts its own segloop (the embedded SQLite database and broker, the API serving the built
frontend, a worker), generates a 2048×1024 dataset, runs a real round 0 with region
selection (SPL) so the task, its mask and its prediction come from the pipeline, then opens the
task in headless Chromium as an annotator and paints brush strokes with Playwright mouse
moves. In the page, every requestAnimationFrame timestamp and every pointer event is recorded;
frame time = delta between consecutive animation frames during the stroke (a frame that
takes longer than the display interval shows up as a long delta).

Scenarios:
  playwright          page.mouse moves sent back to back: real browser input, but each move
                      waits for the DevTools protocol round trip (~30 moves/s here)
  synthetic 240/s     PointerEvents dispatched in the page, 4 per animation frame (a 240 Hz
                      mouse), so the paint path is exercised at a realistic input rate
  synthetic 960/s     16 per frame: a stress test
  zoomed 4x, 240/s    as above at 4× zoom (each image pixel covers 16 screen pixels)
Besides the frame deltas: "render" = the time the app's animation-frame callback took (push
the dirty rect into the overlay layer, redraw that rect of the image and overlay; measured
by wrapping requestAnimationFrame), and for synthetic events "handler" = the time per
pointer event (dispatchEvent runs the app's handlers synchronously: paint the brush capsule
into the label raster).

    python benchmarks/brush_frame_time.py                 # prints a table, writes JSON
    python benchmarks/brush_frame_time.py --keep /tmp/run # keep the data directory

Needs the built frontend in backend/static (`make frontend`) and Debian's Chromium.
"""

import argparse
import io
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, login  # noqa: E402
from tests.conftest import (  # noqa: E402
    ADMIN,
    ANNOTATOR,
    TINY_MODEL,
    create_project,
    start_stack,
    stop_stack,
)

RESULTS = ROOT / "benchmarks" / "results" / "brush_frame_time.json"
PLAYWRIGHT_MOVES = 400

RECORDER = """
() => {
  const rec = { frames: [], events: 0, firstEvent: null, lastEvent: null, on: true, work: [] };
  window.__rec = rec;
  // Time every other animation-frame callback (the app's renderer): the work a frame costs.
  if (!window.__rafWrapped) {
    window.__rafWrapped = true;
    const raf = window.requestAnimationFrame.bind(window);
    window.requestAnimationFrame = (cb) => raf((t) => {
      const s = performance.now();
      cb(t);
      const r = window.__rec;
      if (r && r.on && !cb.__recorder) r.work.push([t, performance.now() - s]);
    });
  }
  const canvas = document.querySelector('[data-testid="annotate-canvas"]');
  canvas.addEventListener('pointermove', (e) => {
    if (!rec.on) return;
    rec.events += 1;
    const t = performance.now();
    if (rec.firstEvent === null) rec.firstEvent = t;
    rec.lastEvent = t;
  });
  const tick = (t) => {
    if (!rec.on) return;
    rec.frames.push(t);
    requestAnimationFrame(tick);
  };
  tick.__recorder = true;
  requestAnimationFrame(tick);
  window.__longTasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: false });
  } catch (e) {}
}
"""


SYNTHETIC = """
async ([points, perFrame]) => {
  const canvas = document.querySelector('[data-testid="annotate-canvas"]');
  const handler = [];
  const fire = (type, x, y, buttons) => {
    const ev = new PointerEvent(type, { clientX: x, clientY: y, button: 0, buttons, pointerId: 7,
      pointerType: 'mouse', isPrimary: true, bubbles: true, cancelable: true });
    const t = performance.now();
    canvas.dispatchEvent(ev);
    handler.push(performance.now() - t);
  };
  const frame = () => new Promise((r) => {
    const f = (t) => r(t);
    f.__recorder = true;
    requestAnimationFrame(f);
  });
  await frame();
  fire('pointerdown', points[0][0], points[0][1], 1);
  for (let i = 1; i < points.length; i += perFrame) {
    await frame();
    for (let j = i; j < Math.min(points.length, i + perFrame); j++) {
      fire('pointermove', points[j][0], points[j][1], 1);
    }
  }
  await frame();
  fire('pointerup', points[points.length - 1][0], points[points.length - 1][1], 0);
  await frame();
  await frame();
  return handler;
}
"""


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def stroke_path(mask: np.ndarray, n: int) -> list[tuple[float, float]]:
    """A zigzag over the bounding box of the requested pixels, `n` points long (image coords)."""
    ys, xs = np.nonzero(mask)
    x0, x1 = float(xs.min()), float(xs.max())
    y0, y1 = float(ys.min()), float(ys.max())
    legs = 6
    out = []
    for i in range(n):
        t = i / (n - 1)
        leg = min(int(t * legs), legs - 1)
        u = t * legs - leg
        x = x0 + (x1 - x0) * (u if leg % 2 == 0 else 1 - u)
        y = y0 + (y1 - y0) * (leg + u) / legs
        out.append((x, y))
    return out


def run_scenario(page, name: str, path_img, per_frame: int, zoom: float | None) -> dict:
    """per_frame = 0: Playwright mouse moves; else synthetic events, that many per frame."""
    canvas = page.get_by_test_id("annotate-canvas")
    if zoom is not None:
        page.keyboard.press("o")  # fit first, then zoom into the middle of the path
        for _ in range(int(round(np.log(zoom) / np.log(1.4)))):
            page.keyboard.press("+")
        page.wait_for_timeout(300)
    box = canvas.bounding_box()

    def screen(p):
        s = float(canvas.get_attribute("data-scale"))
        ox = float(canvas.get_attribute("data-offset-x"))
        oy = float(canvas.get_attribute("data-offset-y"))
        return box["x"] + ox + p[0] * s, box["y"] + oy + p[1] * s

    if zoom is None:
        points = [screen(p) for p in path_img]
    else:  # a zigzag across the middle of the zoomed view
        cx, cy = box["x"] + box["width"] / 2, box["y"] + (box["height"] - 60) / 2
        n = len(path_img)
        points = [
            (cx - 500 + 1000 * abs(((6 * i / n) % 2) - 1), cy - 250 + 500 * i / n) for i in range(n)
        ]
    if per_frame == 0:
        points = points[:PLAYWRIGHT_MOVES]
    # Let the last autosave (1 s after the previous scenario's undo) finish first.
    page.wait_for_timeout(1500)
    before = int(page.get_by_test_id("unlabelled").get_attribute("data-count"))
    page.evaluate(RECORDER)
    page.wait_for_timeout(200)
    page.evaluate("() => { window.__rec.frames = []; window.__rec.work = []; }")
    start = time.perf_counter()
    handler: list[float] = []
    if per_frame == 0:
        page.mouse.move(*points[0])
        page.mouse.down()
        for x, y in points[1:]:
            page.mouse.move(x, y)
        page.mouse.up()
    else:
        handler = page.evaluate(SYNTHETIC, [[list(p) for p in points], per_frame])
    wall = time.perf_counter() - start
    page.wait_for_timeout(250)
    rec = page.evaluate(
        "() => { window.__rec.on = false; return {frames: window.__rec.frames,"
        " events: window.__rec.events, first: window.__rec.firstEvent,"
        " last: window.__rec.lastEvent, work: window.__rec.work, longTasks: window.__longTasks}; }"
    )
    after = int(page.get_by_test_id("unlabelled").get_attribute("data-count"))
    first, last = rec["first"], rec["last"]
    frames = [t for t in rec["frames"] if first is not None and first <= t <= last + 50]
    deltas = [b - a for a, b in zip(frames, frames[1:], strict=False)]
    work = [w for t, w in rec["work"] if first is not None and first - 20 <= t <= last + 50]
    span = (last - first) / 1000 if first is not None and last > first else wall
    page.keyboard.press("Control+z")  # leave the task as it was for the next scenario
    page.wait_for_timeout(200)
    return {
        "scenario": name,
        "moves_sent": len(points),
        "pointer_events": rec["events"],
        "stroke_seconds": round(span, 3),
        "events_per_second": round(rec["events"] / span, 1) if span else None,
        "frames": len(deltas),
        "frame_ms_mean": round(statistics.fmean(deltas), 2) if deltas else None,
        "frame_ms_p50": round(percentile(deltas, 50), 2),
        "frame_ms_p95": round(percentile(deltas, 95), 2),
        "frame_ms_max": round(max(deltas), 2) if deltas else None,
        "frames_over_33ms": sum(1 for d in deltas if d > 33.4),
        "long_tasks": len(rec["longTasks"]),
        "pixels_painted": before - after,
        "render_frames": len(work),
        "render_ms_p50": round(percentile(work, 50), 2) if work else None,
        "render_ms_p95": round(percentile(work, 95), 2) if work else None,
        "render_ms_max": round(max(work), 2) if work else None,
        "handler_ms_p50": round(percentile(handler, 50), 3) if handler else None,
        "handler_ms_p95": round(percentile(handler, 95), 3) if handler else None,
        "handler_ms_max": round(max(handler), 3) if handler else None,
        "zoom": zoom or "fit",
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--width", type=int, default=2048)
    parser.add_argument("--height", type=int, default=1024)
    parser.add_argument("--moves", type=int, default=1200, help="pointer events per stroke")
    parser.add_argument("--keep", type=Path, help="keep the stack's data in this directory")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from worker.ml.synthetic import generate_demo_dataset

    if not (ROOT / "backend" / "static" / "index.html").is_file():
        sys.exit("the frontend is not built: run `make frontend`")
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="segloop-brush-"))
    tmp.mkdir(parents=True, exist_ok=True)
    print(f"generating a {args.width}x{args.height} dataset in {tmp} …", flush=True)
    data = generate_demo_dataset(
        tmp / "data", seed=1, size=(args.width, args.height), n_source=4, n_pool=2, n_val=1
    )
    stack = start_stack(tmp, data, f"sqlite:///{tmp}/segloop.db", f"sqla+sqlite:///{tmp}/broker.db")
    results: list[dict] = []
    requested = 0
    try:
        admin = stack.client(*ADMIN)
        project = create_project(
            admin, data, selection_method="spl", images_per_round=1, pixel_budget=0.1,
            model_settings=TINY_MODEL,
        )  # fmt: skip
        annotator = stack.client(*ANNOTATOR)
        admin.post(
            f"/projects/{project['id']}/members",
            json={"user_id": annotator.get("/users/me").json()["id"]},
        )
        print("round 0 (train, select, publish) …", flush=True)
        t0 = time.perf_counter()
        round0 = admin.post(f"/projects/{project['id']}/rounds").json()
        round0 = stack.wait_round(admin, round0["id"], timeout=1200)
        if round0["status"] != "done":
            sys.exit(f"round 0 {round0['status']}: {round0['error']}")
        print(f"round 0 done in {time.perf_counter() - t0:.0f} s", flush=True)

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(
                base_url=stack.base_url, viewport={"width": 1600, "height": 1000}
            )
            page = context.new_page()
            login(page, *ANNOTATOR)
            page.goto(f"/annotate/projects/{project['id']}")
            page.get_by_test_id("start").click()
            page.get_by_test_id("unlabelled").wait_for()
            task_id = int(page.get_by_test_id("annotate").get_attribute("data-task-id"))
            mask_png = annotator.get(f"/tasks/{task_id}/mask.png").content
            mask = np.array(Image.open(io.BytesIO(mask_png))) > 0
            assert mask.shape == (args.height, args.width), mask.shape
            requested = int(mask.sum())
            path_img = stroke_path(mask, args.moves)
            page.keyboard.press("1")
            for name, per_frame, zoom in (
                ("playwright mouse", 0, None),
                ("synthetic 240/s", 4, None),
                ("synthetic 960/s", 16, None),
                ("zoomed 4x, 240/s", 4, 4.0),
            ):
                results.append(run_scenario(page, name, path_img, per_frame, zoom))
            browser.close()
    finally:
        stop_stack(stack)
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)

    header = [
        "scenario", "events/s", "frames", "mean ms", "p50 ms", "p95 ms", "max ms", ">33ms",
        "render p95 ms", "render max ms", "handler p95 ms", "painted px",
    ]  # fmt: skip
    rows = [
        [
            r["scenario"], r["events_per_second"], r["frames"], r["frame_ms_mean"],
            r["frame_ms_p50"], r["frame_ms_p95"], r["frame_ms_max"], r["frames_over_33ms"],
            r["render_ms_p95"], r["render_ms_max"],
            "—" if r["handler_ms_p95"] is None else r["handler_ms_p95"], r["pixels_painted"],
        ]
        for r in results
    ]  # fmt: skip
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)))
    report = {
        "benchmark": "brush_frame_time",
        "image": [args.width, args.height],
        "requested_pixels": requested,
        "viewport": [1600, 1000],
        "browser": "Debian Chromium, headless, --disable-gpu (software canvas)",
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
