// Keyboard shortcuts of a training page: Space = Train (or Pause while the run trains),
// Right arrow = Step, R = Reset. One listener on the document, installed by the first
// mount; it acts only while a mount of this component is on the page (a training page),
// and never while the user types or works a control that uses these keys itself (a text
// or number box, a select box, a slider, a radio group...). It presses the page's own
// buttons, so a key does exactly what the click does.
const S = (window.__probnnKeys = window.__probnnKeys || { hint: null, data: null, on: false });
const OWN = /^(Train|Pause|Resume|Step ×\d+|Reset)$/; // the run's buttons
const BUSY =
  'input, textarea, select, [contenteditable=""], [contenteditable="true"], ' +
  '[role="textbox"], [role="searchbox"], [role="combobox"], [role="listbox"], [role="option"], ' +
  '[role="slider"], [role="spinbutton"], [role="radio"], [role="tab"], [role="menuitem"], ' +
  '[role="dialog"] *';

export default function (component) {
  const { data, parentElement } = component;
  let hint = parentElement.querySelector(".probnn-keys");
  if (!hint) {
    hint = document.createElement("p");
    hint.className = "probnn-keys";
    hint.innerHTML =
      'Keys: <kbd>Space</kbd> train/pause · <kbd aria-label="right arrow">→</kbd> step · ' +
      "<kbd>R</kbd> reset";
    parentElement.appendChild(hint);
  }
  S.hint = hint;
  S.data = data;
  if (!S.on) {
    document.addEventListener("keydown", onKey);
    S.on = true;
  }
}

function row() {
  const box = S.hint && S.hint.isConnected ? document.querySelector(`.st-key-${S.data.row}`) : null;
  return box && box.isConnected ? box : null;
}

function button(box, label) {
  return [...box.querySelectorAll("button")].find((b) => b.innerText.trim() === label) || null;
}

function running() {
  return [...document.querySelectorAll(".probnn-status, [data-testid='stMarkdownContainer']")].some((el) =>
    /^Step [\d,]+ \/ [\d,]+ · training/.test(el.innerText || ""),
  );
}

function onKey(event) {
  if (!S.data || !S.data.usable || event.defaultPrevented) return;
  if (event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
  const box = row();
  if (!box) return;
  const target = event.target instanceof Element ? event.target : null;
  if (target && target.closest(BUSY)) return;
  let label = null;
  if (event.key === " " || event.code === "Space") label = running() ? "Pause" : "Train";
  else if (event.key === "ArrowRight") label = S.data.step;
  else if (event.key === "r" || event.key === "R") label = "Reset";
  if (!label) return;
  // Space on another focused button or link presses that one, as always
  const focused = target && target.closest("button, a, summary");
  if (focused && event.key === " " && !OWN.test((focused.innerText || "").trim())) return;
  const pressed = button(box, label);
  if (!pressed || pressed.disabled) return;
  event.preventDefault();
  pressed.click();
}
