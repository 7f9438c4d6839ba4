// Keyboard shortcuts of a training page: Space = Train (or Pause while the run trains),
// Right arrow = Step, R = Reset. One listener on the document, installed once with the
// page-wide fixes (ui/a11y.py joins this file to a11y.js); it acts only when a training
// page's row of run buttons is on the page, and never while the user types or works a
// control that uses these keys itself (a text or number box, a select box, a slider, a
// radio group...). It presses the page's own buttons, so a key does exactly what the
// click does.
const OWN = /^(Train|Pause|Resume|Step ×\d+|Reset)$/; // the run's buttons
const STEP = /^Step ×\d+$/;
const BUSY =
  'input, textarea, select, [contenteditable=""], [contenteditable="true"], ' +
  '[role="textbox"], [role="searchbox"], [role="combobox"], [role="listbox"], [role="option"], ' +
  '[role="slider"], [role="spinbutton"], [role="radio"], [role="tab"], [role="menuitem"], ' +
  '[role="dialog"] *';

function installKeys() {
  if (window.__probnnKeys) return;
  window.__probnnKeys = true;
  document.addEventListener("keydown", onKey);
}

function runButtons() {
  // the row of Train / Pause / Resume / Step / Reset (ui/training_page/controls.py)
  return document.querySelector("[class*='st-key-tp-'][class*='-buttons']");
}

function runButton(box, test) {
  return [...box.querySelectorAll("button")].find((b) => test(b.innerText.trim())) || null;
}

function running() {
  return [...document.querySelectorAll(".probnn-status, [data-testid='stMarkdownContainer']")].some((el) =>
    /^Step [\d,]+ \/ [\d,]+ · training/.test(el.innerText || ""),
  );
}

function onKey(event) {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
  const box = runButtons();
  if (!box) return;
  const target = event.target instanceof Element ? event.target : null;
  if (target && target.closest(BUSY)) return;
  let test = null;
  if (event.key === " " || event.code === "Space") {
    const label = running() ? "Pause" : "Train";
    test = (text) => text === label;
  } else if (event.key === "ArrowRight") test = (text) => STEP.test(text);
  else if (event.key === "r" || event.key === "R") test = (text) => text === "Reset";
  if (!test) return;
  // Space on another focused button or link presses that one, as always
  const focused = target && target.closest("button, a, summary");
  if (focused && event.key === " " && !OWN.test((focused.innerText || "").trim())) return;
  const pressed = runButton(box, test);
  if (!pressed || pressed.disabled) return;
  event.preventDefault();
  pressed.click();
}
