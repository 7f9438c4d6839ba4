// The live training panel: loss curves, the test metric, and p(y|x) over the plane or
// the fitted mean, drawn on one canvas. The same module draws the small after-training
// charts (calibration, residuals: `kind: "scatter"`), each on a canvas of its own, and
// the block that shows them after training with their texts, the last evaluations and
// the history download (`kind: "results"`): one element, so the browser lays the page
// out once for all of it.
//
// A chart library rebuilds its scene graph on every update; while a network trains,
// the page shows several frames a second, so this panel only clears and repaints a
// canvas. The canvas is carried over from one mount to the next (same `id`), so the old
// picture stays on screen until the new one is painted, and nothing flickers.
//
// Where frames come from: a mount brings one. When it also brings a `stream` (the app's
// server answers the frame routes, ui/frames.py), the panel reads the following frames
// itself until the run stops training; that keeps each frame out of the page's element
// tree. The last frame also brings the results, which fill an empty block mounted for
// them (`kind: "results"` with `follow`), so the page sends nothing when a run ends. A
// later mount always wins over an older stream.

const FONT = '"Source Sans", "Source Sans Pro", "Source Sans 3", sans-serif';
const INK = "#111111";
const MUTED = "#4a4a4a";
const GRID = "#e4e6ea";
const AXIS = "#9aa0a6";
const TICK = 16; // px: tick labels (a projector at the back of a room)
const TITLE = 17; // px: axis titles
const panels = new Map(); // panel id -> { box, canvas, tip, map, pixels, layer, layout, frame }
const statuses = new Map(); // panel id -> the element of its status line
const blocks = new Map(); // results id -> { root, heading, left, holder, right, link, table }
const afters = new Map(); // panel id -> { id, parent, after }: where its stream's results go

export default function (component) {
  const { data, parentElement } = component;
  if (!data) return;
  if (data.kind === "status") {
    let line = statuses.get(data.id);
    if (!line) {
      line = document.createElement("div");
      line.className = "probnn-status";
      statuses.set(data.id, line);
    }
    if (older(line, data.mount)) return;
    if (line.parentElement !== parentElement) parentElement.appendChild(line);
    line.innerHTML = markdown(data.text);
    return;
  }
  if (data.kind === "results") {
    if (data.follow) {
      // an empty block, filled by the results that the panel's stream brings at the end
      // (in a frame newer than `after`, the version the run had when this was mounted)
      const after = afters.get(data.follow) || {};
      if (older(after, data.mount)) return;
      afters.set(data.follow, Object.assign(after, { id: data.id, parent: parentElement, after: data.after }));
      const entry = panels.get(data.follow); // that frame may have come already
      if (entry && entry.frame) fill(entry.frame);
      return;
    }
    results(data, parentElement);
    return;
  }
  if (data.kind === "train") {
    trainButton(component);
    return;
  }
  let entry = panels.get(data.id);
  if (!entry) {
    entry = create();
    panels.set(data.id, entry);
  }
  if (older(entry, data.mount)) return;
  if (entry.box.parentElement !== parentElement) parentElement.appendChild(entry.box);
  entry.follow = null; // this mount's frame is newer than anything an older stream brings
  entry.component = component; // what its streams report to (`events`), the Train button's too
  show(entry, parentElement, data);
  if (data.stream) follow(entry, data.stream);
}

// The after-training block: a heading; under it, on the left a text and the chart (a
// "scatter" frame, on a canvas of its own), on the right a text, the download link of
// the run's history (when the server serves it) and a table of the last evaluations. The
// two sides sit next to each other, or one under the other on a narrow page.
function results(d, parent) {
  let block = blocks.get(d.id);
  if (!block) {
    style();
    const root = document.createElement("div");
    root.className = "probnn-results";
    root.innerHTML =
      "<h3></h3>" +
      '<div class="probnn-side probnn-left"><p></p><div class="probnn-chart"></div></div>' +
      '<div class="probnn-side probnn-right"><p></p><p class="probnn-link"></p>' +
      '<table class="probnn-table"><thead></thead><tbody></tbody></table></div>';
    const [heading, left, right] = root.children;
    block = { root, heading, left: left.firstChild, holder: left.lastChild, right: right.firstChild };
    block.link = right.children[1];
    block.table = right.lastChild;
    blocks.set(d.id, block);
  }
  if (older(block, d.mount)) return;
  if (block.root.parentElement !== parent) parent.appendChild(block.root);
  block.heading.textContent = d.heading;
  block.left.innerHTML = markdown(d.left);
  block.right.innerHTML = markdown(d.right);
  block.link.innerHTML = d.download
    ? `<a class="probnn-download" href="${esc(base() + d.download.href)}" download="${esc(d.download.name)}">${esc(d.download.label)}</a>`
    : "";
  block.link.style.display = d.download ? "" : "none";
  const [head, body] = block.table.children;
  const t = d.table;
  head.innerHTML = `<tr>${t.head.map((h) => `<th scope="col">${esc(h)}</th>`).join("")}</tr>`;
  body.innerHTML = t.rows
    .map(([name, ...cells]) => `<tr><th scope="row">${esc(name)}</th>${cells.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`)
    .join("");
  block.table.style.display = t.rows.length ? "" : "none";
  let entry = panels.get(d.chart.id);
  if (!entry) {
    entry = create();
    panels.set(d.chart.id, entry);
  }
  if (entry.box.parentElement !== block.holder) block.holder.appendChild(entry.box);
  show(entry, block.holder, d.chart);
}

// The Train button of a page whose panel streams (`kind: "train"`). It starts the run
// with one request to the server and the panel follows the new run's stream: no script
// run, so neither the server's Python nor the browser's pass through the app's element
// tree competes with the first steps of training. The last run's results make way; the
// new run's last frame brings its own. When the request fails, or the panel is not on
// the page, the button asks for a rerun (`train`), in which the script starts the run.
const trainers = new Map(); // panel id -> { button, data, component, busy }
function trainButton(component) {
  const { data, parentElement } = component;
  let t = trainers.get(data.id);
  if (!t) {
    style();
    const button = document.createElement("button");
    button.type = "button";
    button.className = "probnn-train";
    t = { button, busy: false };
    button.addEventListener("click", () => press(t));
    trainers.set(data.id, t);
  }
  t.data = data;
  t.component = component;
  t.button.textContent = data.label;
  if (t.button.parentElement !== parentElement) parentElement.appendChild(t.button);
}

async function press(t) {
  if (t.busy) return;
  t.busy = true;
  const { data, component } = t;
  let reply = null;
  try {
    const response = await fetch(base() + data.start, {
      method: "POST",
      cache: "no-store",
      credentials: "same-origin",
      headers: xsrfHeaders(),
    });
    reply = response.ok ? await response.json() : null;
  } catch (error) {
    reply = null;
  } finally {
    t.busy = false;
  }
  const entry = panels.get(data.id);
  if (!reply || typeof reply.version !== "number" || !entry || !entry.component || !entry.box.isConnected) {
    component.setTriggerValue("train", Date.now());
    return;
  }
  const block = blocks.get(data.results);
  const waiting = afters.get(data.id);
  const parent = (block && block.root.parentElement) || (waiting && waiting.parent);
  if (block) block.root.remove();
  if (parent) afters.set(data.id, Object.assign(waiting || {}, { id: data.results, parent, after: reply.version }));
  follow(entry, Object.assign({}, data.stream, { after: reply.version }));
}

// Streamlit's XSRF protection, sent as its own uploads send it: the token of the
// `_streamlit_xsrf` cookie (set by the server with the page) in the X-Xsrftoken header.
// The start route refuses a post without it while server.enableXsrfProtection is on;
// with protection off there is no cookie, and nothing to send.
function xsrfHeaders() {
  let cookies = "";
  try {
    cookies = document.cookie;
  } catch (error) {
    return {};
  }
  const match = cookies.match(/(?:^|;\s*)_streamlit_xsrf=([^;]*)/);
  return match ? { "X-Xsrftoken": match[1] } : {};
}

// The results block's rules, added to the page once. Sizes in rem follow the app's
// font size; colours are the app's theme (.streamlit/config.toml).
function style() {
  if (document.getElementById("probnn-style")) return;
  const css = document.createElement("style");
  css.id = "probnn-style";
  css.textContent = `
.probnn-results { display: flex; flex-wrap: wrap; gap: 1rem 3rem; align-items: flex-start; }
.probnn-results h3 { flex: 1 0 100%; margin: 0; padding: 0.75rem 0 0; font-size: 1.75rem;
  font-weight: 600; line-height: 1.2; letter-spacing: -0.005em; color: inherit; }
.probnn-results .probnn-left { flex: 1.2 1 20rem; min-width: 0; }
.probnn-results .probnn-right { flex: 1 1 17rem; min-width: 0; }
.probnn-results p { margin: 0 0 1rem; line-height: 1.6; }
.probnn-download { display: inline-flex; align-items: center; min-height: 2.5rem;
  padding: 0.25rem 0.75rem; border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem;
  color: inherit; background: #ffffff; text-decoration: none; }
.probnn-download:hover { border-color: #1f5fbf; color: #1f5fbf; }
.probnn-download:focus-visible { outline: 2px solid #1f5fbf; outline-offset: 2px; }
.probnn-table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
.probnn-table th, .probnn-table td { border: 1px solid rgba(49, 51, 63, 0.2);
  padding: 0.5rem 0.75rem; vertical-align: middle; }
.probnn-table thead th, .probnn-table td { text-align: right; }
.probnn-table tbody th { text-align: left; font-weight: normal; }
.probnn-train { display: inline-flex; align-items: center; justify-content: center;
  width: 100%; min-height: 2.5rem; margin: 0; padding: 0.25rem 0.75rem;
  border: 1px solid #1f5fbf; border-radius: 0.5rem; background: #1f5fbf; color: #ffffff;
  font: inherit; line-height: 1.6; cursor: pointer; user-select: none; }
.probnn-train:hover { background: #153f7f; border-color: #153f7f; }
.probnn-train:focus-visible { outline: 2px solid #1f5fbf; outline-offset: 2px; }
`;
  document.head.appendChild(css);
}

// True when `mount` ([server process, number]) is older than the one `holder` (a panel
// entry or a status line) was last shown in: that element is on its way out of the page,
// so the call is ignored. Records `mount` otherwise.
function older(holder, mount) {
  const last = holder.mount;
  if (mount && last && mount[0] === last[0] && mount[1] < last[1]) return true;
  if (mount) holder.mount = mount;
  return false;
}

// The status line's markdown: bold and line breaks, the rest as text.
function markdown(text) {
  return esc(text)
    .replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>")
    .replace(/ {2}\n/g, "<br>\n");
}

// While a run streams, the status line changes at most this often (ms): every change
// of the page's text costs the browser a layout of the whole page, and numbers that
// change a dozen times a second cannot be read anyway. The canvas shows every frame.
const STATUS_EVERY = 250;

// Draw one frame. A new p(y|x) picture comes as raw colour bytes: they are copied onto a
// small canvas of their own (no image file to decode), which paint() scales up.
function show(entry, parent, data) {
  entry.canvas.setAttribute("aria-label", data.label);
  const line = statuses.get(data.id);
  if (data.status && line && line.isConnected) {
    const now = performance.now();
    if (!data.running || !(now - entry.statusAt < STATUS_EVERY)) {
      line.innerHTML = markdown(data.status);
      entry.statusAt = now;
    }
  }
  const right = data.right;
  if (right && right.kind === "map" && right.picture && right.picture.rgb !== entry.pixels) {
    entry.map = picture(entry.map, right.picture);
    entry.pixels = right.picture.rgb;
  }
  paint(entry, parent, data);
  if (data.results) fill(data);
}

// A panel frame with `results` (the stream's last frame: the run is over) fills the
// empty block mounted for them, if that block waits for a frame this new.
function fill(frame) {
  const after = frame.results && afters.get(frame.id);
  if (after && after.id === frame.results.id && frame.version > after.after && after.parent.isConnected) {
    results(frame.results, after.parent);
  }
}

// Copy a picture ({w, h, rgb: base64 of the colour bytes, top row first}) onto `map`
// (a canvas of the picture's size, made when needed); returns the canvas.
function picture(map, p) {
  if (!map || map.width !== p.w || map.height !== p.h) {
    map = document.createElement("canvas");
    map.width = p.w;
    map.height = p.h;
  }
  const bytes = atob(p.rgb);
  const pixels = new ImageData(p.w, p.h);
  const out = pixels.data;
  for (let i = 0, j = 0; j < out.length; i += 3, j += 4) {
    out[j] = bytes.charCodeAt(i);
    out[j + 1] = bytes.charCodeAt(i + 1);
    out[j + 2] = bytes.charCodeAt(i + 2);
    out[j + 3] = 255;
  }
  map.getContext("2d").putImageData(pixels, 0, 0);
  return map;
}

// The app's base URL: where Streamlit's own scripts are served from.
function base() {
  const script = document.querySelector('script[type="module"][src*="/static/js/"]');
  if (script) return script.src.slice(0, script.src.indexOf("static/js/"));
  return new URL("./", document.baseURI).href;
}

// Follow a training run's frames until it stops, a later mount replaces this stream,
// the panel leaves the page or the server has no such stream any more. They come as one
// response with a frame per line (`stream.lines`); when that brings nothing for a while
// (a proxy may hold the response back until it ends), one request per frame
// (`stream.path`, which waits for a newer frame before it answers). A last frame that
// says `rerun` (the page has more to show: why the run diverged, a note) asks the
// script to run again through the mount's `ended` event; a stream that fails before
// its last frame, through `lost` (when the panel's mount has those `events`).
async function follow(entry, stream) {
  const { component } = entry;
  const me = {};
  entry.follow = me;
  const state = { after: stream.after, over: false, lost: false };
  const mine = () => entry.follow === me && entry.box.isConnected;
  const live = () => mine() && !state.over;
  const events = new Set(component.data.events || []);
  const ask = (event) => events.has(event) && component.setTriggerValue(event, state.after);
  const take = (frame) => {
    if (frame.error) {
      state.over = state.lost = true; // the page keeps its last frame
      return;
    }
    if (frame.version === undefined || !live()) return; // "{}": nothing newer yet
    state.after = frame.version;
    show(entry, entry.box.parentElement, frame);
    if (!frame.running) {
      state.over = true;
      if (frame.rerun) ask("ended");
    }
  };
  if (stream.lines && window.ReadableStream && window.AbortController) {
    while (live() && (await readLines(base() + stream.lines, state, take, live))) {
      // the server ends a stream after a while; open the next one
    }
  }
  while (live()) {
    try {
      const response = await fetch(`${base()}${stream.path}?after=${state.after}`, { cache: "no-store" });
      if (!response.ok) break;
      take(await response.json());
    } catch (error) {
      break;
    }
  }
  // neither replaced nor gone, and no last frame: the script draws the run from now on
  if (mine() && (state.lost || !state.over)) ask("lost");
  if (entry.follow === me) entry.follow = null;
}

// Read one streamed response line by line, giving each frame to `take` while `live()`.
// True when it ended normally (so another may be opened); false when it failed or
// brought nothing within FIRST_LINE ms, and frames should be asked for one at a time.
const FIRST_LINE = 3000;
async function readLines(url, state, take, live) {
  const abort = new AbortController();
  let heard = false;
  const timer = setTimeout(() => heard || abort.abort(), FIRST_LINE);
  try {
    const response = await fetch(`${url}?after=${state.after}`, { cache: "no-store", signal: abort.signal });
    if (!response.ok || !response.body) return false;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let text = "";
    let before = null; // this response's last frame: what a line names in `same` comes from it
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return heard; // after the last frame, the server ends the response
      heard = true;
      text += decoder.decode(value, { stream: true });
      let end;
      while ((end = text.indexOf("\n")) >= 0) {
        const line = text.slice(0, end);
        text = text.slice(end + 1);
        if (!line) continue;
        const frame = unelide(JSON.parse(line), before);
        if (frame.version !== undefined) before = frame;
        take(frame);
      }
      if (!live() && !state.over) {
        abort.abort(); // replaced or gone: let the server stop sending
        return true;
      }
    }
  } catch (error) {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

// A streamed line leaves out what has not changed since the line before (ui/frames.py,
// _elide): `same` lists the paths ([key] or [key, inner key]) to copy from that frame.
function unelide(frame, before) {
  if (!frame.same) return frame;
  for (const path of frame.same) {
    const last = path[path.length - 1];
    let from = before;
    let to = frame;
    for (const key of path.slice(0, -1)) {
      from = from ? from[key] : undefined;
      to = to[key];
    }
    if (from && to && from[last] !== undefined) to[last] = from[last];
  }
  delete frame.same;
  return frame;
}

function create() {
  const box = document.createElement("div");
  box.style.position = "relative";
  const canvas = document.createElement("canvas");
  canvas.className = "probnn-live";
  canvas.setAttribute("role", "img");
  const tip = document.createElement("div");
  tip.className = "probnn-live-tip";
  Object.assign(tip.style, {
    position: "absolute",
    display: "none",
    pointerEvents: "none",
    background: "rgba(255,255,255,0.96)",
    border: "1px solid #9aa0a6",
    borderRadius: "4px",
    padding: "4px 8px",
    font: `16px ${FONT}`,
    color: INK,
    whiteSpace: "nowrap",
    zIndex: 5,
  });
  box.append(canvas, tip);
  const entry = { box, canvas, tip, map: null, pixels: null, layout: null, statusAt: -Infinity };
  canvas.addEventListener("mousemove", (event) => hover(entry, event));
  canvas.addEventListener("mouseleave", () => (tip.style.display = "none"));
  // repaint the last frame when the page's width changes (a resized window, the sidebar)
  new ResizeObserver(() => {
    const parent = box.parentElement;
    if (entry.frame && parent && parent.clientWidth && parent.clientWidth !== entry.width) {
      paint(entry, parent, entry.frame);
    }
  }).observe(box);
  return entry;
}

// ------------------------------------------------------------------------ scales

function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const ratio = raw / power;
  return power * (ratio >= 7.5 ? 10 : ratio >= 3.5 ? 5 : ratio >= 1.5 ? 2 : 1);
}

function nice(lo, hi, count) {
  if (!isFinite(lo) || !isFinite(hi)) return [0, 1, 0.2];
  if (hi - lo < 1e-12) {
    const pad = Math.abs(hi) * 0.1 || 1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, count);
  return [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step, step];
}

function ticks(lo, hi, step) {
  const out = [];
  const first = Math.ceil(lo / step - 1e-9);
  for (let k = first; k * step <= hi + step * 1e-9; k++) out.push(k * step);
  return out;
}

function label(value, step) {
  if (Math.abs(value) < step * 1e-6) return "0";
  const abs = Math.abs(value);
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  let text;
  if (abs >= 1e5 || abs < 1e-3) text = value.toExponential(1).replace("e+", "e");
  else if (abs >= 1000) text = Number(value.toFixed(Math.min(digits, 6))).toLocaleString("en-US");
  else text = value.toFixed(Math.min(digits, 6));
  return text.replace("-", "\u2212"); // a typographic minus, as the other charts show
}

function range(arrays) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const values of arrays) {
    for (const v of values || []) {
      if (v === null || !isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return [lo, hi];
}

// ------------------------------------------------------------------------ drawing

// Where each text of the frame being painted went (device pixels: its corners through
// the canvas's transform); paint() names them on the canvas (data-texts).
let TEXTS = [];

function text(g, value, x, y, { size = 16, weight = "normal", colour = MUTED, align = "left", baseline = "middle", halo = false } = {}) {
  g.font = `${weight} ${size}px ${FONT}`;
  g.fillStyle = colour;
  g.textAlign = align;
  g.textBaseline = baseline;
  if (halo) {
    // a white edge: readable where it crosses a curve or a grid line
    g.save();
    g.strokeStyle = "rgba(255,255,255,0.9)";
    g.lineWidth = 4;
    g.lineJoin = "round";
    g.strokeText(value, x, y);
    g.restore();
  }
  g.fillText(value, x, y);
  const m = g.measureText(value);
  const t = g.getTransform();
  const corners = [
    [x - m.actualBoundingBoxLeft, y - m.actualBoundingBoxAscent],
    [x + m.actualBoundingBoxRight, y + m.actualBoundingBoxDescent],
    [x - m.actualBoundingBoxLeft, y + m.actualBoundingBoxDescent],
    [x + m.actualBoundingBoxRight, y - m.actualBoundingBoxAscent],
  ].map(([a, b]) => [t.a * a + t.c * b + t.e, t.b * a + t.d * b + t.f]);
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  TEXTS.push([String(value), Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]);
}

function vtext(g, value, x, y, options) {
  g.save();
  g.translate(x, y);
  g.rotate(-Math.PI / 2);
  text(g, value, 0, 0, { align: "center", ...options });
  g.restore();
}

// A plot frame: grid, ticks and titles; returns the data -> pixel mapping.
// `yLabel(t, step)`: the text of a y tick (by default the value itself); `yAt`: where
// the y ticks go (by default at round steps).
function frame(g, box, xd, yd, { xTitle, yTitle, xTicks = 5, yTicks = 5, grid = true, yLabel = label, yAt = null }) {
  const [x0, x1, xs] = xd.fixed ? [xd.lo, xd.hi, niceStep(xd.hi - xd.lo, xTicks)] : nice(xd.lo, xd.hi, xTicks);
  const [y0, y1, ys] = yd.fixed ? [yd.lo, yd.hi, niceStep(yd.hi - yd.lo, yTicks)] : nice(yd.lo, yd.hi, yTicks);
  const px = (x) => box.x + ((x - x0) / (x1 - x0)) * box.w;
  const py = (y) => box.y + box.h - ((y - y0) / (y1 - y0)) * box.h;
  g.lineWidth = 1;
  for (const t of yAt || ticks(y0, y1, ys)) {
    const y = Math.round(py(t)) + 0.5;
    if (grid) {
      g.strokeStyle = GRID;
      g.beginPath();
      g.moveTo(box.x, y);
      g.lineTo(box.x + box.w, y);
      g.stroke();
    }
    text(g, yLabel(t, ys), box.x - 7, y, { align: "right", size: TICK });
  }
  for (const t of ticks(x0, x1, xs)) {
    const x = Math.round(px(t)) + 0.5;
    if (grid) {
      g.strokeStyle = GRID;
      g.beginPath();
      g.moveTo(x, box.y);
      g.lineTo(x, box.y + box.h);
      g.stroke();
    }
    text(g, label(t, xs), x, box.y + box.h + 14, { align: "center", size: TICK });
  }
  g.strokeStyle = AXIS;
  g.strokeRect(box.x + 0.5, box.y + 0.5, box.w, box.h);
  if (xTitle) text(g, xTitle, box.x + box.w / 2, box.y + box.h + 36, { size: TITLE, colour: INK, align: "center" });
  if (yTitle) vtext(g, yTitle, box.x - 52, box.y + box.h / 2, { size: TITLE, colour: INK });
  const ix = (X) => x0 + ((X - box.x) / box.w) * (x1 - x0);
  const iy = (Y) => y0 + ((box.y + box.h - Y) / box.h) * (y1 - y0);
  return { px, py, ix, iy };
}

function polyline(g, box, map, xs, ys, colour, dash, width = 2.5) {
  g.save();
  g.beginPath();
  g.rect(box.x, box.y, box.w, box.h);
  g.clip();
  g.strokeStyle = colour;
  g.lineWidth = width;
  g.lineJoin = "round";
  g.setLineDash(dash || []);
  g.beginPath();
  let open = false;
  for (let i = 0; i < xs.length; i++) {
    const y = ys[i];
    if (y === null || !isFinite(y)) {
      open = false;
      continue;
    }
    const X = map.px(xs[i]);
    const Y = map.py(y);
    if (open) g.lineTo(X, Y);
    else g.moveTo(X, Y);
    open = true;
  }
  g.stroke();
  g.restore();
}

function marker(g, shape, x, y, r) {
  g.beginPath();
  if (shape === "triangle-up") {
    g.moveTo(x, y - r * 1.15);
    g.lineTo(x + r, y + r * 0.75);
    g.lineTo(x - r, y + r * 0.75);
    g.closePath();
  } else if (shape === "square") {
    g.rect(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7);
  } else if (shape === "diamond") {
    g.moveTo(x, y - r * 1.2);
    g.lineTo(x + r, y);
    g.lineTo(x, y + r * 1.2);
    g.lineTo(x - r, y);
    g.closePath();
  } else if (shape === "triangle-down") {
    g.moveTo(x, y + r * 1.15);
    g.lineTo(x + r, y - r * 0.75);
    g.lineTo(x - r, y - r * 0.75);
    g.closePath();
  } else {
    g.arc(x, y, r, 0, 2 * Math.PI);
  }
}

// The data never move while a run trains: the points are drawn once onto a layer of the
// canvas's size and copied onto each frame (one image copy instead of hundreds of
// markers); redrawn when the canvas, the box, the scales or the points change (`slot`:
// one layer per plot of the canvas).
function pointLayer(entry, box, map, pts, styles, radius, dpr, slot = 0, radii = null) {
  const { canvas } = entry;
  const key = [
    canvas.width, canvas.height, dpr, box.x, box.y, box.w, box.h,
    map.px(0), map.px(1), map.py(0), map.py(1), radius, JSON.stringify(styles), signature(pts),
    radii ? radii.join(",") : "",
  ].join("|");
  entry.layers = entry.layers || [];
  entry.layerKeys = entry.layerKeys || [];
  if (entry.layerKeys[slot] !== key) {
    const layer = entry.layers[slot] || document.createElement("canvas");
    layer.width = canvas.width; // also clears it
    layer.height = canvas.height;
    const g = layer.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    points(g, box, map, pts, styles, radii || radius);
    entry.layers[slot] = layer;
    entry.layerKeys[slot] = key;
  }
  return entry.layers[slot];
}

// A number that changes when any point or class changes (weighted sums of the columns).
function signature(pts) {
  let x = 0, y = 0, c = 0;
  for (let i = 0; i < pts.x.length; i++) {
    x += (pts.x[i] ?? 0.5) * (i + 1);
    y += (pts.y[i] ?? 0.5) * (i + 1);
    c += (pts.c[i] ?? 0) * (i + 1);
  }
  return `${pts.x.length}:${x}:${y}:${c}`;
}

function copyLayer(g, layer) {
  g.save();
  g.setTransform(1, 0, 0, 1, 0, 0);
  g.drawImage(layer, 0, 0);
  g.restore();
}

function points(g, box, map, pts, styles, radius) {
  g.save();
  g.beginPath();
  g.rect(box.x, box.y, box.w, box.h);
  g.clip();
  for (let i = 0; i < pts.x.length; i++) {
    const s = styles[pts.c[i]] || styles[0];
    marker(g, s.shape, map.px(pts.x[i]), map.py(pts.y[i]), Array.isArray(radius) ? radius[i] : radius);
    g.globalAlpha = s.alpha ?? 1;
    g.fillStyle = s.fill;
    g.fill();
    g.globalAlpha = 1;
    if (s.stroke) {
      g.strokeStyle = s.stroke;
      g.lineWidth = 0.8;
      g.stroke();
    }
  }
  g.restore();
}

// The radius of each point when the points are sized by their surprise -log q(y|x)
// (null otherwise): the area grows linearly with it above the least surprised point's.
function sizes(r, radius) {
  if (!r.size_by_surprise || !r.surprise) return null;
  const [lo] = range([r.surprise]);
  return r.surprise.map((v) =>
    v === null || !isFinite(v) ? radius : Math.round(10 * Math.min(15, Math.sqrt(radius * radius * 0.5 + 14 * (v - lo)))) / 10,
  );
}

// Under the map or fit, when the points are sized by their surprise: what the size says.
function surpriseKey(g, r, x, y) {
  if (!r.size_by_surprise) return;
  const head = "point area: surprise \u2212log q(y|x)";
  const known = r.surprise_mean !== null && r.surprise_mean !== undefined;
  const mean = known ? `mean over the training points ${fmt(r.surprise_mean)} nats` : "";
  g.font = `16px ${FONT}`;
  if (!mean || x + g.measureText(`${head}; ${mean}`).width <= g.canvas.clientWidth - 4) {
    text(g, mean ? `${head}; ${mean}` : head, x, y, { size: 16, colour: INK });
  } else {
    text(g, head, x, y, { size: 16, colour: INK }); // a narrow panel: on two lines
    text(g, mean, x, y + 22, { size: 16, colour: INK });
  }
}

// True when every finite value is above 0 (a log scale can show them all).
function positive(arrays) {
  for (const values of arrays) for (const v of values || []) if (v !== null && isFinite(v) && v <= 0) return false;
  return true;
}

function lineKey(g, x, y, colour, dash, name) {
  g.strokeStyle = colour;
  g.lineWidth = 3;
  g.setLineDash(dash || []);
  g.beginPath();
  g.moveTo(x, y);
  g.lineTo(x + 26, y);
  g.stroke();
  g.setLineDash([]);
  text(g, name, x + 32, y, { size: 16, colour: INK });
  g.font = `16px ${FONT}`;
  return x + 32 + g.measureText(name).width + 22;
}

// ------------------------------------------------------------------------ the panel

// Size the canvas to its parent's width and the frame's height; returns the context,
// cleared, in CSS pixels.
function surface(entry, parent, d, minWidth, fixed) {
  const { canvas } = entry;
  entry.frame = d;
  entry.layout = { data: d, boxes: [] };
  const width = Math.max(minWidth, Math.floor(parent.clientWidth || d.width || 760));
  entry.width = parent.clientWidth;
  const height = fixed || d.height;
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
  }
  const g = canvas.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, width, height);
  return { g, width, height, dpr, layout: entry.layout };
}

// Paint a frame; the canvas then names where its plots are (data-boxes: kind, x, y, w,
// h in CSS pixels), for tests and tools that look at the picture.
// Its texts too (data-texts: text, left, top, right, bottom in CSS pixels).
function paint(entry, parent, d) {
  TEXTS = [];
  draw(entry, parent, d);
  const boxes = (entry.layout ? entry.layout.boxes : []).map(({ kind, box }) => [kind, box.x, box.y, box.w, box.h]);
  entry.canvas.dataset.boxes = JSON.stringify(boxes);
  const dpr = window.devicePixelRatio || 1;
  const round = (v) => Math.round((v / dpr) * 10) / 10;
  entry.canvas.dataset.texts = JSON.stringify(TEXTS.map(([t, ...xy]) => [t, ...xy.map(round)]));
  TEXTS = [];
}

function draw(entry, parent, d) {
  if (d.kind === "scatter") return scatter(entry, parent, d);
  if (d.kind === "compare") return compare(entry, parent, d);
  const place = panelLayout(Math.max(300, Math.floor(parent.clientWidth || 760)), d);
  const { g, width, dpr, layout } = surface(entry, parent, d, 300, place.height);
  const height = place.curves; // the curves' part of the canvas
  const colours = entry.map; // the p(y|x) picture at its own size
  const leftWidth = place.leftWidth;

  // header: the step and the legend of the loss curves
  text(g, d.label, 66, 12, { size: 16, weight: "bold", colour: INK });
  g.font = `bold 16px ${FONT}`;
  let x = 66 + g.measureText(d.label).width + 28;
  d.series.forEach((s, i) => {
    x = lineKey(g, x, 12, s.colour, i ? [7, 4] : [], s.name);
  });

  // the loss curves
  const loss = { x: 66, y: 34, w: leftWidth - 82, h: Math.round(height * 0.46) };
  // on a log scale (asked for, and every loss above 0) the curves are drawn as log10
  const raw = d.floor && isFinite(d.floor.value) ? d.floor : null;
  // the truth's own loss on the test points: the second line, the one the gap goes to
  const own = raw && raw.own !== undefined && raw.own !== null && isFinite(raw.own) ? raw.own : null;
  const lines = raw ? [raw.value].concat(own === null ? [] : [own]) : [];
  const log = Boolean(d.log) && positive(d.series.map((s) => s.y).concat([lines]));
  const ys = d.series.map((s) => (log ? s.y.map((v) => (v > 0 ? Math.log10(v) : null)) : s.y));
  const scaled = (v) => (log ? Math.log10(v) : v);
  const floor = raw && { ...raw, value: scaled(raw.value), own: own === null ? null : scaled(own) };
  let [lo, hi] = range(ys);
  const [flo, fhi] = range([lines.map(scaled)]);
  if (!isFinite(lo) && floor) {
    // no curve yet: the floor in a range that a first loss will not upset much
    [lo, hi] = log ? [flo - 1, Math.max(0, fhi + 1)] : [Math.min(0, flo), Math.max(1, 2 * fhi)];
  } else if (floor) [lo, hi] = [Math.min(lo, flo), Math.max(hi, fhi)];
  if (!isFinite(lo)) [lo, hi] = log ? [-2, 0] : [0, 1];
  if (!log && lo >= 0 && lo < 0.4 * hi) lo = 0;
  const xd = { lo: 0, hi: Math.max(1, d.steps), fixed: false };
  const scale = log ? decades(lo, hi) : { lo, hi, at: null };
  let yTitle = d.loss_title;
  if (d.log) yTitle += log ? ", log scale" : " (log scale: losses ≤ 0)";
  const lossMap = frame(g, loss, xd, { lo: scale.lo, hi: scale.hi, fixed: log }, {
    yTitle,
    yLabel: log ? (t) => power(10 ** t) : label,
    yAt: scale.at,
  });
  layout.boxes.push({ kind: "loss", box: loss, map: lossMap });
  if (floor) floorLine(g, loss, lossMap, floor, { x: d.series[1].x, y: ys[1] });
  d.series.forEach((s, i) => polyline(g, loss, lossMap, s.x, ys[i], s.colour, i ? [7, 4] : []));

  // the test metric
  const metric = { x: 66, y: loss.y + loss.h + 36, w: loss.w, h: height - (loss.y + loss.h + 36) - 46 };
  const m = d.metric;
  let md;
  if (m.domain) md = { lo: m.domain[0], hi: m.domain[1], fixed: true };
  else {
    const [a, b] = range([m.y]);
    md = isFinite(a) ? { lo: a, hi: b } : { lo: 0, hi: 1 };
  }
  const percent = m.title === "accuracy"; // shown as a percentage
  const metricMap = frame(g, metric, xd, md, {
    xTitle: "optimiser step",
    yTitle: percent ? "accuracy (%)" : m.title,
    yTicks: 2,
    yLabel: percent ? (t) => `${Math.round(t * 100)}` : label,
  });
  layout.boxes.push({ kind: "metric", box: metric, map: metricMap });
  polyline(g, metric, metricMap, m.x, m.y, m.colour, []);

  if (!d.right) return;
  const r = d.right;
  const { size } = place.map;
  const box = { x: place.map.x, y: place.map.y, w: size, h: size };
  if (r.kind === "map") {
    const xdm = { lo: r.extent[0], hi: r.extent[1], fixed: true };
    const ydm = { lo: r.extent[2], hi: r.extent[3], fixed: true };
    if (colours) {
      g.imageSmoothingEnabled = true;
      g.imageSmoothingQuality = "low"; // bilinear: "high" costs 4 ms a frame in software
      g.drawImage(colours, box.x, box.y, box.w, box.h);
    }
    const map = frame(g, box, xdm, ydm, { xTitle: r.x_title, yTitle: r.y_title, grid: false });
    layout.boxes.push({ kind: "map", box, map });
    if (r.truth) {
      // the true p(y|x) in place of the model's: say so on the picture
      const note = "the truth: Bayes-optimal p(y|x)";
      g.font = `bold 16px ${FONT}`;
      g.fillStyle = "rgba(255,255,255,0.85)";
      g.fillRect(box.x + 6, box.y + 6, g.measureText(note).width + 12, 26);
      text(g, note, box.x + 12, box.y + 19, { weight: "bold", colour: INK });
    }
    copyLayer(g, pointLayer(entry, box, map, r.points, r.styles, 4, dpr, 0, sizes(r, 4)));
    const below = legendMap(g, r, box.x, box.y + box.h + 58);
    surpriseKey(g, r, box.x, below + 26);
  } else {
    const [xa, xb] = range([r.points.x, r.x]);
    const ydm = { lo: r.y_domain[0], hi: r.y_domain[1], fixed: false };
    const map = frame(g, box, { lo: xa, hi: xb }, ydm, { xTitle: r.x_title, yTitle: r.y_title });
    layout.boxes.push({ kind: "fit", box, map });
    if (r.lo && r.hi) {
      g.save();
      g.beginPath();
      g.rect(box.x, box.y, box.w, box.h);
      g.clip();
      g.beginPath();
      for (let i = 0; i < r.x.length; i++) g.lineTo(map.px(r.x[i]), map.py(r.hi[i]));
      for (let i = r.x.length - 1; i >= 0; i--) g.lineTo(map.px(r.x[i]), map.py(r.lo[i]));
      g.closePath();
      g.globalAlpha = 0.22;
      g.fillStyle = r.colour;
      g.fill();
      g.restore();
    }
    copyLayer(g, pointLayer(entry, box, map, r.points, r.styles, 3.2, dpr, 0, sizes(r, 3.2)));
    polyline(g, box, map, r.x, r.mean, r.colour, [], 3);
    const below = legendFit(g, r, box.x, box.y + box.h + 58);
    surpriseKey(g, r, box.x, below + 30);
  }
}

// The floor H(Y|X) of the data: a labelled horizontal line on the loss chart (no model's
// expected test loss goes below it); when the frame has it and it differs visibly, a
// thin second line, the truth's own loss on this test set; and the gap from the latest
// test loss to that line (the KL estimate), a bracket at the test curve's last point.
// Every label stays inside the plot (clear of the axis' tick labels), in the shorter of
// its texts when the longer does not fit, with a white edge where it crosses a curve.
const FLOOR = "#2e7d32";
function floorLine(g, box, map, floor, test) {
  const level = (v) => Math.round(map.py(v)) + 0.5;
  const inside = (y) => y >= box.y && y <= box.y + box.h + 1;
  const yF = level(floor.value);
  const hasOwn = floor.own !== null && floor.own !== undefined && isFinite(floor.own);
  const yO = hasOwn ? level(floor.own) : yF;
  const second = hasOwn && Math.abs(yO - yF) >= 4 && inside(yO); // a line of its own
  g.save();
  g.strokeStyle = FLOOR;
  const across = (y, width, dash) => {
    g.lineWidth = width;
    g.setLineDash(dash);
    g.beginPath();
    g.moveTo(box.x, y);
    g.lineTo(box.x + box.w, y);
    g.stroke();
  };
  if (inside(yF)) across(yF, 2, [10, 5]); // the floor: dashed
  if (second) across(yO, 1.25, [2, 3]); // the truth on this test set: dotted, thinner
  g.setLineDash([]);
  const labels = []; // { text, x, y, align, bold }
  const right = box.x + box.w - 8;
  const room = box.w - 16;
  const bottom = box.y + box.h;
  // the test loss at its last evaluation: the bracket's end
  const n = test && test.y ? test.y.length : 0;
  const last = n && floor.gap && test.y[n - 1] !== null && isFinite(test.y[n - 1]);
  const Y = last ? Math.max(box.y, Math.min(bottom, map.py(test.y[n - 1]))) : null;
  const target = hasOwn && inside(yO) ? yO : yF; // where the gap is measured to
  // each line's label on the side away from the other line (and from the test curve
  // when it has dipped below the floor)
  const ownBelow = second && yO > yF;
  const under = last && Y > target + 0.5;
  if (inside(yF)) {
    const above = second ? ownBelow : under || bottom - yF < 24;
    labels.push({ text: fitting(g, [floor.label, floor.label_short], room, true), x: right, y: above ? yF - 12 : yF + 13, align: "right", bold: true });
  }
  if (second) {
    const y = ownBelow ? yO + 13 : yO - 12;
    labels.push({ text: fitting(g, [floor.own_label, floor.own_short], room, false), x: right, y, align: "right", bold: false });
  }
  if (last) {
    const X = Math.round(map.px(test.x[n - 1])) + 0.5;
    if (Math.abs(Y - target) > 6) {
      g.strokeStyle = FLOOR;
      g.lineWidth = 1.5;
      g.beginPath();
      g.moveTo(X - 5, Y);
      g.lineTo(X + 5, Y);
      g.moveTo(X, Y);
      g.lineTo(X, target);
      g.moveTo(X - 5, target);
      g.lineTo(X + 5, target);
      g.stroke();
    }
    // left of the bracket when there is room there, else right of it
    const leftRoom = X - 8 - (box.x + 8);
    const rightRoom = box.x + box.w - 8 - (X + 8);
    const onLeft = leftRoom >= rightRoom || fits(g, [floor.gap, floor.gap_short], leftRoom);
    const words = fitting(g, [floor.gap, floor.gap_short], onLeft ? leftRoom : rightRoom, false);
    // a short bracket: the text beside the pair, away from the lines' labels
    const away = second ? !ownBelow : !under;
    const y = Math.abs(Y - target) >= 30 ? (Y + target) / 2 : away ? Math.max(Y, target) + 14 : Math.min(Y, target) - 14;
    labels.push({ text: words, x: onLeft ? X - 8 : X + 8, y, align: onLeft ? "right" : "left", bold: false });
  }
  // no two labels on one another, none on a line, all of them inside the plot: from the
  // lowest up, each label at most where it asked to be, 20 px above the one below it, and
  // lifted clear of a line it would sit on (the lines crowd the bottom after a short run,
  // where the y axis still spans the first loss); top down as before when that runs out
  // of room at the top
  const lines = [inside(yF) ? yF : null, second ? yO : null].filter((y) => y !== null);
  const clear = (y) => {
    for (let k = 0; k < lines.length; k++) {
      const hit = lines.find((line) => Math.abs(y - line) < 10);
      if (hit === undefined) break;
      y = hit - 11;
    }
    return y;
  };
  for (const l of labels) l.want = l.y;
  labels.sort((p, q) => q.y - p.y);
  let limit = bottom - 10;
  for (const l of labels) {
    l.y = clear(Math.min(l.y, limit));
    limit = l.y - 20;
  }
  if (labels.length && labels[labels.length - 1].y < box.y + 10) {
    for (const l of labels) l.y = l.want;
    labels.sort((p, q) => p.y - q.y);
    for (let i = 1; i < labels.length; i++) labels[i].y = Math.max(labels[i].y, labels[i - 1].y + 20);
    const over = labels[labels.length - 1].y - (bottom - 10);
    if (over > 0) labels.forEach((l) => (l.y -= over));
  }
  for (const l of labels) l.y = Math.max(box.y + 10, l.y);
  for (const l of labels) {
    g.font = `${l.bold ? "bold " : ""}16px ${FONT}`;
    const w = g.measureText(l.text).width;
    // never past the plot's left edge (the y axis' tick labels are there)
    const x = l.align === "right" ? Math.max(l.x, box.x + 4 + w) : Math.min(l.x, box.x + box.w - 4 - w);
    text(g, l.text, Math.max(box.x + 4, x), l.y, { size: 16, colour: FLOOR, weight: l.bold ? "bold" : "normal", align: l.align, halo: true });
  }
  g.restore();
}

// True when the longest of `variants` fits in `room` px (16 px text).
function fits(g, variants, room) {
  g.font = `16px ${FONT}`;
  return variants.some((v) => v && g.measureText(v).width <= room);
}

// The first (longest) of `variants` that fits in `room` px at 16 px; the shortest when
// none does.
function fitting(g, variants, room, bold) {
  g.font = `${bold ? "bold " : ""}16px ${FONT}`;
  const list = variants.filter(Boolean);
  for (const v of list) if (g.measureText(v).width <= room) return v;
  return list[list.length - 1];
}

// Where the parts of the live panel go at this width: the curves on the left and the
// map (or fit) on the right, as wide as its column lets it be (the canvas grows taller
// with it); below 600 px the curves above and the map under them, as wide as the page.
function panelLayout(width, d) {
  const base = d.height || 470;
  if (!d.right) return { height: base, curves: base, leftWidth: width, map: null };
  let legend = d.right.kind === "map" && d.right.names.length > 3 ? 170 : 150;
  if (width < 600) {
    legend += 40; // a narrow panel's legends take more lines
    const curves = 420;
    const size = Math.max(160, width - 70 - 14);
    return { height: curves + 16 + size + legend, curves, leftWidth: width, map: { x: 70, y: curves + 16, size } };
  }
  const leftWidth = Math.round(width * 0.47);
  const left = leftWidth + 70;
  const size = Math.max(200, Math.min(width - left - 14, 720));
  return { height: Math.max(base, size + 10 + legend), curves: Math.max(base, size + 10 + legend), leftWidth, map: { x: left, y: 10, size } };
}

// The comparison of likelihoods: the same data trained under each. A classifier's runs
// each get a p(y|x) map, side by side, above their overlaid yardstick curves; a
// regression shows the data with every run's fitted mean next to the curves. Each
// run's picture is copied onto a small canvas of its own, as the panel's map is.
function compare(entry, parent, d) {
  const t = d.top;
  const n = d.runs.length;
  const width = Math.max(560, Math.floor(parent.clientWidth || 760));
  const half = Math.round(width * 0.5);
  // the runs' legend sits above their curves, on as many lines as it needs
  const keysX = t.kind === "maps" ? 70 : half + 66;
  const lines = keyLines(entry.canvas.getContext("2d"), d.runs, width - 18 - keysX);
  let size = 0;
  let keysY;
  if (t.kind === "maps") {
    size = Math.max(120, Math.min(320, Math.floor((width - 70 - 18 - (n - 1) * 64) / n)));
    keysY = 34 + size + 74 + 62;
    d.height = keysY + (lines - 1) * 24 + 22 + 190 + 56; // legend, curves, axis
  } else {
    keysY = 14;
  }
  const { g, dpr, layout } = surface(entry, parent, d, 560);
  entry.maps = entry.maps || [];
  entry.pixels = Array.isArray(entry.pixels) ? entry.pixels : [];
  const top = keysY + (lines - 1) * 24 + 22;
  const curves = { x: keysX, y: top, w: width - keysX - 18, h: d.height - top - 56 };
  if (t.kind === "maps") {
    const r = t.right;
    const xdm = { lo: r.extent[0], hi: r.extent[1], fixed: true };
    const ydm = { lo: r.extent[2], hi: r.extent[3], fixed: true };
    d.runs.forEach((run, i) => {
      const box = { x: 70 + i * (size + 64), y: 34, w: size, h: size };
      text(g, run.title, box.x, 14, { size: 16, weight: "bold", colour: INK });
      const pic = t.pictures[i];
      if (pic && pic.rgb !== entry.pixels[i]) {
        entry.maps[i] = picture(entry.maps[i], pic);
        entry.pixels[i] = pic.rgb;
      }
      if (pic && entry.maps[i]) {
        g.imageSmoothingEnabled = true;
        g.imageSmoothingQuality = "low";
        g.drawImage(entry.maps[i], box.x, box.y, box.w, box.h);
      }
      const map = frame(g, box, xdm, ydm, { xTitle: r.x_title, yTitle: i ? null : r.y_title, grid: false });
      layout.boxes.push({ kind: "cmap", box, map, i });
      copyLayer(g, pointLayer(entry, box, map, r.points, r.styles, 3, dpr, i));
    });
    legendMap(g, { ...r, gradient: t.multi ? null : r.gradient }, 70, 34 + size + 74);
  } else {
    const r = t.right;
    const box = { x: 70, y: 12, w: half - 70 - 36, h: d.height - 12 - 110 };
    const [xa, xb] = range([r.points.x, t.x]);
    const ydm = { lo: r.y_domain[0], hi: r.y_domain[1], fixed: false };
    const map = frame(g, box, { lo: xa, hi: xb }, ydm, { xTitle: r.x_title, yTitle: r.y_title });
    layout.boxes.push({ kind: "cfit", box, map });
    copyLayer(g, pointLayer(entry, box, map, r.points, r.styles, 3.2, dpr, 0));
    t.means.forEach((mean, i) => polyline(g, box, map, t.x, mean, d.runs[i].colour, [], 3));
    legendFit(g, r, box.x, box.y + box.h + 58, false); // the runs' colours: above the curves
  }
  // the yardstick, one line per run; on a log scale, its decades are as far apart
  keyLines(g, d.runs, curves.w, keysX, keysY);
  const log = d.curve.log;
  const ys = d.curve.series.map((sr) => (log ? sr.y.map((v) => (v > 0 ? Math.log10(v) : null)) : sr.y));
  const fv = d.floor && isFinite(d.floor.value) ? d.floor.value : null;
  const floor = fv === null || (log && fv <= 0) ? null : { ...d.floor, value: log ? Math.log10(fv) : fv };
  let [lo, hi] = range(floor ? ys.concat([[floor.value]]) : ys);
  if (!isFinite(lo)) [lo, hi] = log ? [-2, 0] : [0, 1];
  if (!log && lo >= 0 && lo < 0.4 * hi) lo = 0;
  const xd = { lo: 0, hi: Math.max(1, d.steps), fixed: false };
  const scale = log ? decades(lo, hi) : { lo, hi, at: null };
  const cmap = frame(g, curves, xd, { lo: scale.lo, hi: scale.hi, fixed: log }, {
    xTitle: "optimiser step",
    yTitle: d.curve.title,
    yLabel: log ? (t) => power(10 ** t) : label,
    yAt: scale.at,
  });
  layout.boxes.push({ kind: "curves", box: curves, map: cmap });
  if (floor) floorLine(g, curves, cmap, floor, null);
  ys.forEach((y, i) => polyline(g, curves, cmap, d.curve.series[i].x, y, d.runs[i].colour, []));
}

// A log scale over log10 values lo..hi: whole decades at its ends, a tick at each
// (every few when there are many), and at 2 and 5 of each decade when there are few.
function decades(lo, hi) {
  const a = Math.floor(lo + 1e-9);
  const b = Math.max(a + 1, Math.ceil(hi - 1e-9));
  const at = [];
  const step = Math.max(1, Math.ceil((b - a) / 5));
  for (let k = a; k <= b; k += step) at.push(k);
  if (b - a <= 2) for (let k = a; k < b; k++) at.push(k + Math.log10(2), k + Math.log10(5));
  return { lo: a, hi: b, at: at.sort((x, y) => x - y) };
}

// A tick of a log scale: 0.05, 1, 20, or 1e−4 for the small and 1e6 for the large.
function power(v) {
  const text = v >= 1e-3 && v < 1e5 ? String(Number(v.toPrecision(2))) : v.toExponential(0).replace("e+", "e");
  return text.replace("-", "\u2212");
}

// The runs' line keys, wrapped to lines of at most `room` px; drawn from (x, y) when
// given. Returns the number of lines.
function keyLines(g, runs, room, x, y) {
  let used = 0;
  let count = 1;
  for (const run of runs) {
    g.font = `16px ${FONT}`;
    const w = 32 + g.measureText(run.title).width;
    if (used > 0 && used + w > room) {
      count += 1;
      used = 0;
    }
    if (x !== undefined) lineKey(g, x + used, y + (count - 1) * 24, run.colour, [], run.title);
    used += w + 22;
  }
  return count;
}

// A small chart of points (the after-training calibration or residuals): axes, a dashed
// reference (the diagonal or the zero line), the points (sized by count when given),
// optionally joined in order.
function scatter(entry, parent, d) {
  const { g, width, height, layout } = surface(entry, parent, d, 320);
  const box = { x: 66, y: 12, w: width - 66 - 18, h: height - 12 - (d.n ? 78 : 56) };
  const xd = d.x_domain ? { lo: d.x_domain[0], hi: d.x_domain[1], fixed: true } : spread(d.x);
  const yd = d.y_domain ? { lo: d.y_domain[0], hi: d.y_domain[1], fixed: true } : spread(d.y, 0);
  const map = frame(g, box, xd, yd, { xTitle: d.x_title, yTitle: d.y_title });
  layout.boxes.push({ kind: "scatter", box, map });
  g.save();
  g.beginPath();
  g.rect(box.x, box.y, box.w, box.h);
  g.clip();
  g.setLineDash([5, 4]);
  g.strokeStyle = "#888888";
  g.lineWidth = 1.5;
  g.beginPath();
  if (d.reference === "diagonal") {
    g.moveTo(map.px(0), map.py(0));
    g.lineTo(map.px(1), map.py(1));
  } else if (d.reference === "zero") {
    g.moveTo(box.x, map.py(0));
    g.lineTo(box.x + box.w, map.py(0));
  }
  g.stroke();
  g.setLineDash([]);
  g.restore();
  if (d.line) polyline(g, box, map, d.x, d.y, d.colour, []);
  const radius = dotRadius(d.n);
  g.save(); // the dots are not clipped: a dot on the plot's edge shows whole
  g.fillStyle = d.colour;
  for (let i = 0; i < d.x.length; i++) {
    if (d.x[i] === null || d.y[i] === null) continue;
    g.globalAlpha = d.n ? 0.85 : 0.6;
    g.beginPath();
    g.arc(map.px(d.x[i]), map.py(d.y[i]), radius(i), 0, 2 * Math.PI);
    g.fill();
  }
  g.restore();
  if (d.n && d.n.length) {
    const lo = Math.min(...d.n);
    const hi = Math.max(...d.n);
    const y = height - 16;
    text(g, `dot area: ${d.size_title}`, box.x, y);
    g.font = `16px ${FONT}`;
    let x = box.x + g.measureText(`dot area: ${d.size_title}`).width + 16;
    const keys = lo === hi ? [hi] : [lo, hi];
    for (const [v, r] of keys.map((k) => [k, radius(d.n.indexOf(k))])) {
      g.globalAlpha = 0.85;
      g.fillStyle = d.colour;
      g.beginPath();
      g.arc(x + r, y, r, 0, 2 * Math.PI);
      g.fill();
      g.globalAlpha = 1;
      text(g, v.toLocaleString("en-US"), x + 2 * r + 6, y);
      x += 2 * r + 16 + g.measureText(v.toLocaleString("en-US")).width;
    }
  }
}

// Radius of point i: a fixed 3.5 px, or an area from 30 px² (a count of 0) to 400 px²
// (the largest count).
function dotRadius(n) {
  if (!n || !n.length) return () => 3.5;
  const hi = Math.max(...n, 1);
  return (i) => Math.sqrt((30 + (n[i] / hi) * 370) / Math.PI);
}

// A data range with a little room on each side (and `include` inside it, when given).
function spread(values, include) {
  let [lo, hi] = range([values]);
  if (!isFinite(lo)) [lo, hi] = [-1, 1];
  if (include !== undefined) [lo, hi] = [Math.min(lo, include), Math.max(hi, include)];
  const pad = (hi - lo || 1) * 0.05;
  return { lo: lo - pad, hi: hi + pad };
}

function legendMap(g, r, x, y) {
  const x0 = x;
  let below = false; // the class names under the colour scale, not beside it
  if (r.gradient) {
    text(g, r.gradient.title, x, y - 8, { size: 16, colour: INK });
    // the scale leaves room beside it for the names, one under the other (narrower, down
    // to 100 px); where even that does not fit, the names go under it
    g.font = `16px ${FONT}`;
    const names = Math.max(0, ...r.names.map((name) => 16 + g.measureText(name).width));
    const free = g.canvas.clientWidth - 4 - x - 34 - names;
    below = free < 100;
    const w = below ? Math.min(180, g.canvas.clientWidth - 4 - x - 16) : Math.min(180, free);
    const grad = g.createLinearGradient(x, 0, x + w, 0);
    r.gradient.stops.forEach(([at, colour]) => grad.addColorStop(at, colour));
    g.fillStyle = grad;
    g.fillRect(x, y + 2, w, 14);
    g.strokeStyle = AXIS;
    g.lineWidth = 1;
    g.strokeRect(x + 0.5, y + 2.5, w, 14);
    [0, 0.5, 1].forEach((t) => text(g, t.toFixed(1), x + t * w, y + 28, { align: t ? (t < 1 ? "center" : "right") : "left" }));
    x += w + 34;
  } else {
    const title = "colour: most probable class (paler = less sure)";
    g.font = `16px ${FONT}`;
    if (x + g.measureText(title).width > g.canvas.clientWidth - 4) {
      // a narrow panel: on two lines
      text(g, "colour: most probable class", x, y - 8, { size: 16, colour: INK });
      text(g, "(paler = less sure)", x, y + 14, { size: 16, colour: INK });
      y += 22;
    } else text(g, title, x, y - 8, { size: 16, colour: INK });
  }
  let yy = r.gradient ? y + 9 : y + 12;
  if (below) [x, yy] = [x0, y + 52];
  const from = x; // where the names start (after the colour scale, when there is one)
  r.names.forEach((name, i) => {
    g.font = `16px ${FONT}`;
    if (x > from && x + 16 + g.measureText(name).width > g.canvas.clientWidth - 4) {
      x = from; // the next name does not fit on this line
      yy += 22;
    }
    const s = r.styles[i];
    marker(g, s.shape, x + 6, yy, 5);
    g.fillStyle = s.fill;
    g.fill();
    g.strokeStyle = s.stroke || INK;
    g.lineWidth = 0.8;
    g.stroke();
    text(g, name, x + 16, yy, { size: 16, colour: INK });
    g.font = `16px ${FONT}`;
    x += 16 + g.measureText(name).width + 20;
  });
  return Math.max(yy, r.gradient ? y + 28 : yy);
}

function legendFit(g, r, x, y, mean = true) {
  const x0 = x;
  r.names.forEach((name, i) => {
    const s = r.styles[i];
    marker(g, s.shape, x + 6, y, 4.5);
    g.globalAlpha = s.alpha ?? 1;
    g.fillStyle = s.fill;
    g.fill();
    g.globalAlpha = 1;
    text(g, name, x + 16, y, { size: 16, colour: INK });
    g.font = `16px ${FONT}`;
    x += 16 + g.measureText(name).width + 20;
  });
  if (!mean) return y;
  const start = x0;
  x = lineKey(g, x, y, r.colour, [], "mean");
  if (r.lo && r.hi) {
    g.font = `16px ${FONT}`;
    if (x + 32 + g.measureText("mean \u00b1 2 sd").width > g.canvas.clientWidth - 4) {
      x = start; // a narrow panel: the band's key on a line of its own
      y += 24;
    }
    g.globalAlpha = 0.22;
    g.fillStyle = r.colour;
    g.fillRect(x, y - 8, 26, 16);
    g.globalAlpha = 1;
    text(g, "mean \u00b1 2 sd", x + 32, y, { size: 16, colour: INK });
  }
  return y;
}

// ------------------------------------------------------------------------ tooltips

function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmt(v) {
  if (v === null || v === undefined || !isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(3).replace("e+", "e");
  return Number(v.toPrecision(4)).toString().replace("-", "\u2212");
}

function nearest(xs, x) {
  let best = -1;
  let gap = Infinity;
  for (let i = 0; i < xs.length; i++) {
    const d = Math.abs(xs[i] - x);
    if (d < gap) [best, gap] = [i, d];
  }
  return best;
}

function nearestPoint(pts, map, X, Y, radius) {
  let best = -1;
  let gap = radius * radius;
  for (let i = 0; i < pts.x.length; i++) {
    const dx = map.px(pts.x[i]) - X;
    const dy = map.py(pts.y[i]) - Y;
    if (dx * dx + dy * dy < gap) [best, gap] = [i, dx * dx + dy * dy];
  }
  return best;
}

// What is under the pointer, in words (null: nothing to say).
function describe(layout, X, Y) {
  const d = layout.data;
  const hit = layout.boxes.find(({ box }) => X >= box.x && X <= box.x + box.w && Y >= box.y && Y <= box.y + box.h);
  if (!hit) return null;
  const { kind, map } = hit;
  if (kind === "scatter") {
    const i = nearestPoint({ x: d.x, y: d.y }, map, X, Y, 12);
    if (i < 0) return null;
    const value = { x: d.x[i], y: d.y[i], n: d.n ? d.n[i] : null };
    return d.fields
      .map(([title, key]) => `${esc(title)}: ${key === "n" ? value.n.toLocaleString("en-US") : fmt(value[key])}`)
      .join("<br>");
  }
  if (kind === "curves") {
    const named = d.curve.series.map((s, k) => ({ ...s, name: d.runs[k].name }));
    const lines = atStep(named, map.ix(X), "");
    if (d.floor) lines.push(esc(d.floor.label));
    return lines.length ? `${esc(d.curve.title)}<br>${lines.join("<br>")}` : null;
  }
  if (kind === "loss" || kind === "metric") {
    const percent = kind === "metric" && d.metric.title === "accuracy";
    const ys = percent ? d.metric.y.map((v) => (v === null ? null : 100 * v)) : d.metric.y;
    const series = kind === "loss" ? d.series : [{ name: d.metric.title, x: d.metric.x, y: ys }];
    const lines = atStep(series, map.ix(X), kind === "loss" ? " nats" : percent ? " %" : "");
    if (kind === "loss" && d.floor) lines.push(esc(d.floor.label));
    if (kind === "loss" && d.floor && d.floor.own_label) lines.push(esc(d.floor.own_label));
    return lines.length ? lines.join("<br>") : null;
  }
  const r = kind === "cmap" || kind === "cfit" ? d.top.right : d.right;
  const point = dataPoint(r, map, X, Y, kind === "map" || kind === "cmap" ? "class" : "data");
  if (point) return point;
  if (kind === "cfit" && d.top.x.length) {
    const j = nearest(d.top.x, map.ix(X));
    const means = d.top.means.map((m, k) => `${esc(d.runs[k].name)}: ${fmt(m[j])}`);
    return `${esc(r.x_title)} = ${fmt(d.top.x[j])}<br>predicted mean<br>${means.join("<br>")}`;
  }
  if (kind === "fit" && r.x && r.x.length) {
    const j = nearest(r.x, map.ix(X));
    const band = r.lo && r.hi ? `<br>mean \u00b1 2 sd: ${fmt(r.lo[j])} to ${fmt(r.hi[j])}` : "";
    return `${esc(r.x_title)} = ${fmt(r.x[j])}<br>predicted mean: ${fmt(r.mean[j])}${band}`;
  }
  const where = `${esc(r.x_title)} = ${fmt(map.ix(X))}, ${esc(r.y_title)} = ${fmt(map.iy(Y))}`;
  return kind === "cmap" ? `${esc(d.runs[hit.i].name)}<br>${where}` : where;
}

// Each series' value at the recorded step nearest `step`: "name: value (step k)".
function atStep(series, step, unit) {
  const lines = [];
  for (const s of series) {
    const i = nearest(s.x, step);
    if (i >= 0) lines.push(`${esc(s.name)}: ${fmt(s.y[i])}${unit} (step ${s.x[i].toLocaleString("en-US")})`);
  }
  return lines;
}

// The data point of `r` (a map's or a fit's) under the pointer, in words (null: none).
function dataPoint(r, map, X, Y, what) {
  const i = nearestPoint(r.points, map, X, Y, 7);
  if (i < 0) return null;
  const name = esc(r.names[r.points.c[i]] ?? "");
  const surprise = r.surprise ? `<br>surprise −log q(y|x) = ${fmt(r.surprise[i])} nats` : "";
  return `${what}: ${name}<br>${esc(r.x_title)} = ${fmt(r.points.x[i])}, ${esc(r.y_title)} = ${fmt(r.points.y[i])}${surprise}`;
}

function hover(entry, event) {
  const { canvas, tip, layout } = entry;
  if (!layout) return;
  const rect = canvas.getBoundingClientRect();
  const X = event.clientX - rect.left;
  const Y = event.clientY - rect.top;
  const html = describe(layout, X, Y);
  if (!html) {
    tip.style.display = "none";
    return;
  }
  tip.innerHTML = html;
  tip.style.display = "block";
  const left = X + 14 + tip.offsetWidth > rect.width ? X - 14 - tip.offsetWidth : X + 14;
  tip.style.left = `${Math.max(0, left)}px`;
  tip.style.top = `${Math.max(0, Y + 14)}px`;
}
