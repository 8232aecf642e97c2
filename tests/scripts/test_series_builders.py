"""The classroom material's building blocks, without a browser: the verified npm install (reveal.js,
KaTeX), the formula sheet's numbers (derived here independently), the lesson plan's computed
numbers and timetable, the lecture deck (of a synthetic plan, and of the committed notebooks), the
references page and the notebooks' citations, and the student edition of a synthetic notebook.
The browser checks of the same pages are in test_browser.py."""

import io
import itertools
import re
import tarfile

import nbformat
import pytest

from series import formula_sheet, katex, lecture, lesson_plan, npm, site, sources, zh
from series import translation as tl
from series.student import student_copy, write_student_edition

# --- npm: installed only when the tarball matches its published sha512 ------------------------------


def tarball(files: dict) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def registry(monkeypatch, tmp_path):
    """A fake registry: ``served[url] = bytes``; the cache lives in tmp_path; no real download."""
    served = {}

    class Response:
        def __init__(self, data):
            self.data = data

        def read(self):
            return self.data

    def urlopen(url, timeout):
        if url not in served:
            raise OSError("offline")
        return Response(served[url])

    monkeypatch.setattr(npm.urllib.request, "urlopen", urlopen)
    monkeypatch.setattr(npm, "CACHE", tmp_path / "cache")
    npm.fetch_verified.cache_clear()
    yield served
    npm.fetch_verified.cache_clear()


def test_npm_install_checks_the_published_integrity(registry, tmp_path):
    good = tarball({"dist/katex.min.js": "katex", "dist/fonts/a.woff2": "font", "src/x.js": "no"})
    registry[npm.tarball_url("katex", "9.9.9")] = good
    keep = lambda p: p.parts[0] == "dist"
    dest = npm.install("katex", "9.9.9", npm.sha512_integrity(good), tmp_path / "ok", keep, "dist/katex.min.js")
    assert (dest / "dist" / "katex.min.js").read_text() == "katex" and not (dest / "src").exists()
    # a tarball that is not the published one is refused, and nothing is unpacked
    registry[npm.tarball_url("katex", "9.9.8")] = good + b"tampered"
    with pytest.raises(RuntimeError, match="integrity"):
        npm.install("katex", "9.9.8", npm.sha512_integrity(good), tmp_path / "bad", keep, "dist/katex.min.js")
    assert not (tmp_path / "bad").exists()
    # offline, the verified copy in the cache is used; a corrupted cache entry is not
    registry.clear()
    npm.fetch_verified.cache_clear()
    assert npm.fetch_verified("katex", "9.9.9", npm.sha512_integrity(good)) == good
    (npm.CACHE / "katex-9.9.9.tgz").write_bytes(good[:-1])
    npm.fetch_verified.cache_clear()
    with pytest.raises(RuntimeError, match=r"Could not download katex 9\.9\.9"):
        npm.fetch_verified("katex", "9.9.9", npm.sha512_integrity(good))


def test_katex_pin_is_an_npm_integrity_and_render_script_covers_both_delimiters():
    assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", katex.KATEX_INTEGRITY)
    script = katex.render_script("katex", ".jp-MarkdownOutput")
    assert '"left": "$", "right": "$", "display": false' in script
    assert '"left": "$$", "right": "$$", "display": true' in script
    assert 'src="katex/dist/katex.min.js"' in script and "https://" not in script


# --- the formula sheet: numbers derived here, by hand, from the conv config ---------------------------

KERNELS, STRIDES = (10, 3, 3, 3, 3, 2, 2), (5, 2, 2, 2, 2, 2, 2)  # wav2vec 2.0, section 4.2


def lengths(n: int) -> list:
    out = []
    for k, s in zip(KERNELS, STRIDES, strict=True):
        n = max(0, (n - k) // s + 1)
        out.append(n)
    return out


def test_formula_sheet_numbers():
    facts = formula_sheet.facts()
    # receptive field and jump by brute force: the samples one output depends on
    fields, jumps = [], []
    for layer in range(7):
        first = {0}
        for k, s in reversed(list(zip(KERNELS[: layer + 1], STRIDES[: layer + 1], strict=True))):
            first = {p * s + d for p in first for d in range(k)}
        fields.append(len(first))
        jumps.append(eval("*".join(map(str, STRIDES[: layer + 1]))))
    assert [(g.receptive_field, g.jump) for g, _, _ in facts["layers"]] == list(zip(fields, jumps, strict=True))
    assert [n for _, _, n in facts["layers"]] == lengths(16_000)
    assert [ms for _, ms, _ in facts["layers"]] == pytest.approx([r / 16 for r in fields])
    assert (facts["rf"], facts["hop"], facts["overlap"]) == (fields[-1], jumps[-1], fields[-1] - jumps[-1])
    assert all(lengths(n)[-1] == t for n, t in facts["examples"])
    for n, fewest in facts["inverse"]:
        assert lengths(fewest)[-1] == n and lengths(fewest - 1)[-1] == n - 1
    for i, start, end, centre, start_ms, centre_ms in facts["frames"]:
        assert (start, end, centre) == (i * 320, i * 320 + 400, i * 320 + 199.5)
        assert (start_ms, centre_ms) == pytest.approx((start / 16, centre / 16))
    chunks = facts["chunks"]
    assert chunks[0].start == 0 and chunks[-1].end_frame == lengths(60 * 16_000)[-1]
    for a, b in itertools.pairwise(chunks):
        assert a.end_frame == b.first_frame and b.start == 320 * b.first_frame and a.stop - b.start == 80
    # batch-wide normalization by hand: the batch's variance is the mean of the two clips' variances
    assert facts["batch_std"] == pytest.approx(
        facts["quiet"] / ((facts["quiet"] ** 2 + facts["loud"] ** 2) / 2) ** 0.5, rel=1e-3
    )
    assert dict((m, ax) for m, _, _, ax in facts["axes"]) == {
        "group_norm": "over time, per (item, channel)",
        "layer_norm": "over channels, per (item, position)",
    }


def test_formula_sheet_page_types_no_number(tmp_path):
    """Every number in the sheet's text comes from facts(): with the template's placeholders
    emptied, no digit is left outside LaTeX subscripts and the section numbers."""
    template = re.sub(r"«\w+»", "", formula_sheet.SHEET)
    prose = re.sub(r"\$\$.*?\$\$|\$.*?\$", "", template, flags=re.S)  # LaTeX holds symbols and indices
    prose = re.sub(r"<h[12]>\d\.", "", prose)
    text = re.sub(r"<[^>]+>", "", prose)
    names = r"\b\w*[A-Za-z_]\d\w*\b|\blayer 0\b"  # wav2vec2, float32, layer 0: names, not numbers
    assert re.findall(r"\d+", re.sub(names, "", text)) == []
    page = formula_sheet.render_formula_sheet(tmp_path / "sheet.html", katex_prefix=None).read_text(encoding="utf-8")
    assert "«" not in page and "[480000, 959760)" in page


# --- lesson plan numbers, table of contents -----------------------------------------------------------


def test_lesson_plan_numbers_come_from_the_package():
    values = lesson_plan.numbers()
    assert (values["frames_1s"], values["rf"], values["hop"], values["overlap"]) == ("49", "400", "320", "80")
    assert (values["two_frames"], values["centre_0"], values["tail_1s"]) == ("720", "199.5", "240")
    assert lesson_plan.fill_numbers("{{rf}} and {{hop}}", values) == "400 and 320"
    with pytest.raises(ValueError, match="numbers\\(\\) does not compute"):
        lesson_plan.fill_numbers("{{no_such_number}}", values)


def test_lesson_plan_parts_add_up_to_the_class():
    """The timetable's minutes add up to 90, each part's paragraph states its row's minutes, and
    every notebook of the series (the new chapter 6 included) has its part."""
    parts = lesson_plan.timetable()
    assert [p.number for p in parts] == list(range(1, len(parts) + 1))
    assert sum(p.minutes for p in parts) == lesson_plan.CLASS_MINUTES == 90
    assert lesson_plan.path_minutes() == {p.number: p.minutes for p in parts}
    taught = {n for p in parts for n in p.notebooks}
    assert {int(path.name[:2]) for path in sources.sources()} | {6} <= taught
    assert lesson_plan.questions(1) == [
        "A model hears exactly one second of 16 kHz audio. How many feature frames come out?"
    ]


# --- the lecture deck -----------------------------------------------------------------------------------


def cell(kind: str, text: str, slide: str = "-", tags: tuple = ()):
    new = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
    return new(text, metadata={"slideshow": {"slide_type": slide}, "tags": list(tags)})


PLAN = """# Plan
## Timetable

| # | part | notebooks | run live | minutes |
|---|---|---|---|---|
| 1 | Opening | 2 | nothing | 10 |
| 2 | Second | 1 | the cell | 70 |
| 3 | Quiz | all | nothing | 10 |

## The path, part by part

**1. Opening (10 min).** *"How many?"* Then more.

**2. Second (70 min, notebook 1).** Text.
"""


def test_lecture_deck_takes_tagged_cells_in_the_plans_order(tmp_path):
    (tmp_path / "plan.md").write_text(PLAN, encoding="utf-8")
    one = nbformat.v4.new_notebook(
        cells=[
            cell("md", "# 1. One", "slide", ["lecture"]),  # a heading cell
            cell("code", "print('setup')", "skip", ["setup", "lecture"]),  # skipped cells stay out
            cell("md", "## Untagged", "slide"),
            cell("code", "x = 1", "-", ["lecture", "run-live"]),  # its slide's heading is untagged: starts one
            cell("md", "### A question?", "subslide", ["lecture", "predict"]),
            cell("code", "answer()", "-", ["lecture"]),  # after a question: a slide of its own
            cell("code", "not shown", "-"),
        ]
    )
    two = nbformat.v4.new_notebook(cells=[cell("md", "## Two", "slide", ["lecture"]), cell("md", "more", "-")])
    deck = lecture.lecture_notebook({"01_one": one, "02_two": two}, plan=tmp_path / "plan.md")
    shown = [(lecture.slide_type(c), c.source) for c in deck.cells if lecture.slide_type(c) != "notes"]
    assert shown == [
        ("slide", deck.cells[0].source),
        ("slide", "## Opening\n\n> How many?"),
        ("slide", "## Two"),  # notebook 2 first: the plan's order
        ("slide", "# 1. One"),
        ("slide", "# ▶ RUN LIVE in JupyterLab: notebook 1\nx = 1"),
        ("slide", "### A question?"),
        ("slide", "answer()"),
        ("slide", "## Quiz\n\n10 minutes."),
    ]
    assert "3 parts, 90 minutes" in deck.cells[0].source
    assert lecture.slide_count(deck) == 8 and lecture.run_live_slides(deck) == [4]
    notes = [c.source for c in deck.cells if lecture.slide_type(c) == "notes"]
    assert "**2. Second** (70 min). Run live: the cell." in notes


def test_lecture_deck_of_the_series():
    """The committed notebooks' lecture deck: within its budget, every notebook in it in the plan's
    order, each question alone on its slide, each run-live cell marked."""
    committed = {p.stem: sources.read_executed(p) for p in sources.sources()}
    deck = lecture.lecture_notebook(committed)
    assert lecture.slide_count(deck) <= lecture.MAX_SLIDES
    order = [n for p in lesson_plan.timetable() for n in p.notebooks]
    assert deck.metadata["w2v2"]["notebooks"] == sorted(committed, key=lambda name: order.index(int(name[:2])))
    for name, nb in committed.items():
        assert lecture.tagged(nb), f"{name} tags no cell for the lecture deck"
        for c in lecture.tagged(nb, lecture.PREDICT_TAG):
            assert c.cell_type == "markdown" and lecture.LECTURE_TAG in c.metadata["tags"], name
    kinds = [lecture.slide_type(c) for c in deck.cells if lecture.slide_type(c) != "notes"]
    for i, c in enumerate(c for c in deck.cells if lecture.slide_type(c) != "notes"):
        if lecture.PREDICT_TAG in c.metadata.get("tags", []):
            assert kinds[i] == "slide" and kinds[i + 1] == "slide", c.source[:60]
    live = sum(
        lecture.RUN_LIVE_TAG in c.metadata.get("tags", []) for nb in committed.values() for c in lecture.tagged(nb)
    )
    assert sum(c.source.startswith(lecture.RUN_LIVE_MARK) for c in deck.cells) == live > 0


def test_zh_lecture_deck_translates_its_own_text():
    """The zh lecture deck's own slides and notes (title slide, opening question, speaker notes, quiz
    and wrap-up) are Chinese: each text of lecture.strings() has a current translation in the classroom
    catalog, and the deck shows only translations (its notebooks' cells here: one Chinese heading each)."""
    tr = zh.classroom_translator()
    assert [text for text in lecture.strings() if tr(text) == text] == []
    heading = "## 一页"
    nb = nbformat.v4.new_notebook(cells=[cell("md", heading, "slide", ["lecture"])])
    deck = lecture.lecture_notebook({f"{n:02d}_x": nb for n in range(1, 11)}, tr=tr)
    own = [c.source for c in deck.cells if c.source != heading] + [deck.metadata["w2v2"]["summary"]]
    assert len(own) > 10
    english = [t for t in own if tl.han_characters(t) < tl.CHINESE_RATIO * tl.english_letters(t) or "minute" in t]
    assert english == []


def test_references_page_is_generated_from_the_bibliography():
    entries = site.bibliography()
    keys = ["baevski2020", "hsu2021", "chen2022", "luo2016", "araujo2019", "yang2022", "babu2021"]
    assert [e["key"] for e in entries] == keys
    assert [site.citation(e) for e in entries[:2]] == ["Baevski et al., 2020", "Hsu et al., 2021"]
    assert site.citation({"author": "Ada Lovelace and Charles Babbage", "year": "1843"}) == "Lovelace and Babbage, 1843"
    page = site.references_markdown(entries)
    assert page.count('<a id="') == 7 and "wav2vec 2.0: A Framework" in page and "12449–12460" in page
    assert site.REFERENCES.read_text(encoding="utf-8") == page, (
        "notebooks/references.md is not current: run "
        "python -c \"import sys; sys.path.insert(0, 'scripts'); from series import site; site.write_references()\""
    )


def test_notebook_citations_name_their_entry():
    """Every ``[Author et al., year](references.md#key)`` in a notebook's prose names an entry of the
    bibliography, with that entry's authors and year; each entry is cited somewhere."""
    entries = {e["key"]: site.citation(e) for e in site.bibliography()}
    cited = [
        (text, key)
        for path in sources.sources()
        for text, key in re.findall(r"\[([^\]]+)\]\(references\.md#(\w+)\)", path.read_text(encoding="utf-8"))
    ]
    assert cited and all(entries.get(key) == text for text, key in cited), cited
    assert {key for _, key in cited} == set(entries)


# --- the student edition of a synthetic notebook ------------------------------------------------------


def synthetic_notebook():
    nb = nbformat.v4.new_notebook()
    out = [nbformat.v4.new_output("stream", name="stdout", text="49\n")]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 1. Title"),
        nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(49)", outputs=out, execution_count=1),
        nbformat.v4.new_code_cell(
            "def frame_span(i: int,\n               hop: int = 320) -> tuple:\n"
            '    """The samples [start, end) frame i sees."""\n'
            "    start = i * hop\n    return start, start + 400\n\nanswer = frame_span(3)",
            metadata={"tags": ["solution"]},
            outputs=out,
            execution_count=2,
        ),
        nbformat.v4.new_code_cell("prediction = 49", metadata={"tags": ["solution"]}, execution_count=3),
        nbformat.v4.new_code_cell(
            "# NBVAL_CHECK_OUTPUT\nw2v.exercises.check_span(frame_span, answer)", outputs=out, execution_count=4
        ),
    ]
    return nb


def test_student_edition_of_a_synthetic_notebook(tmp_path):
    (path,) = write_student_edition({"99_synthetic": synthetic_notebook()}, tmp_path)
    student = nbformat.read(path, as_version=4)
    code = [c for c in student.cells if c.cell_type == "code"]
    assert code[0].source == "print(49)"  # the marker line is gone, the code stays
    assert code[1].source == (
        "def frame_span(i: int,\n               hop: int = 320) -> tuple:\n"
        '    """The samples [start, end) frame i sees."""\n'
        "    ...  # your code here\n\nanswer = ...  # your answer here\n"
    )
    assert code[2].source == "prediction = ...  # your prediction here\n"
    assert code[3].source == "w2v.exercises.check_span(frame_span, answer)"
    assert [c.metadata.get("tags", []) for c in code] == [[], ["exercise"], ["exercise"], []]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert not any("NBVAL" in c.source or "start = i * hop" in c.source for c in student.cells)
    namespace = {}
    exec(code[1].source, namespace)  # the stub runs; its function returns None until written
    assert namespace["frame_span"](3) is None and namespace["answer"] is Ellipsis
    assert student_copy(synthetic_notebook()).cells[2].source == code[1].source
