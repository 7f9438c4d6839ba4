"""probnn: the Streamlit script (page config, navigation by section); app.py serves it."""

import streamlit as st

import probnn
from ui import a11y, layout, nav, runs, share, widgets

probnn.limit_threads()
presenting = layout.presenting()
# the presenter view folds the sidebar: the page gets the projector's whole width
st.set_page_config(
    page_title="probnn: how networks learn",
    page_icon="ui/icon.png",
    layout="wide",
    initial_sidebar_state="collapsed" if presenting else "auto",
)

sections: dict[str, list] = {
    "": [st.Page("lessons/home.py", title="Start here", icon=":material/school:", default=True)]
}
for info in nav.built():
    sections.setdefault(info.section, []).append(
        st.Page(info.path, title=info.title, icon=info.icon, url_path=info.url)
    )
page = st.navigation(sections)
presenting = widgets.toggle(
    "Presenter view",
    layout.PRESENT_KEY,
    where=st.sidebar,
    help="Larger text, fewer captions and a large QR code, for a projector. In the link.",
)
layout.style()
share.share_buttons(presenting)
a11y.fixes()
# one training at a time: a run trains on in the background when its page is left (the
# live panel follows it from the server), so leaving the page pauses it
runs.pause_elsewhere(page.url_path, st.session_state)
page.run()
# Load torch in the background once the first page is drawn (started earlier, the
# import competed with that page for the CPU); a training page needs it later.
probnn.warm_up()
