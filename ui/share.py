"""Share the view: a "Copy link" button and a QR code of the exact current link.

A link reproduces the view (every widget is bound to it, ui/widgets.py), so handing a
class the link hands them the view. Two buttons at the top of every page: **Copy link**
copies the address the browser shows; **QR code** sends that address to the server,
which draws it as a QR code with `segno <https://pypi.org/project/segno/>`_ (locally:
no outside service) in a dialog, large enough in the presenter view to be scanned from
the back of a room. The address comes from the browser, so the code is of the link as
it is at that moment, with every change made so far.
"""

from __future__ import annotations

import io

import segno
import streamlit as st

from ui.text import plain

__all__ = ["KEY", "MAX_LINK", "qr_code", "qr_png", "share_buttons"]

KEY = "probnn_share"  # the buttons' component key (and their CSS class, .st-key-probnn_share)
MAX_LINK = 2000  # characters: longer links are not drawn (a QR code of them is too dense)
BORDER = 4  # modules of white around the code, as the QR standard asks

_JS = r"""
export default function (component) {
  const { parentElement, setTriggerValue } = component;
  let box = parentElement.querySelector(".probnn-share");
  if (!box) {
    box = document.createElement("div");
    box.className = "probnn-share";
    box.innerHTML =
      '<button type="button" class="probnn-share-copy">Copy link</button>' +
      '<button type="button" class="probnn-share-qr">QR code</button>' +
      '<span class="probnn-share-said" role="status" aria-live="polite"></span>';
    parentElement.appendChild(box);
  }
  const [copy, qr, said] = box.children;
  copy.onclick = async () => {
    const link = window.location.href;
    let done = false;
    try {
      await navigator.clipboard.writeText(link);
      done = true;
    } catch (error) {
      // not a secure context (http on another host): the old way
      const area = document.createElement("textarea");
      area.value = link;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try { done = document.execCommand("copy"); } catch (e) { done = false; }
      area.remove();
    }
    said.textContent = done ? "Link copied" : "Copy the address bar";
    setTimeout(() => { said.textContent = ""; }, 2500);
  };
  qr.onclick = () => setTriggerValue("qr", window.location.href);
}
"""

_CSS = """
.st-key-probnn_share { position: fixed; top: 0.55rem; right: 3.75rem; z-index: 999991;
  width: auto !important; }
.probnn-share { display: flex; gap: 0.5rem; align-items: center; }
.probnn-share button { font: inherit; font-size: 0.95rem; min-height: 2.25rem;
  padding: 0.2rem 0.8rem; border-radius: 0.5rem; border: 1px solid #9aa0a6;
  background: #ffffff; color: #111111; cursor: pointer; }
.probnn-share button:hover { border-color: #1f5fbf; color: #1f5fbf; }
.probnn-share button:focus-visible { outline: 3px solid #1f5fbf; outline-offset: 2px; }
.probnn-share-said { font-size: 0.9rem; color: #1a5c2e; background: #ffffff; }
.probnn-share-said:empty { display: none; }
@media (max-width: 600px) {
  .st-key-probnn_share { right: 3.25rem; top: 0.6rem; }
  .probnn-share button { font-size: 0.85rem; padding: 0.15rem 0.5rem; min-height: 2.75rem; }
}
"""

_BUTTONS = st.components.v2.component("probnn_share", js=_JS, css=_CSS, isolate_styles=False)


def qr_code(link: str) -> segno.QRCode:
    """The QR code of ``link`` (error correction M: a code on a screen, read whole)."""
    return segno.make(link, error="m", micro=False)


def qr_png(link: str, scale: int) -> bytes:
    """``link``'s QR code as a PNG, ``scale`` pixels a module, with the standard border."""
    out = io.BytesIO()
    qr_code(link).save(out, kind="png", scale=scale, border=BORDER, dark="#000000")
    return out.getvalue()


def share_buttons(presenting: bool) -> None:
    """The Copy link and QR code buttons; a press of QR code opens the dialog."""
    result = _BUTTONS(key=KEY, on_qr_change=lambda: None, width="content", height="content")
    link = getattr(result, "qr", None) if result is not None else None
    if isinstance(link, str) and link:
        _dialog(link, presenting)


@st.dialog("Share this view", width="large")
def _dialog(link: str, presenting: bool) -> None:
    if len(link) > MAX_LINK:
        st.warning(
            f"This link is {len(link):,} characters long: too long for a QR code that a "
            "phone can read. Use **Copy link** instead."
        )
        return
    st.markdown("Scan the code to open this page with the same settings:")
    code = qr_code(link)
    modules = code.symbol_size(border=BORDER)[0]
    target = 620 if presenting else 340  # pixels on the screen
    scale = max(4, target // modules)
    st.image(qr_png(link, scale), width=modules * scale, caption=None)
    st.caption(plain(link))
