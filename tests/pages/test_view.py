"""The view a class sees, in AppTest: the presenter switch is in the link, and the
data-set thumbnails follow the link-bound ``data`` select box (a click on one is
tested in Chromium, tests/e2e/test_keyboard.py)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.training_helpers import ROOT, components, open_page
from ui.training_page.controls import BUTTONS_HELP


def _captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def test_the_presenter_switch_is_in_the_link():
    at = AppTest.from_file(str(ROOT / "main.py"), default_timeout=60)
    at.query_params["present"] = "true"
    at.run()
    assert not at.exception
    assert at.toggle(key="present").value is True
    # bound to the link: the browser writes the switch's value there as the user moves it
    assert at.toggle(key="present").proto.query_param_key == "present"
    at.toggle(key="present").set_value(False).run()
    assert at.toggle(key="present").value is False and not at.exception


def test_a_bad_presenter_value_is_a_message_not_a_crash():
    at = AppTest.from_file(str(ROOT / "main.py"), default_timeout=60)
    at.query_params["present"] = "maybe"
    at.run()
    assert not at.exception
    assert at.toggle(key="present").value is False
    assert any("present=" in c and "true or false" in c for c in _captions(at))


@pytest.mark.parametrize("present", [False, True])
def test_the_presenter_view_hides_the_secondary_captions(present):
    at = open_page("lessons/binary.py", {"present": "true"} if present else None)
    assert not at.exception
    shown = any(BUTTONS_HELP in c for c in _captions(at))
    assert shown is not present


def _picker(at: AppTest) -> dict:
    (picker,) = components(at, "thumbnails")
    return picker


@pytest.mark.parametrize(
    ("page", "names"),
    [
        ("binary", ["moons", "blobs", "circles", "xor", "spiral", "csv"]),
        ("multiclass", ["multi_blobs", "multi_spirals", "csv"]),
    ],
)
def test_the_thumbnails_show_the_page_data_sets_and_the_links_choice(page, names):
    at = open_page(f"lessons/{page}.py")
    picker = _picker(at)
    assert picker["names"] == names
    assert picker["selected"] == names[0] == at.selectbox(key="data").value
    assert [item["name"] for item in picker["items"]] == names
    assert all(item["svg"].startswith("<svg") for item in picker["items"])
    linked = open_page(f"lessons/{page}.py", {"data": names[1]})
    assert _picker(linked)["selected"] == names[1] == linked.selectbox(key="data").value


def test_the_thumbnails_follow_the_select_box():
    at = open_page("lessons/regression.py")
    at.selectbox(key="data").set_value("outliers").run()
    assert _picker(at)["selected"] == "outliers"


def test_every_generator_has_a_thumbnail_of_its_points():
    from probnn import data as pdata
    from ui import thumbnails

    for name in pdata.GENERATORS:
        picture = thumbnails.svg(name)
        assert picture.startswith("<svg") and picture.count("<path") >= 1, name
    assert thumbnails.svg("blobs").count("<path") == 2  # one path per class
