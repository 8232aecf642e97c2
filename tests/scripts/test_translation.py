"""The Chinese edition's catalogs (issue 20): every English text translated and current, each
translation stating the same numbers as its English, in Chinese, with the glossary's terms; the
merge that turns an English edit into a to-do item; the zh notebooks keep code and outputs byte for
byte; the checkers answer in Chinese. Pure text: no kernel, no browser."""

import copy
import json

import pytest

from series import lesson_plan, sources, student, zh
from series import translation as tl


@pytest.fixture(scope="module")
def notebooks():
    return {p.stem: sources.read_executed(p) for p in sources.sources()}


def test_every_english_text_has_a_current_translation(notebooks):
    """Fails with the translators' to-do list while a text is untranslated or its English changed."""
    todo = tl.stale(notebooks)
    left = {name: len(entries) for name, entries in todo.items() if entries}
    assert left == {}, (
        f"{sum(left.values())} texts need a (new) Chinese translation, per catalog: {left}.\n"
        "`make zh-stale` shows each with its old and new English and old translation (docs/translating.md).\n"
        + tl.report(todo, full=False)
    )


def test_translations_state_the_same_numbers_in_chinese_with_the_glossary_terms(notebooks):
    problems = [line for lines in tl.catalog_problems(notebooks).values() for line in lines]
    assert problems == [], "\n".join(problems)


def test_the_glossary_fixes_the_issues_terms():
    terms = tl.glossary()
    expected = {
        "receptive field": "感受野",
        "stride": "步长",
        "hop": "帧移",
        "frame": "帧",
        "position": "位置",
        "group norm": "组归一化",
        "layer norm": "层归一化",
        "feature extractor": "特征提取器",
        "feature encoder": "特征编码器",
        "kernel": "卷积核",
        "padding": "填充",
    }
    assert {en: terms.get(en) for en in expected} == expected
    assert len(set(terms.values())) == len(terms), "two English terms share one Chinese term"


GLOSSARY = {"receptive field": "感受野", "frame": "帧", "padding": "填充"}
ENGLISH = "The receptive field is 400 samples (25 ms): one frame every 20 ms, from `x[16000:]`."


@pytest.mark.parametrize(
    ("chinese", "problem"),
    [
        ("感受野（receptive field）是 400 个采样点（25 ms）：每 20 ms 一帧，取自 `x[16000:]`。", None),
        ("感受野是 400 个采样点（25 ms）：每 20 ms 一帧，取自 `x[16 000:]`。", None),  # digit groups
        ("感受野是 400 个采样点（25 ms）：每 20 ms 一帧。", "numbers differ"),  # the code's number dropped
        ("感受野是 401 个采样点（25 ms）：每 20 ms 一帧，取自 `x[16000:]`。", "numbers differ"),  # off by one
        ("感受野是四百个采样点（25 ms）：每 20 ms 一帧，取自 `x[16000:]`。", "numbers differ"),  # a digit as a word
        ("感受区是 400 个采样点（25 ms）：每 20 ms 一帧，取自 `x[16000:]`。", "glossary"),
        ("The 感受野 is 400 samples (25 ms): one 帧 every 20 ms, from `x[16000:]`.", "not Chinese"),
    ],
)
def test_the_checks_reject_bad_translations(chinese, problem):
    found = tl.translation_problems(ENGLISH, chinese, GLOSSARY)
    if problem is None:
        assert found == []
    else:
        assert any(p.startswith(problem) for p in found), found


def test_numbers_ignore_list_numbering_and_keep_placeholders():
    assert tl.numbers("1. one\n2. two 49\n") == tl.numbers("1. 一\n2. 二 49\n") == tl.numbers("- 49")
    # list items after a blank line, a list going on, a 1. interrupting a paragraph: numbering
    items = tl.numbers("Steps:\n\n3. one\n4. two\n   more 49")
    assert items == tl.numbers("Steps:\n1. one\n2. two 49") == tl.numbers("49")
    assert tl.numbers("{{rf}} samples, «hop» and {count}") != tl.numbers("{{rf}} 个采样点和 {count}")
    assert tl.term_pattern("frame").search("two frames") and not tl.term_pattern("frame").search("framework")


@pytest.mark.parametrize(
    ("english_text", "right", "wrong"),
    [
        # a wrapped line of a paragraph that starts with "100. " or "0. " states a number, not an item
        ('"A chunk starts at sample\n100. Will it match?"', "从第 100 个采样点开始", "从第一百个采样点开始"),
        ("positions past it become\n0. The checker runs it.", "之后的位置变为 0。", "之后的位置一律置零。"),
    ],
)
def test_a_wrapped_line_starting_with_a_number_keeps_its_number(english_text, right, wrong):
    assert tl.numbers(english_text) == tl.numbers(right) != tl.numbers(wrong)


@pytest.mark.parametrize(
    ("english_text", "chinese", "lacks"),
    [
        # kernel: a conv's is 卷积核; a compute kernel's or Jupyter's is 内核, with no gloss needed
        ("A conv with kernel 10 and stride 5.", "卷积核为 10、步长为 5 的卷积。", None),
        ("A conv with kernel 10 and stride 5.", "核为 10、步长为 5 的卷积。", "卷积核"),
        ("PyTorch's CPU GroupNorm kernel does it too.", "PyTorch 在 CPU 上的 GroupNorm 内核也这样做。", None),
        ("PyTorch's CPU GroupNorm kernel does it too.", "PyTorch 的 GroupNorm 卷积核也这样做。", "内核"),
        ("Nothing of what fp16 kernels on a GPU do.", "GPU 上 fp16 的计算内核做什么，这里看不出。", None),
        ("A Hub kernel could replace its forward.", "Hub 上的内核可能替换它的 forward。", None),
        ("Open them in JupyterLab with their kernels started.", "在 JupyterLab 里打开，并启动内核。", None),
        ("Open them in JupyterLab with their kernels started.", "在 JupyterLab 里打开，并启动卷积核。", "内核"),
        # sample rate is 采样率 alone; a sample is still 采样点
        ("From files at any sample rate.", "输入文件可以是任意采样率。", None),
        ("From files at any sample rate.", "输入文件可以是任意频率。", "采样率"),
        ("400 samples at this sample rate.", "在这个采样率下是 400 个。", "采样点"),
        # mirror: the noun is 镜像实现, the verb is free
        ("The first 80 samples rise; the last 80 mirror them.", "前 80 个采样点上升，最后 80 个与之对称。", None),
        ("Load its weights into the package's mirror.", "把它的权重加载到本包的镜像实现里。", None),
        ("Load its weights into the package's mirror.", "把它的权重加载到本包的副本里。", "镜像实现"),
        # an audio file's channels are 声道, a conv's 通道
        ("The clip at 44.1 kHz in two channels.", "这段 44.1 kHz、两个声道的音频。", None),
        ("The clip at 44.1 kHz in two channels.", "这段 44.1 kHz、两个通道的音频。", "声道"),
        ("The package checks rate, channels and dtype.", "本包检查采样率、声道数和 dtype。", None),
        ("It normalizes each of the 512 channels.", "它对 512 个通道逐个归一化。", None),
        ("It normalizes each of the 512 channels.", "它对 512 个声道逐个归一化。", "通道"),
    ],
)
def test_the_glossary_tells_a_terms_senses_apart(english_text, chinese, lacks):
    """A word with two senses asks for the rendering of the sense it is used in, and only that."""
    found = [p for p in tl.translation_problems(english_text, chinese, tl.glossary()) if p.startswith("glossary")]
    if lacks is None:
        assert found == []
    else:
        assert any(p.endswith(f"lacks {lacks!r}") for p in found), found


def test_an_english_edit_shows_up_as_stale_with_the_old_translation(tmp_path):
    """Translate, edit the English, merge: the entry is fuzzy with the old English (written to the
    file as ``#| msgid`` and read back), the new English and the old translation; a new cell is
    missing; a deleted cell's translation is kept as obsolete."""
    path = tmp_path / "nb.po"
    old = [tl.Unit("hop/0", "## The hop\n\nThe hop is 320 samples.", "nb cell 3"), tl.Unit("hop/1", "Gone.", "cell 4")]
    catalog = tl.merged_catalog(old, tl.read_catalog(path))
    for message, text in zip(list(catalog)[1:], ["## 帧移\n\n帧移是 320 个采样点。", "删掉了。"], strict=True):
        message.string = text
    tl.write_catalog(catalog, path, "nb")
    edited = "## The hop\n\nThe hop is 320 samples: 20 ms."
    new = [tl.Unit("hop/0", edited, "nb cell 3"), tl.Unit("hop/1", "A new cell.", "nb cell 4")]
    entries, obsolete = tl.merge(new, tl.read_catalog(path))
    assert [e.status for e in entries] == ["fuzzy", "missing"]
    assert entries[0].previous == old[0].text and entries[0].translation.startswith("## 帧移")
    shown = tl.describe(entries[0])
    assert "The hop is 320 samples." in shown and "20 ms" in shown and "帧移是 320 个采样点" in shown
    tl.write_catalog(tl.merged_catalog(new, tl.read_catalog(path)), path, "nb")  # make zh-update
    text = path.read_text(encoding="utf-8")
    assert '#| msgid ""\n#| "## The hop\\n"' in text and "#, fuzzy" in text and '#~ msgstr "删掉了。"' in text
    again, _ = tl.merge(new, tl.read_catalog(path))
    assert [e.status for e in again] == ["fuzzy", "missing"] and again[0].previous == old[0].text
    assert tl.translations(new, tl.read_catalog(path)) == {}  # a fuzzy translation is never shown
    tl.write_catalog(tl.read_catalog(path), path, "nb")  # a second round trip keeps the entry as it was
    assert path.read_text(encoding="utf-8") == text and "# |" not in text
    catalog = tl.read_catalog(path)
    catalog.add("10 % of $10^{-4}$ %o", "10 % 的 $10^{-4}$ %o", context="percent/0")  # Babel flags it printf-style
    tl.write_catalog(catalog, path, "nb")
    assert "python-format" not in path.read_text(encoding="utf-8")  # msgfmt -c would check it as one
    assert obsolete and obsolete[0].string == "删掉了。"


def test_zh_notebooks_keep_code_and_outputs_byte_for_byte(notebooks):
    name = "02_reading_the_source"
    english = notebooks[name]
    catalog = tl.read_catalog(tl.catalog_path(name))
    translated = zh.zh_notebooks({name: english})[name]
    assert len(translated.cells) == len(english.cells)
    for a, b in zip(english.cells, translated.cells, strict=True):
        if a.cell_type == "code":
            assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
        else:
            assert b.id == a.id and b.metadata == a.metadata
    done = tl.translations(tl.notebook_units(name, english), catalog)
    for a, b in zip(english.cells, translated.cells, strict=True):
        if a.cell_type == "markdown":
            assert b.source == done[a.source] if a.source in done else b.source == tl.with_marker(a.source)
    # a cell without a translation keeps its English, marked
    untranslated = copy.deepcopy(english)
    untranslated.cells[0].source += " (edited)"
    cell = zh.zh_notebooks({name: untranslated})[name].cells[0]
    assert cell.source.startswith(untranslated.cells[0].source) and tl.FALLBACK_MARKER in cell.source


def test_checkers_answer_in_chinese():
    """The templates, a checker's hint and a message built from a template (nb04) come from the catalog."""
    from w2v2_walkthrough import exercises, i18n

    def three(norm_mode, shapes, bias):
        return 3

    try:
        i18n.use_language("zh_CN")
        wrong = repr(exercises.check_param_count(three))
        assert wrong.startswith("还不对：three(") and "返回了 3，这是它出错的最小输入。" in wrong, wrong
        assert "提示：在每种模式、每种偏置设置下" in wrong, wrong
        assert repr(exercises.check_param_count(...)).startswith("还没有作答")
        stack = repr(exercises.check_stack_with_10ms_hop([(8, 400, 320)]))
        assert stack.startswith("还不对：你的堆叠帧移是 320，感受野是 400 个采样点。"), stack
        with pytest.raises(ValueError, match="use_language takes one of"):
            i18n.use_language("xx")
    finally:
        i18n.use_language("en")
    assert repr(exercises.check_param_count(three)).startswith("Not quite: three(")
    assert "Hint: which modules does the builder create" in repr(exercises.check_param_count(three))


def test_the_zh_answer_key_translates_its_words():
    """The quiz's units and worded answers come from the classroom catalog too."""
    units = tl.classroom_units()
    tr = tl.Translator(tl.translations(units, tl.read_catalog(tl.catalog_path("classroom"))))
    key = lesson_plan.quiz_markdown(tr)
    assert "帧</td>" in key and "采样点</td>" in key and "（样本, 通道）" in key, key
    assert " frames<" not in key and " samples<" not in key and "per (item, channel)" not in key
    assert "49 frames</td>" in lesson_plan.quiz_markdown()


def test_zh_student_edition_sets_the_checkers_language(notebooks):
    nb = student.in_language(student.student_copy(notebooks["02_reading_the_source"]), "zh_CN")
    setup = next(c for c in nb.cells if "setup" in c.metadata.get("tags", []))
    assert setup.source.endswith("i18n.use_language('zh_CN')  # the checkers' language")
