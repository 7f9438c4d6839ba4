"""The three training pages in real Chromium: Train streams a falling loss curve, Pause
and Resume work while the run goes on, and a CSV upload trains (a bad file keeps the
good one). Screenshots go to the ``shots`` folder.

Like the other browser tests it opens the home page first, so the router is known
before the deep link."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

CHART = "canvas.probnn-live"  # the live panel (ui/live_panel.js)
FRAMES = "/_probnn/"  # the routes it reads its frames from (ui/frames.py)
LOSS = re.compile(r"train loss ([0-9.e+-]+) nats")

# The status line: Streamlit markdown, or the live panel's own element while it streams.
LINE = "[data-testid='stMarkdownContainer'], .probnn-status"

# Reads the status line ("Step k / N · ... train loss X nats ...") every time it changes.
WATCH = r"""
() => {
  window.__status = [];
  const read = () => {
    for (const el of document.querySelectorAll(
        '[data-testid="stMarkdownContainer"], .probnn-status')) {
      const t = el.innerText.trim();
      if (/^Step [\d,]+ \/ [\d,]+/.test(t)) return t;
    }
    return null;
  };
  new MutationObserver(() => {
    const t = read();
    if (t !== null && t !== window.__status[window.__status.length - 1]) window.__status.push(t);
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
  // every script run from now on (the app says "running" while one goes)
  window.__scriptRuns = 0;
  const app = document.querySelector("[data-testid='stApp']");
  new MutationObserver(() => {
    if (app.getAttribute("data-test-script-state") === "running") window.__scriptRuns += 1;
  }).observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
}
"""


def status(tab) -> str:
    return (
        tab.page.locator(LINE, has_text="Step ")
        .filter(has_text=re.compile(r"^Step [\d,]+ / "))
        .first.inner_text()
    )


def wait_status(tab, pattern: str, timeout_ms: int = 180_000) -> None:
    tab.page.wait_for_function(
        "([p, sel]) => [...document.querySelectorAll(sel)]"
        ".some(el => new RegExp(p).test(el.innerText))",
        arg=[pattern, LINE],
        timeout=timeout_ms,
    )


def steps_in(texts: list[str]) -> set[int]:
    """The distinct steps that status lines ("Step k / N · ...") showed."""
    return {int(m.group(1).replace(",", "")) for t in texts if (m := re.match(r"Step ([\d,]+)", t))}


def losses(texts: list[str]) -> list[float]:
    out = []
    for t in texts:
        m = LOSS.search(t)
        if m:
            out.append(float(m.group(1)))
    return out


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("binary", "steps=3000&n=300&pace=fastest"),
        ("multiclass", "steps=3000&n=300&pace=fastest"),
        ("regression", "steps=3000&n=300&lr=0.001&pace=fastest"),
    ],
)
def test_train_streams_a_falling_loss(tab, shots, page, query):
    tab.open("")
    tab.open(f"{page}?{query}", timeout_ms=120_000)
    tab.page.locator(CHART).first.wait_for(timeout=90_000)
    tab.page.evaluate(WATCH)
    frames = []  # the panel reads its frames from the app's own routes while it trains
    tab.page.on("response", lambda r: frames.append(r.url) if FRAMES in r.url else None)
    tab.page.on(
        "requestfailed",
        lambda r: frames.append(f"failed: {r.failure}") if FRAMES in r.url else None,
    )
    tab.page.get_by_role("button", name="Train", exact=True).click()
    wait_status(tab, r"^Step [\d,]+ / [\d,]+ · finished")
    tab.settle()
    tab.shot(shots, f"train-{page}")
    # Train started the run with one request to the start route, and no script run; a
    # streamed response carried the frames: none fell back to asking frame by frame, and
    # none failed (the panel may cancel the stream once the page has drawn the final frame
    # itself: that shows as aborted)
    assert len([url for url in frames if "/_probnn/start/" in url]) == 1, frames
    assert tab.page.evaluate("window.__scriptRuns") == 0
    assert any("/_probnn/stream/" in url for url in frames), frames
    assert all("/_probnn/st" in url or url == "failed: net::ERR_ABORTED" for url in frames), frames
    seen = tab.page.evaluate("window.__status")
    steps = steps_in(seen)
    # The status line changes with the panel's frames (or twice a second without the
    # route): runs of 3,000 steps last long enough to show intermediate steps even on a
    # fast machine.
    assert len(steps) >= 3, seen  # the page streamed while training, not only at the end
    values = losses(seen)
    assert values and values[-1] < values[0], seen
    assert tab.page.get_by_text("After training", exact=True).count() == 1
    # the panel painted the last frame
    last = max(steps)
    assert tab.page.locator(CHART).first.get_attribute("aria-label") == f"step {last:,} / {last:,}"
    assert tab.exceptions() == [] and tab.errors == []


def test_after_training_the_results_show_and_the_history_downloads(tab, shots):
    """After a run: the calibration chart, the table of the last two evaluations and the
    link that downloads the run's whole history as CSV (from the server's history route)."""
    tab.open("binary?steps=40&n=300&seed=2", timeout_ms=120_000)
    tab.page.get_by_role("button", name="Train", exact=True).click()
    wait_status(tab, r"^Step 40 / 40 · finished")
    tab.settle()
    block = tab.page.locator(".probnn-results")
    block.wait_for(timeout=30_000)
    block.scroll_into_view_if_needed()
    assert "Calibration on the test set." in block.inner_text()
    heads = block.locator("thead th").all_inner_texts()
    assert [h.strip() for h in heads] == ["", "step 30", "step 40"], heads
    rows = block.locator("tbody th").all_inner_texts()
    assert "train loss (nats)" in rows and "test accuracy" in rows, rows
    assert block.locator("canvas.probnn-live").count() == 1  # the calibration chart
    tab.shot(shots, "binary-results")
    link = block.get_by_role("link", name="Download the history (CSV)")
    with tab.page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "probnn-binary-seed2.csv"
    lines = open(download.path(), encoding="utf-8").read().splitlines()
    assert lines[0].startswith("step,") and "train loss (nats)" in lines[0], lines[0]
    assert [int(line.split(",")[0]) for line in lines[1:]] == list(range(1, 41))
    assert tab.exceptions() == [] and tab.errors == []


def test_the_comparison_streams_its_maps_and_curves_onto_one_canvas(tab, shots):
    """The comparison's runs train together; their maps and yardstick curves come as
    frames of one stream, drawn on a canvas (no chart element per frame)."""
    tab.open("binary?tab=Compare+likelihoods&c_steps=1500", timeout_ms=120_000)
    streams = []
    tab.page.on("request", lambda r: streams.append(r.url) if "/_probnn/stream/" in r.url else None)
    tab.page.get_by_role("button", name="Run the comparison").click()
    done = "cross-entropy 1,500/1,500 · squared error on probabilities 1,500/1,500"
    tab.page.get_by_text(done).wait_for(timeout=180_000)
    tab.settle()
    panel = tab.page.locator(CHART).first
    assert panel.get_attribute("aria-label") == (
        "comparison: cross-entropy (Bernoulli), squared error on probabilities"
    )
    assert streams, "the comparison's frames came through the stream"
    assert tab.page.locator("[data-testid='stVegaLiteChart']").count() == 0
    panel.scroll_into_view_if_needed()
    box = panel.bounding_box()
    tip = tab.page.locator(".probnn-live-tip").first
    tab.page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] - 120)
    tip.wait_for(state="visible", timeout=10_000)
    text = tip.inner_text()
    assert "test cross-entropy (nats), log scale" in text, text
    assert re.search(r"cross-entropy \(Bernoulli\): [\d.e−-]+ \(step [\d,]+\)", text), text
    tab.shot(shots, "binary-compare")
    assert tab.exceptions() == [] and tab.errors == []


def test_frames_come_one_at_a_time_when_the_stream_cannot_get_through(tab):
    """A proxy may refuse or hold back a streamed response: the panel then asks for its
    frames one request at a time, and the page still shows the run as it trains."""
    tab.page.route("**/_probnn/stream/**", lambda route: route.abort())
    tab.open("binary?steps=3000&n=300&pace=fastest", timeout_ms=120_000)
    tab.page.locator(CHART).first.wait_for(timeout=90_000)
    tab.page.evaluate(WATCH)
    asked = []
    tab.page.on(
        "response", lambda r: asked.append(r.status) if "/_probnn/frame/" in r.url else None
    )
    tab.page.get_by_role("button", name="Train", exact=True).click()
    wait_status(tab, r"^Step [\d,]+ / [\d,]+ · finished")
    tab.settle()
    assert len(asked) >= 3 and set(asked) == {200}, asked
    seen = tab.page.evaluate("window.__status")
    steps = steps_in(seen)
    assert len(steps) >= 3, seen
    assert tab.exceptions() == [] and tab.errors == []


def test_with_no_frame_route_reachable_the_page_draws_the_run_itself(tab, shots):
    """Nothing gets through to the frame routes: Train's post to the start route fails,
    so the button asks for a script run, which starts the run; its stream fails too, so
    the panel says so to the page (a rerun), which then sends the run's frames as
    elements and draws its results."""
    tab.page.route("**/_probnn/**", lambda route: route.abort())
    tab.open("binary?steps=3000&n=300&pace=fastest", timeout_ms=120_000)
    tab.page.locator(CHART).first.wait_for(timeout=90_000)
    tab.page.evaluate(WATCH)
    tab.page.get_by_role("button", name="Train", exact=True).click()
    wait_status(tab, r"^Step 3,000 / 3,000 · finished")
    tab.settle()
    assert len(steps_in(tab.page.evaluate("window.__status"))) >= 3  # it moved meanwhile
    tab.page.get_by_text("After training", exact=True).wait_for(timeout=30_000)
    # no history route either: Streamlit's download button under the block
    tab.page.get_by_role("button", name="Download the history (CSV)").wait_for(timeout=30_000)
    tab.shot(shots, "train-binary-no-routes")
    assert tab.exceptions() == [] and tab.errors == []


def test_a_run_that_diverges_in_the_browser_says_why(tab, shots):
    """The stream's last frame of a diverged run asks for a rerun: the page shows the
    reason and the hint. (These settings diverge at step 606, well after the panel has
    started to follow the run.)"""
    query = (
        "data=xor&n=400&noise=0.14&opt=sgd&lr=1.0&layers=3&units=64&act=relu&steps=3000&pace=fastest"
    )
    tab.open(f"binary?{query}", timeout_ms=120_000)
    tab.page.locator(CHART).first.wait_for(timeout=90_000)
    tab.page.evaluate(WATCH)
    tab.page.get_by_role("button", name="Train", exact=True).click()
    wait_status(tab, r"^Step [\d,]+ / 3,000 · diverged")
    seen = tab.page.evaluate("window.__status")
    assert any("training" in t for t in seen), seen  # streamed until it diverged
    alert = tab.page.get_by_text("The run diverged", exact=False)
    alert.wait_for(timeout=30_000)
    assert "Lower the learning rate" in alert.inner_text()
    tab.settle()
    tab.shot(shots, "train-binary-diverged")
    assert tab.exceptions() == [] and tab.errors == []


def test_the_live_panel_names_what_is_under_the_pointer(tab, shots):
    tab.open("binary?steps=200&n=300&pace=fastest", timeout_ms=120_000)
    tab.page.get_by_role("button", name="Train", exact=True).click()
    wait_status(tab, r"^Step 200 / 200 · finished")
    tab.settle()
    panel = tab.page.locator(CHART).first
    panel.scroll_into_view_if_needed()
    tip = tab.page.locator(
        ".probnn-live-tip"
    ).first  # the live panel's (the after chart has one too)
    box = panel.bounding_box()
    tab.page.mouse.move(box["x"] + 160, box["y"] + 90)  # over the loss curves
    tip.wait_for(state="visible", timeout=10_000)
    assert re.search(r"train: [\d.e−-]+ nats \(step [\d,]+\)", tip.inner_text()), tip.inner_text()
    tab.page.mouse.move(box["x"] + box["width"] * 0.78, box["y"] + 150)  # over the map
    assert re.search(r"x1 = |class: ", tip.inner_text()), tip.inner_text()
    tab.shot(shots, "panel-tooltip")
    tab.page.mouse.move(box["x"] + 5, box["y"] + box["height"] - 5)  # outside the plots
    tip.wait_for(state="hidden", timeout=10_000)
    # the calibration chart after training: a dot near the diagonal names its bin
    calibration = tab.page.locator(CHART).nth(1)
    calibration.scroll_into_view_if_needed()
    cal = calibration.bounding_box()
    cal_tip = tab.page.locator(".probnn-live-tip").nth(1)
    found = ""
    for k in range(51):  # along the diagonal of the plot (box: x 66..w-18, y 12..h-78)
        t = k / 50
        x = cal["x"] + 66 + t * (cal["width"] - 84)
        y = cal["y"] + 12 + (1 - t) * (cal["height"] - 90)
        tab.page.mouse.move(x, y)
        if cal_tip.is_visible():
            found = cal_tip.inner_text()
            break
    assert re.search(
        r"mean predicted: [\d.]+\s+observed frequency: [\d.]+\s+test points: \d+", found
    ), found
    # a narrower window: the finished panel is repainted to the new width
    width = panel.evaluate("c => c.clientWidth")
    tab.page.set_viewport_size({"width": 1100, "height": 900})
    tab.page.wait_for_function(
        "w => document.querySelector('canvas.probnn-live').clientWidth < w", arg=width
    )
    assert tab.exceptions() == [] and tab.errors == []


def test_pause_and_resume_in_the_browser(tab, shots):
    tab.open("")
    tab.open("binary?steps=3000&n=300&pace=fastest", timeout_ms=120_000)
    tab.page.get_by_role("button", name="Train", exact=True).click()
    wait_status(tab, r"^Step [1-9][\d,]* / 3,000 · training")
    tab.page.get_by_role("button", name="Pause", exact=True).click()
    wait_status(tab, r"^Step [\d,]+ / 3,000 · paused")
    tab.settle()
    paused = status(tab)
    tab.page.wait_for_timeout(800)
    assert status(tab) == paused  # nothing moves while paused
    tab.shot(shots, "train-binary-paused")
    tab.page.get_by_role("button", name="Resume", exact=True).click()
    wait_status(tab, r"^Step [\d,]+ / 3,000 · (training|finished)")
    tab.page.get_by_role("button", name="Pause", exact=True).click()
    wait_status(tab, r"^Step [\d,]+ / 3,000 · (paused|finished)")
    assert tab.exceptions() == [] and tab.errors == []


def test_switching_views_and_changing_settings_mid_run(tab, shots):
    """The view switcher reruns the training area alone, so the run trains on; a change
    of settings mid-run stops it, sets up a new one and says so."""
    tab.open("")
    tab.open("binary?steps=5000&n=2000&pace=fastest", timeout_ms=120_000)
    page = tab.page
    page.get_by_role("button", name="Train", exact=True).click()
    wait_status(tab, r"^Step [1-9][\d,]* / 5,000 · training")
    page.get_by_text("Compare likelihoods", exact=True).click()
    page.get_by_text("Run the comparison", exact=False).first.wait_for(timeout=60_000)
    assert "tab=Compare+likelihoods" in page.url
    step = int(status(tab).split()[1].replace(",", ""))
    wait_status(tab, r"^Step [\d,]+ / 5,000 · training")  # still training, and moving:
    page.wait_for_function(
        "([sel, k]) => [...document.querySelectorAll(sel)].some(el => {"
        "  const m = /^Step ([\\d,]+) \\//.exec(el.innerText);"
        "  return m && Number(m[1].replace(/,/g, '')) > k; })",
        arg=[LINE, step],
        timeout=60_000,
    )
    page.get_by_text("Live training", exact=True).click()
    page.locator(CHART).first.wait_for(timeout=60_000)
    page.get_by_text("Settings", exact=False).first.click()
    seed = page.locator("input[aria-label='Seed']")
    seed.fill("7")
    seed.press("Enter")
    page.get_by_text("The settings changed while training").wait_for(timeout=60_000)
    wait_status(tab, r"^Step 0 / 5,000 · ready")
    tab.settle()
    tab.shot(shots, "train-binary-settings-changed")
    assert tab.exceptions() == [] and tab.errors == []


GOOD = "x1,x2,label\n" + "".join(
    f"{i % 7 - 3},{(i * 3) % 5 - 2},{'yes' if (i % 7 - 3) + ((i * 3) % 5 - 2) > 0 else 'no'}\n"
    for i in range(60)
)


def test_csv_upload_trains_and_a_bad_file_keeps_it(tab, shots):
    tab.open("")
    tab.open("binary?data=csv&steps=50", timeout_ms=120_000)
    upload = tab.page.locator("[data-testid='stFileUploader'] input[type='file']")
    upload.set_input_files(
        files=[{"name": "points.csv", "mimeType": "text/csv", "buffer": GOOD.encode()}]
    )
    tab.page.get_by_text("Training on points.csv").wait_for(timeout=60_000)
    tab.settle()
    tab.page.get_by_role("button", name="Train", exact=True).click()
    wait_status(tab, r"^Step 50 / 50 · finished")
    tab.settle()
    upload.set_input_files(
        files=[{"name": "photo.csv", "mimeType": "text/csv", "buffer": b"\x89PNG\r\n\x1a\n"}]
    )
    tab.page.get_by_text("Still using points.csv").wait_for(timeout=60_000)
    tab.settle()
    tab.shot(shots, "train-binary-csv")
    assert "Step 50 / 50" in status(tab)  # the trained run is still there
    assert tab.exceptions() == [] and tab.errors == []
