"""The formula sheet: one printable A4 page (``build/site/formula_sheet_a4.html``) with the formulas a
student needs for wav2vec2's feature extractor, and worked numbers for the default stack.

Every number on it is computed here from the package at build time
(:mod:`w2v2_walkthrough.arithmetic`, :mod:`~w2v2_walkthrough.norms`,
:func:`~w2v2_walkthrough.chunked.plan_chunks`); the text around them holds symbols only. The
formulas are LaTeX, rendered by KaTeX offline. In :data:`SHEET`, ``«name»`` stands for a computed
value or table (braces would clash with LaTeX's).
"""

import html
import re
from pathlib import Path

from w2v2_walkthrough.quiz import batch_wide_std, format_number

from . import katex
from .translation import english

#: A4 with 10 mm margins; the browser test prints the page and counts one PDF page.
PAGE_CSS = """
  @page { size: A4; margin: 10mm; }
  * { box-sizing: border-box; }
  body { font-family: system-ui, sans-serif; font-size: 9pt; line-height: 1.28; color: #111;
         margin: 0 auto; max-width: 190mm; padding: 0; }
  h1 { font-size: 14pt; margin: 0 0 1mm 0; }
  h2 { font-size: 10.5pt; margin: 2mm 0 1mm 0; border-bottom: 1px solid #999; }
  p { margin: 0.8mm 0; }
  .lead { color: #444; margin-bottom: 1.5mm; }
  .columns { columns: 2; column-gap: 7mm; }
  section { break-inside: avoid; }
  table { border-collapse: collapse; margin: 1mm 0; font-size: 8.5pt; }
  th, td { border: 1px solid #bbb; padding: 0.4mm 1.2mm; text-align: right; font-variant-numeric: tabular-nums; }
  th { background: #eee; } td.l, th.l { text-align: left; }
  code { font-size: 8.5pt; }
  .katex { font-size: 1.05em; }
  .katex-display { margin: 1mm 0; }
"""


def tex(formula: str, **values) -> str:
    """``formula`` with every ``«name»`` replaced by ``values[name]`` (an unknown name is a KeyError)."""
    return re.sub(r"«(\w+)»", lambda m: format_number(values[m.group(1)]), formula)


def _table(header: list[str], rows: list[list], left: int = 0) -> str:
    cells = lambda row, tag: "".join(
        f"<{tag}{' class=l' if i < left else ''}>{c if isinstance(c, str) else format_number(c)}</{tag}>"
        for i, c in enumerate(row)
    )
    body = "".join(f"<tr>{cells(r, 'td')}</tr>" for r in rows)
    return f"<table><thead><tr>{cells(header, 'th')}</tr></thead><tbody>{body}</tbody></table>"


def facts() -> dict:
    """Everything the sheet states, computed by the package for the default stack at 16 kHz."""
    import torch

    from w2v2_walkthrough import arithmetic as ar
    from w2v2_walkthrough import chunked, norms
    from w2v2_walkthrough.components import LayerNorm
    from w2v2_walkthrough.presets import DEFAULT_SHAPES, PRESETS, SAMPLE_RATE

    rf, hop = ar.receptive_field(), ar.hop_length()
    second = SAMPLE_RATE
    chunk_frames = chunked.chunk_frames_for(30.0)
    minute = 60 * SAMPLE_RATE
    channels = DEFAULT_SHAPES[0][0]
    return {
        "rate": SAMPLE_RATE,
        "rf": rf,
        "hop": hop,
        "rf_ms": ar.samples_to_ms(rf),
        "hop_ms": ar.samples_to_ms(hop),
        "overlap": rf - hop,
        "half": (rf - 1) / 2,
        "half_ms": ar.samples_to_ms((rf - 1) / 2),
        "frames_per_s": ar.frame_rate(),
        "layers": [
            (g, ar.samples_to_ms(g.receptive_field), n)
            for g, n in zip(ar.receptive_field_table(), ar.layer_output_lengths(second), strict=True)
        ],
        "examples": [
            (n, ar.num_frames(n)) for n in (rf - 1, rf, ar.min_samples_for_frames(2) - 1, second, 10 * second)
        ],
        "inverse": [
            (n, ar.min_samples_for_frames(n)) for n in (1, 2, ar.num_frames(second), ar.num_frames(second) + 1)
        ],
        "frames": [
            (
                i,
                *ar.frame_span(i),
                ar.frame_center(i),
                ar.samples_to_ms(ar.frame_start(i)),
                ar.samples_to_ms(ar.frame_center(i)),
            )
            for i in (0, 1, 10, ar.num_frames(second) - 1)
        ],
        "tail_1s": second - ar.frame_span(ar.num_frames(second) - 1)[1],
        "axes": [
            (
                "group_norm",
                f"GroupNorm({channels}, {channels})",
                "layer 0 only",
                norms.normalized_axes(torch.nn.GroupNorm(channels, channels)),
            ),
            ("layer_norm", "transpose LayerNorm", "every layer", norms.normalized_axes(LayerNorm(channels))),
        ],
        "contrast": ("GroupNorm(1, C)", norms.normalized_axes(torch.nn.GroupNorm(1, channels))),
        "modes": {
            mode: [p.name for p in PRESETS.values() if p.norm_mode == mode] for mode in ("group_norm", "layer_norm")
        },
        "chunk_frames": chunk_frames,
        "chunk_seconds": 30,
        "chunks": list(chunked.plan_chunks(minute, chunk_frames)),
        "minute_frames": ar.num_frames(minute),
        "layer0_mb_per_s": chunked.peak_layer0_bytes(second) / 1e6,
        "quiet": 0.1,
        "loud": 0.3,
        "batch_std": batch_wide_std(quiet=0.1, loud=0.3),
    }


SHEET = r"""
<h1>wav2vec2's feature extractor on one page</h1>
<p class="lead">torchaudio's seven-layer conv stack at $f_s = «rate»$ Hz. Layer $l$ has kernel $k_l$ and
stride $s_l$; lengths in samples unless marked ms. Every number here was computed by
<code>w2v2_walkthrough</code> when this page was built.</p>
<div class="columns">
<section><h2>1. Output length</h2>
<p>One unpadded conv: $L_\text{out} = \max\!\left(0, \left\lfloor \dfrac{L_\text{in} - k}{s} \right\rfloor + 1\right)$.
The whole stack acts as one conv with kernel $R$ and stride $H$:</p>
$$T(L) = \left\lfloor \frac{L - R}{H} \right\rfloor + 1 \quad (L \ge R), \qquad R = «rf»,\ H = «hop»$$
«examples»
</section>
<section><h2>2. Inverse: samples for N frames</h2>
$$L_\text{min}(N) = (N - 1)\,H + R = «hop»\,(N - 1) + «rf»$$
<p>Walking the stack backwards, a conv needs $(n - 1)\,s_l + k_l$ inputs for $n$ outputs.</p>
«inverse»
</section>
<section><h2>3. Receptive field and jump</h2>
$$r_l = r_{l-1} + (k_l - 1)\,j_{l-1}, \qquad j_l = j_{l-1}\,s_l, \qquad r_{-1} = j_{-1} = 1$$
«layers»
<p>$R = r_6 = «rf»$ samples ($«rf_ms»$ ms), $H = j_6 = «hop»$ samples ($«hop_ms»$ ms):
$f_s / H = «frames_per_s»$ frames per second of a long signal.</p>
</section>
<section><h2>4. Frame span, start, centre and time</h2>
$$\text{frame } i \text{ sees } [\,iH,\ iH + R\,), \qquad \text{start}_i = iH$$
$$\text{centre}_i = iH + \tfrac{R - 1}{2}, \qquad t_i = \frac{1000\,iH}{f_s}\ \text{ms} = «hop_ms»\,i\ \text{ms}$$
$$t_i^\text{centre} = («hop_ms»\,i + «half_ms»)\ \text{ms}$$
«spans»
<p>The centre is $«half»$ samples after the start (not $R/2$). Of one second, the last $«tail_1s»$
samples are seen by no frame. Spans are exact for layer_norm models; in group_norm models every
frame also depends on the whole clip through layer 0's statistics.</p>
</section>
<section><h2>5. Which axes each norm averages over</h2>
<p>On a conv output $x \in \mathbb{R}^{B \times C \times T}$ (item $b$, channel $c$, position $t$):</p>
$$\text{GroupNorm}(C, C):\ \mu_{b,c} = \frac{1}{T} \sum_t x_{b,c,t}$$
$$\text{transpose LayerNorm}:\ \mu_{b,t} = \frac{1}{C} \sum_c x_{b,c,t}$$
<p>The (biased) variance $\sigma^2$ is taken over the same axes, then
$y = \gamma_c \dfrac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta_c$.</p>
«axes»
<p>For contrast, «contrast_module» takes them «contrast_axes». Presets: «modes».</p>
</section>
<section><h2>6. The chunk plan</h2>
$$\text{frames } [f_0, f_1) \leftarrow \text{samples } [\,f_0 H,\ (f_1 - 1)\,H + R\,)$$
<p>Chunks start on a multiple of $H$ and share $R - H = «overlap»$ samples with the next;
group_norm models take a first pass for layer 0's per-channel statistics. One minute
(«minute_frames» frames) in chunks of «chunk_seconds» s («chunk_frames» frames):</p>
«chunks»
<p>A full pass holds layer 0's output: «layer0_mb_per_s» MB per second of audio (float32).</p>
</section>
<section><h2>7. The waveform going in</h2>
$$\tilde{x}_t = \frac{x_t - \mu}{\sqrt{\sigma^2 + \epsilon}}$$
<p>fairseq's <code>normalize</code>, Hugging Face's <code>do_normalize</code>, <code>exact_batch</code>:
$\mu, \sigma^2$ over the clip's own samples. torchaudio's normalizing bundles,
<code>layer_norm(w, w.shape)</code>: over the whole padded batch. A clip of std «quiet» batched
with one of std «loud» comes out with std «batch_std», not unit std.</p>
</section>
</div>
"""


#: The tables' column headings, and the words of the tables' cells (translated with the prose).
HEADERS = {
    "layers": ["layer", "k", "s", "jump j", "field r", "r (ms)", "positions, 1 s"],
    "examples": ["samples L", "frames T(L)"],
    "inverse": ["frames N", "fewest samples"],
    "spans": ["frame i", "start", "end", "centre", "start (ms)", "centre (ms)"],
    "axes": ["mode", "module", "where", "statistics (measured)"],
    "chunks": ["chunk", "frames [f₀, f₁)", "samples [start, stop)", "samples"],
}
WORDS = ("layer 0 only", "every layer")
TITLE = "Formula sheet: wav2vec2's feature extractor"
#: The sheet's translatable elements: a heading or a paragraph (its maths and «names» included).
ELEMENT = re.compile(r"<(h1|h2|p)([^>]*)>(.*?)</\1>", re.S)


def strings() -> list[str]:
    """Every English text of the sheet a translator translates."""
    headers = [h for row in HEADERS.values() for h in row if re.search("[a-z]{2}", h)]
    return [TITLE] + [m.group(3) for m in ELEMENT.finditer(SHEET)] + list(dict.fromkeys(headers)) + list(WORDS)


def sheet_html(f: dict, tr=english) -> str:
    """The sheet's body: :data:`SHEET` (each element through ``tr``, English -> translation) with
    the numbers and tables of :func:`facts` filled in."""
    heads = {name: [tr(h) for h in row] for name, row in HEADERS.items()}
    tables = {
        "layers": _table(
            heads["layers"],
            [[g.layer, g.kernel_size, g.stride, g.jump, g.receptive_field, ms, n] for g, ms, n in f["layers"]],
        ),
        "examples": _table(heads["examples"], [list(e) for e in f["examples"]]),
        "inverse": _table(heads["inverse"], [list(e) for e in f["inverse"]]),
        "spans": _table(heads["spans"], [list(row) for row in f["frames"]]),
        "axes": _table(
            heads["axes"],
            [[m, html.escape(mod), tr(where), html.escape(ax)] for m, mod, where, ax in f["axes"]],
            left=4,
        ),
        "chunks": _table(
            heads["chunks"],
            [
                [i, f"[{c.first_frame}, {c.end_frame})", f"[{c.start}, {c.stop})", c.stop - c.start]
                for i, c in enumerate(f["chunks"])
            ],
        ),
        "modes": "; ".join(f"<b>{m}</b>: {', '.join(names)}" for m, names in f["modes"].items()),
        "contrast_module": html.escape(f["contrast"][0]),
        "contrast_axes": html.escape(f["contrast"][1]),
    }
    sheet = SHEET if tr is english else ELEMENT.sub(lambda m: f"<{m[1]}{m[2]}>{tr(m[3])}</{m[1]}>", SHEET)
    return tex(sheet, **{k: v for k, v in f.items() if not isinstance(v, (list, dict, tuple))}, **tables)


def render_formula_sheet(path: Path, katex_prefix: str | None = "katex", tr=english, head: str = "", lang="en") -> Path:
    """Write the sheet to ``path``; KaTeX is installed into ``path.parent / katex_prefix`` (None: no maths).
    ``tr`` translates its text, ``head`` adds to its ``<head>`` (a font's stylesheet)."""
    return katex.write_page(path, tr(TITLE), sheet_html(facts(), tr), PAGE_CSS, katex_prefix, head, lang)
