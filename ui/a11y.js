// Page-wide fixes for what Streamlit draws, so that a keyboard and a screen reader can use
// every page (ui/a11y.py mounts this once per script run, on every page):
// - a chart's toolbar (show data, PNG, spec, fullscreen) is one tab stop, not four: its
//   first button takes the focus, the arrow keys move along the toolbar;
// - a label written with LaTeX ("$\mu$ (location)") is spoken as words ("mu (location)"),
//   not as its source;
// - every formula has words a screen reader speaks (see texWords below);
// - a formula too wide for the screen scrolls in its own box, which the keyboard can
//   reach (a scrolling region takes the focus);
// - the navigation's section lists are lists to a screen reader.
// It works on the page as Streamlit redraws it: a MutationObserver runs the fixes again,
// at most every 150 ms.
const S = (window.__probnnA11y = window.__probnnA11y || { on: false, timer: 0 });

export default function () {
  installKeys();
  if (S.on) return;
  S.on = true;
  const run = () => {
    S.timer = 0;
    try {
      fix(document);
    } catch (error) {
      // a fix never breaks the page
    }
  };
  const later = () => {
    if (!S.timer) S.timer = setTimeout(run, 150);
  };
  new MutationObserver(later).observe(document.body, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["aria-label"],
  });
  window.addEventListener("resize", later);
  // a formula's width changes without a change to the page's elements (its fonts load,
  // a column narrows): each formula box is watched for its size too
  S.sizes = new ResizeObserver(later);
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(later);
  document.addEventListener("keydown", toolbarKeys, true);
  run();
}

function fix(root) {
  formulas(root);
  for (const bar of root.querySelectorAll("[data-testid='stElementToolbar']")) toolbar(bar);
  for (const el of root.querySelectorAll("[aria-label*='$']")) {
    const words = spoken(el.getAttribute("aria-label"));
    if (words !== el.getAttribute("aria-label")) el.setAttribute("aria-label", words);
  }
  for (const box of root.querySelectorAll(".katex-display")) {
    if (!box.dataset.probnnSized) {
      box.dataset.probnnSized = "1";
      S.sizes.observe(box);
    }
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    if (scrolls && box.tabIndex !== 0) {
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", "Formula, scrolls sideways");
    } else if (!scrolls && box.getAttribute("role") === "region") {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  }
  for (const list of root.querySelectorAll("[data-testid='stSidebarNav'] ul, [data-testid='stSidebarNavItems']")) {
    if ([...list.children].some((c) => c.tagName !== "LI")) list.setAttribute("role", "none");
  }
  for (const item of root.querySelectorAll("[data-testid='stSidebarNav'] li")) {
    const parent = item.parentElement;
    if (parent && parent.tagName !== "UL" && parent.tagName !== "OL") parent.setAttribute("role", "list");
    else if (parent && parent.getAttribute("role") === "none") item.setAttribute("role", "none");
  }
}

function buttonsOf(bar) {
  return [...bar.querySelectorAll("button")].filter((b) => !b.disabled);
}

function toolbar(bar) {
  const buttons = buttonsOf(bar);
  if (!buttons.length) return;
  bar.setAttribute("role", "toolbar");
  if (!bar.hasAttribute("aria-label")) bar.setAttribute("aria-label", "Chart tools");
  const current = buttons.find((b) => b.tabIndex === 0 && b.dataset.probnnRoving) || buttons[0];
  for (const b of buttons) {
    b.dataset.probnnRoving = "1";
    b.tabIndex = b === current ? 0 : -1;
  }
}

function toolbarKeys(event) {
  if (!["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
  const bar = event.target instanceof Element ? event.target.closest("[data-testid='stElementToolbar']") : null;
  if (!bar) return;
  const buttons = buttonsOf(bar);
  const at = buttons.indexOf(event.target.closest("button"));
  if (at < 0) return;
  let next = at;
  if (event.key === "ArrowRight") next = (at + 1) % buttons.length;
  else if (event.key === "ArrowLeft") next = (at - 1 + buttons.length) % buttons.length;
  else if (event.key === "Home") next = 0;
  else next = buttons.length - 1;
  event.preventDefault();
  event.stopPropagation();
  buttons.forEach((b, i) => (b.tabIndex = i === next ? 0 : -1));
  buttons[next].focus();
}

// "$\sigma_1$ (standard deviation)" -> "sigma 1 (standard deviation)"
function spoken(text) {
  return text.replace(/\$([^$]*)\$/g, (_, math) =>
    math
      .replace(/\\text\{([^}]*)\}/g, "$1")
      .replace(/\\(?:varepsilon|epsilon)/g, "epsilon")
      .replace(/\\([A-Za-z]+)/g, "$1")
      .replace(/[_^{}]/g, " ")
      .replace(/\s+/g, " ")
      .trim(),
  );
}

// ---- formulas in words -------------------------------------------------------------
// Every KaTeX formula gets a spoken alternative: the words a page gives it
// (ui/formula.py: a screen-reader-only text right after the formula), or else words
// made from its TeX source ("\frac{1}{N}\sum_{i=1}^{N}" -> "1 over N sum from i = 1 to N of").
const NAMES = {
  mid: " given ", "|": " parallel ", ge: " greater than or equal to ", geq: " greater than or equal to ",
  le: " less than or equal to ", leq: " less than or equal to ", ne: " not equal to ", neq: " not equal to ",
  approx: " approximately ", times: " times ", cdot: " times ", infty: " infinity ", top: " transpose ",
  sim: " distributed as ", to: " to ", in: " in ", propto: " proportional to ", partial: " partial ",
  lvert: " absolute value of ", rvert: " ", vert: " absolute value ", ldots: " and so on ", dots: " and so on ",
  cdots: " and so on ", pm: " plus or minus ", varepsilon: " epsilon ", Sigma: " Sigma ", nabla: " gradient of ",
  log: " log ", ln: " ln ", exp: " exp ", min: " min ", max: " max ", arg: " arg ", sum: " sum ", int: " integral ",
  prod: " product ", lim: " limit ",
};
const SPACES = new Set(["left", "right", "big", "Big", "bigg", "Bigg", "quad", "qquad", "displaystyle", ",", ";", "!", ":", " ", "limits", "nolimits"]);
const KEEP = new Set(["mathrm", "text", "operatorname", "mathcal", "mathbf", "mathbb", "boldsymbol", "mathit", "textbf"]);

function group(s, i) {
  // the argument at s[i]: a {group}, a \command or one character; returns [text, next]
  while (s[i] === " ") i++;
  if (s[i] === "{") {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      if (s[j] === "{") depth++;
      else if (s[j] === "}" && --depth === 0) return [s.slice(i + 1, j), j + 1];
    }
    return [s.slice(i + 1), s.length];
  }
  if (s[i] === "\\") {
    const m = /^\\([A-Za-z]+|.)/.exec(s.slice(i));
    return [m[0], i + m[0].length];
  }
  return [s[i] || "", i + 1];
}

function texWords(s) {
  let out = "";
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === "\\") {
      const m = /^\\([A-Za-z]+|.)/.exec(s.slice(i));
      const name = m[1];
      i += m[0].length;
      if (name === "\\") { out += ". "; if (s[i] === "[") i = s.indexOf("]", i) + 1 || s.length; continue; }
      if (name === "begin" || name === "end") { i = group(s, i)[1]; continue; }
      if (SPACES.has(name)) { out += " "; continue; }
      if (name === "frac" || name === "tfrac" || name === "dfrac") {
        const [a, j] = group(s, i);
        const [b, k] = group(s, j);
        out += ` ${texWords(a)} over ${texWords(b)} `;
        i = k;
        continue;
      }
      if (name === "sqrt") { const [a, j] = group(s, i); out += ` square root of ${texWords(a)} `; i = j; continue; }
      if (name === "hat" || name === "bar" || name === "tilde") { const [a, j] = group(s, i); out += ` ${texWords(a)} ${name} `; i = j; continue; }
      if (KEEP.has(name)) { const [a, j] = group(s, i); out += ` ${texWords(a)} `; i = j; continue; }
      if (name === "sum" || name === "int" || name === "prod") {
        let from = "", to = "";
        while (s[i] === "_" || s[i] === "^" || s[i] === " ") {
          if (s[i] === " ") { i++; continue; }
          const which = s[i];
          const [a, j] = group(s, i + 1);
          if (which === "_") from = texWords(a); else to = texWords(a);
          i = j;
        }
        out += ` ${NAMES[name].trim()}${from ? " from " + from : ""}${to ? " to " + to : ""} of `;
        continue;
      }
      out += NAMES[name] !== undefined ? NAMES[name] : ` ${name} `;
      continue;
    }
    if (c === "_") { const [a, j] = group(s, i + 1); out += ` sub ${texWords(a)} `; i = j; continue; }
    if (c === "^") {
      const [a, j] = group(s, i + 1);
      const w = texWords(a).trim();
      out += w === "2" ? " squared " : w === "transpose" ? " transpose " : ` to the power ${w} `;
      i = j;
      continue;
    }
    if (c === "{" || c === "}" || c === "&" || c === "~") { out += " "; i++; continue; }
    out += c === "=" ? " equals " : c === "+" ? " plus " : c === "-" ? " minus " : c === "|" ? " absolute value " : c;
    i++;
  }
  return out.replace(/\s+/g, " ").replace(/\s([,.)])/g, "$1").replace(/\(\s/g, "(").trim();
}

function formulas(root) {
  for (const k of root.querySelectorAll(".katex")) {
    if (k.dataset.probnnWords) continue;
    const container = k.closest("[data-testid='stElementContainer']");
    const next = container && container.nextElementSibling;
    const given = next && next.querySelector(".probnn-sr");
    let words = given ? given.textContent.replace(/^Formula:\s*/, "") : "";
    if (given) given.setAttribute("aria-hidden", "true");
    if (!words) {
      const tex = k.querySelector("annotation[encoding='application/x-tex']");
      words = tex ? texWords(tex.textContent) : "";
    }
    if (!words) continue;
    k.dataset.probnnWords = "1";
    k.setAttribute("role", "img");
    k.setAttribute("aria-label", `Formula: ${words}`);
  }
}
