"""scripts/reader_words.py: the words a reader sees per notebook (issue 17 §4 reports them)."""

import json

import reader_words


def test_counts_slides_notes_and_printed_text_but_not_code_or_listings(tmp_path):
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["## A title\n", "Two 2-word phrases $\\lfloor x$."]},
        {"cell_type": "markdown", "metadata": {"slideshow": {"slide_type": "notes"}}, "source": "for the lecturer"},
        {
            "cell_type": "code",
            "metadata": {},
            "source": "print('not counted as code')",
            "outputs": [
                {"output_type": "stream", "name": "stdout", "text": ["frames from 1 s: 49\n"]},
                {"output_type": "stream", "name": "stderr", "text": "a warning"},
                {"output_type": "execute_result", "data": {"text/plain": "def listing(): ..."}},
            ],
        },
    ]
    path = tmp_path / "99_x.ipynb"
    path.write_text(json.dumps({"cells": cells}))
    # markdown: A, title, Two, 2-word, phrases, x (a LaTeX command is no word); printed: stdout only
    assert reader_words.reader_words(path) == {"markdown": 6, "notes": 3, "printed": 5}
