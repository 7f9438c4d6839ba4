"""probnn: the Streamlit script (page config, navigation by section); app.py serves it."""

import streamlit as st

import probnn
from ui import nav, runs

probnn.limit_threads()
st.set_page_config(page_title="probnn: how networks learn", page_icon="ui/icon.png",
                   layout="wide")

sections: dict[str, list] = {"": [st.Page("lessons/home.py", title="Start here",
                                          icon=":material/school:", default=True)]}
for info in nav.built():
    sections.setdefault(info.section, []).append(
        st.Page(info.path, title=info.title, icon=info.icon, url_path=info.url))
page = st.navigation(sections)
# one training at a time: a run trains on in the background when its page is left (the
# live panel follows it from the server), so leaving the page pauses it
runs.pause_elsewhere(page.url_path, st.session_state)
page.run()
# Load torch in the background once the first page is drawn (started earlier, the
# import competed with that page for the CPU); a training page needs it later.
probnn.warm_up()
