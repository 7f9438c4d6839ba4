"""The router and home page: the learning path lists exactly the pages that exist."""

from ui import nav


def test_home_renders_the_learning_path(app):
    at = app.run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "cross-entropy" in text
    for info in nav.built():
        assert info.blurb in text
    assert len(at.latex) >= 2


def test_only_existing_pages_are_listed(tmp_path, monkeypatch):
    monkeypatch.setattr(nav, "ROOT", tmp_path)
    assert nav.built() == []
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "entropy.py").write_text("")
    assert [p.title for p in nav.built()] == ["Entropy"]
