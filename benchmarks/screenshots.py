"""Screenshots of the main screens for the README, from a real run.

Starts its own segloop (embedded SQLite database and broker, the API with the built frontend,
a worker), generates the demo dataset, runs two rounds of a point (PPL) project with the
oracle annotator labelling round 0's tasks in between, and one round of a region (SPL)
project; then photographs, in headless Chromium:

    login.png               the sign-in screen
    point-annotation.png    an annotator on a PPL task, a few points labelled
    region-annotation.png   an annotator on an SPL task: one segment filled, part pre-filled
    admin-dashboard.png     rounds, the label-efficiency chart, per-class IoU, annotators
    admin-datasets.png      the dataset browser with a label overlay

into frontend/docs/screenshots/ (each kept under 300 kB: quantised to 256 colours when a
plain PNG would be larger).

    python benchmarks/screenshots.py [--out DIR]
"""

import argparse
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, canvas_point, login  # noqa: E402
from tests.conftest import ADMIN, ANNOTATOR, create_project, start_stack, stop_stack  # noqa: E402

OUT = ROOT / "frontend" / "docs" / "screenshots"
MAX_BYTES = 300_000
VIEWPORT = {"width": 1440, "height": 900}
# The default recipe (pretrained EfficientNet-Lite0), in short rounds as the demo runs them.
MODEL = {
    "iterations": 150,
    "finetune_iterations": 100,
    "selector_iterations": 60,
    "adversarial_weight": 0.0,
}


def save(png: bytes, path: Path) -> None:
    """Writes the PNG, quantised to 256 colours if it would be too large."""
    if len(png) > MAX_BYTES:
        image = Image.open(io.BytesIO(png)).convert("RGB")
        buffer = io.BytesIO()
        # Octree keeps small flat UI colours (class swatches) exact; median cut would merge them.
        image.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
            buffer, "PNG", optimize=True
        )
        png = buffer.getvalue()
    path.write_bytes(png)
    print(f"  {path.name}: {len(png) / 1000:.0f} kB")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    from playwright.sync_api import expect, sync_playwright

    from worker.ml.synthetic import generate_demo_dataset
    from worker.oracle import OracleClient, run_oracle

    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="segloop-shots-"))
    data = generate_demo_dataset(
        tmp / "data", seed=3, size=(384, 288), n_source=16, n_pool=10, n_val=6
    )
    stack = start_stack(tmp, data, f"sqlite:///{tmp}/segloop.db", f"sqla+sqlite:///{tmp}/broker.db")
    try:
        admin = stack.client(*ADMIN)
        annotator_id = stack.client(*ANNOTATOR).get("/users/me").json()["id"]

        def project(name: str, **settings) -> dict:
            p = create_project(admin, data, name=name, model_settings=MODEL, **settings)
            admin.post(f"/projects/{p['id']}/members", json={"user_id": annotator_id})
            return p

        def round_(p: dict) -> dict:
            r = admin.post(f"/projects/{p['id']}/rounds").json()
            r = stack.wait_round(admin, r["id"], timeout=900)
            assert r["status"] == "done", r
            return r

        t0 = time.perf_counter()
        ppl = project(
            "Street scenes · dusk camera (PPL)",
            selection_method="ppl",
            points_per_image=24,
            images_per_round=4,
            objective="dacs",
        )
        spl = project(
            "Street scenes · dusk camera (SPL)",
            selection_method="spl",
            pixel_budget=0.06,
            images_per_round=2,
        )
        round_(ppl)
        oracle = OracleClient.login(stack.base_url, *ANNOTATOR)
        for _ in range(2):  # two rounds of labels: three points on the label-efficiency curve
            run_oracle(oracle, ppl["id"], data / "target/train/labels", max_tasks=3, progress=False)
            round_(ppl)
        round_(spl)
        print(f"rounds done in {time.perf_counter() - t0:.0f} s; taking screenshots")

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

            def page_for(user=None):
                ctx = browser.new_context(base_url=stack.base_url, viewport=VIEWPORT)
                page = ctx.new_page()
                if user:
                    login(page, *user)
                return page

            page = page_for()
            page.goto("/")
            page.get_by_test_id("login-email").wait_for()
            save(page.screenshot(), args.out / "login.png")

            page = page_for(ANNOTATOR)
            page.goto(f"/annotate/projects/{ppl['id']}")
            page.get_by_test_id("start").click()
            expect(page.get_by_test_id("annotate-canvas")).to_be_visible()
            for key in "1r3v1":
                page.keyboard.press(key)
            expect(page.get_by_test_id("point-position")).to_contain_text("Point 6 of")
            page.keyboard.press("o")  # the overview: every point, labelled ones in their colour
            expect(page.get_by_test_id("draft-status")).to_have_attribute("data-state", "saved")
            save(page.screenshot(), args.out / "point-annotation.png")

            page.goto(f"/annotate/projects/{spl['id']}")
            page.get_by_test_id("start").click()
            expect(page.get_by_test_id("annotate-canvas")).to_be_visible()
            task_id = int(page.get_by_test_id("annotate").get_attribute("data-task-id"))
            mask_png = stack.client(*ANNOTATOR).get(f"/tasks/{task_id}/mask.png").content
            mask = np.array(Image.open(io.BytesIO(mask_png))) > 0
            from scipy import ndimage

            segments, count = ndimage.label(mask)
            sizes = ndimage.sum(mask, segments, range(1, count + 1))
            order = [int(i) + 1 for i in np.argsort(-sizes)]
            # The smaller segments: one click each with the fill tool (class "road", key 1).
            page.keyboard.press("1")
            page.keyboard.press("f")
            for k in order[1:3]:
                ys, xs = np.nonzero(segments == k)
                page.mouse.click(*canvas_point(page, xs[len(xs) // 2], ys[len(ys) // 2]))
            # The largest: brush strokes over its upper part (class "sidewalk", key 2); the rest
            # stays hatched, still to label.
            page.keyboard.press("b")
            page.keyboard.press("2")
            for _ in range(4):
                page.keyboard.press("]")
            ys, xs = np.nonzero(segments == order[0])
            y0, y1 = int(ys.min()), int(ys.min() + (ys.max() - ys.min()) * 0.45)
            x0, x1 = int(xs.min()), int(xs.max())
            page.mouse.move(*canvas_point(page, x0, y0))
            page.mouse.down()
            for i in range(1, 9):
                y = y0 + (y1 - y0) * i / 8
                page.mouse.move(*canvas_point(page, x1 if i % 2 else x0, y), steps=12)
            page.mouse.up()
            page.mouse.move(*canvas_point(page, (x0 + x1) // 2, int(ys.max()) - 4))
            expect(page.get_by_test_id("draft-status")).to_have_attribute("data-state", "saved")
            save(page.screenshot(), args.out / "region-annotation.png")

            page = page_for(ADMIN)
            page.goto(f"/admin/projects/{ppl['id']}")
            expect(page.get_by_test_id("miou-chart")).to_be_visible()
            page.wait_for_timeout(800)
            save(page.screenshot(full_page=False), args.out / "admin-dashboard.png")

            page.goto(f"/admin/projects/{ppl['id']}/datasets")
            page.get_by_test_id("browse-dataset").first.click()
            page.get_by_test_id("thumb").nth(2).click()
            expect(page.get_by_test_id("label-overlay")).to_be_visible()
            page.wait_for_timeout(500)
            save(page.screenshot(), args.out / "admin-datasets.png")
            browser.close()
    finally:
        stop_stack(stack)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
