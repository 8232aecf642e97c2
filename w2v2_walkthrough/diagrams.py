"""Schematic diagrams of the extractor, drawn by code from the package's own arithmetic (so a
picture can never disagree with the numbers): the layer stack, the receptive-field tree, the
normalized axes, the chunk plan. Every function returns a ``matplotlib.figure.Figure``.
"""

from matplotlib.figure import Figure  # the type every diagram returns

from .presets import resolve_shapes
from .style import OKABE_ITO, new_figure, styled


@styled
def conv_stack(num_samples: int = 16_000, shapes=None, title: str | None = None) -> Figure:
    """The conv stack as a flow chart, for a clip of ``num_samples`` samples.

    Rows, top down: the input ``[B, T]``, ``unsqueeze(1)`` to ``[B, 1, T]``, one row per
    ``ConvLayerBlock`` (its ``Conv1d(in -> out, k, s)``, the norm each norm mode puts after it,
    GELU, and the output shape ``[B, C, positions]`` for this clip), then ``transpose(1, 2)`` to
    ``[B, frames, C]``. The norms are read from extractors built by ``get_feature_extractor`` in
    both modes and the lengths come from ``arithmetic.layer_output_lengths``, so the picture
    cannot disagree with the code.
    """
    import torch

    from . import arithmetic as ar
    from .components import NORM_MODES, get_feature_extractor
    from .presets import SAMPLE_RATE

    shapes = resolve_shapes(shapes)
    if num_samples < ar.min_samples_for_frames(1, shapes):
        raise ValueError(
            f"num_samples must be at least {ar.min_samples_for_frames(1, shapes)} (the fewest samples "
            f"that give one frame), got {num_samples}."
        )
    with torch.device("meta"):  # only the modules' structure is read: no memory, no init
        blocks = {mode: get_feature_extractor(mode, shapes, False).conv_layers for mode in NORM_MODES}
    lengths = ar.layer_output_lengths(num_samples, shapes)
    channels = [1] + [c for c, _, _ in shapes]
    flow = [("input", "waveform", f"[B, {num_samples}]", None), ("", "unsqueeze(1)", f"[B, 1, {num_samples}]", None)]
    for i, ((out, k, s), length) in enumerate(zip(shapes, lengths, strict=True)):
        flow.append((f"layer {i}", f"Conv1d({channels[i]} → {out}, k={k}, s={s})", f"[B, {out}, {length}]", i))
    flow.append(("output", "transpose(1, 2)", f"[B, {lengths[-1]}, {channels[-1]}]", None))

    fig = new_figure(1.0 + 0.4 * (len(flow) + 1))
    ax = fig.add_subplot()
    ax.set_xlim(0, 100)
    ax.set_ylim(len(flow) + 0.3, -1.7)
    ax.axis("off")
    x_label, x_op, x_gelu, x_shape = 4, 24, 78, 86
    x_norm = {"group_norm": 49, "layer_norm": 65}
    colour = {"op": OKABE_ITO[5], "group_norm": OKABE_ITO[1], "layer_norm": OKABE_ITO[2], "gelu": "#BBBBBB"}

    def box(x, y, text, face):
        style = {"boxstyle": "round,pad=0.3", "facecolor": face, "edgecolor": "none", "alpha": 0.4}
        ax.text(x, y, text, ha="center", va="center", bbox=style)

    headers = [(x_op, "operation"), (x_norm["group_norm"], "group_norm"), (x_norm["layer_norm"], "layer_norm")]
    headers += [(x_gelu, "activation"), (x_shape + 6.5, "output shape")]
    for x, text in headers:
        ax.text(x, -0.8, text, ha="center", va="center", fontweight="bold")
    ax.text(sum(x_norm.values()) / 2, -1.35, "norm after the conv, by norm mode", ha="center", va="center")
    for y, (label, op, shape, layer) in enumerate(flow):
        ax.text(x_label, y, label, ha="center", va="center")
        box(x_op, y, op, colour["op"])
        ax.text(x_shape, y, shape, ha="left", va="center", family="monospace")
        if y + 1 < len(flow):
            ax.annotate("", (x_op, y + 0.75), (x_op, y + 0.25), arrowprops={"arrowstyle": "->", "color": "0.4"})
        if layer is None:
            continue
        for mode in NORM_MODES:
            norm = blocks[mode][layer].layer_norm
            if norm is None:
                ax.text(x_norm[mode], y, "—", ha="center", va="center", color="0.5")
            elif isinstance(norm, torch.nn.GroupNorm):
                box(x_norm[mode], y, f"GroupNorm({norm.num_groups}, {norm.num_channels})", colour[mode])
            else:
                box(x_norm[mode], y, f"LayerNorm({norm.normalized_shape[0]})", colour[mode])
        box(x_gelu, y, "GELU", colour["gelu"])
    note = "GroupNorm(C, C): each channel over all positions of the clip.   "
    note += "LayerNorm(C): the C channels at each position."
    ax.text(50, len(flow) - 0.1, note, ha="center", va="center", fontsize=11, color="0.3")
    clip = f"{num_samples:,}".replace(",", " ")
    seconds = num_samples / SAMPLE_RATE
    fig.suptitle(title or f"The conv stack on {clip} samples ({seconds:g} s at 16 kHz); B = batch")
    return fig


@styled
def receptive_field_tree(frames=(0, 1), shapes=None, title: str | None = None) -> Figure:
    """The receptive-field tree: which positions of every layer feed the chosen output frames.

    Walks the conv taps down from each frame (position ``j`` of a layer with kernel ``k`` and
    stride ``s`` reads positions ``j*s ... j*s + k - 1`` of the layer below) to the input samples.
    Every position reached is a dot at the centre of the input samples it sees, every tap a line;
    positions that feed more than one frame are drawn in their own colour. For the first frame,
    one bracket per row spans the samples that one position of that row sees: its receptive
    field. The right axis names each row's receptive field and jump, read off the drawn tree (not
    from :mod:`.arithmetic`), so a test can hold the picture against ``receptive_field_table``.
    Artists carry ids: ``nodes-<frame>-<row>``, ``shared-<row>``, ``rf-<row>`` (row ``-1`` is the input).
    """
    from matplotlib.collections import LineCollection

    config = resolve_shapes(shapes)
    frames = [int(f) for f in frames]
    if not frames or min(frames) < 0 or len(set(frames)) != len(frames) or len(frames) > 3:
        raise ValueError(f"frames must be 1 to 3 distinct frame indices >= 0, got {frames}")

    def samples_seen(row: int, j: int) -> tuple[int, int]:
        """[first, last + 1) of the input samples position j of row `row` reads, tap by tap."""
        first = last = j
        for _, k, s in reversed(config[: row + 1]):
            first, last = first * s, last * s + k - 1
        return first, last + 1

    rows = range(len(config) - 1, -2, -1)  # top (the frames) down to the input (row -1)
    reached = {f: {len(config) - 1: {f}} for f in frames}
    taps = {f: [] for f in frames}
    for f in frames:
        for row in rows[:-1]:
            _, k, s = config[row]
            below = set()
            for j in reached[f][row]:
                below.update(range(j * s, j * s + k))
                taps[f] += [(j, c, row) for c in range(j * s, j * s + k)]
            reached[f][row - 1] = below

    def centre(row, j):
        first, end = samples_seen(row, j)
        return (first + end - 1) / 2

    fig = new_figure(5.0)
    ax = fig.add_subplot()
    colours = [OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[4]]
    shared_colour = OKABE_ITO[2]
    for f, colour in zip(frames, colours, strict=False):
        first, end = samples_seen(len(config) - 1, f)
        ax.axvspan(first - 0.5, end - 0.5, color=colour, alpha=0.07, lw=0)
        lines = [[(centre(row, j), row + 1), (centre(row - 1, c), row)] for j, c, row in taps[f]]
        ax.add_collection(LineCollection(lines, colors=colour, linewidths=0.4, alpha=0.35))
        for row in rows:
            xs = [centre(row, j) for j in sorted(reached[f][row])]
            size = 4 if row < 0 else 14
            ax.scatter(
                xs,
                [row + 1] * len(xs),
                s=size,
                color=colour,
                zorder=3,
                gid=f"nodes-{f}-{row}",
                label=f"feeds frame {f}" if row == len(config) - 1 else None,
            )
    for row in rows:
        shared = [j for j in reached[frames[0]][row] if sum(j in reached[f][row] for f in frames) > 1]
        if shared:
            xs = [centre(row, j) for j in sorted(shared)]
            ax.scatter(
                xs,
                [row + 1] * len(xs),
                s=4 if row < 0 else 14,
                color=shared_colour,
                zorder=4,
                gid=f"shared-{row}",
                label="feeds both" if row == -1 else None,
            )
    right_labels = []
    for row in rows:  # one bracket per row: the samples one position of that row sees
        j0 = min(reached[frames[0]][row])
        first, end = samples_seen(row, j0)
        jump = samples_seen(row, j0 + 1)[0] - first
        y = row + 1 + 0.3
        ax.plot(
            [first - 0.5, first - 0.5, end - 0.5, end - 0.5],
            [y - 0.08, y, y, y - 0.08],
            color="0.25",
            lw=1.1,
            gid=f"rf-{row}",
        )
        right_labels.append(f"rf {end - first}, jump {jump}")
    levels = [row + 1 for row in rows]
    names = [f"layer {row}  (k {config[row][1]}, s {config[row][2]})" if row >= 0 else "input" for row in rows]
    ax.set_yticks(levels, names)
    twin = ax.twinx()
    twin.set_ylim(-0.6, len(config) + 0.6)
    ax.set_ylim(-0.6, len(config) + 0.6)
    twin.set_yticks(levels, right_labels)
    twin.spines["right"].set_visible(False)
    twin.tick_params(length=0)
    ax.set_xlabel("input sample")
    fig.legend(loc="outside lower center", ncols=len(frames) + 1, markerscale=2)
    ax.margins(x=0.01)
    names = " and ".join(f"frame {f}" for f in frames)
    fig.suptitle(title or f"The receptive-field tree: the samples and positions that feed {names}")
    return fig


@styled
def normalized_axes(
    modules=None, batch: int = 2, channels: int = 4, positions: int = 6, title: str | None = None
) -> Figure:
    """Which cells of a ``[batch, C, T]`` block share one mean and variance, for each norm module.

    One panel per module (default: ``GroupNorm(512, 512)``, the transpose ``LayerNorm(512)`` and
    ``GroupNorm(1, 512)``); in it one grid per item (rows: channels, columns: positions), each
    cell coloured by its group (one colour = one mean and one variance; item 1 lighter). The
    groups come from *measuring* each module (:func:`~w2v2_walkthrough.norms.normalized_axes`),
    then drawing ``channels`` x ``positions`` of its block. Each cell is a ``Rectangle`` with gid
    ``"cell:<panel>:<item>:<channel>:<position>"``.
    """
    import torch
    from matplotlib.patches import Rectangle

    from . import norms
    from .components import LayerNorm

    if modules is None:
        modules = {
            "GroupNorm(512, 512)": torch.nn.GroupNorm(512, 512),
            "transpose LayerNorm(512)": LayerNorm(512),
            "GroupNorm(1, 512)": torch.nn.GroupNorm(1, 512),
        }
    if batch < 1 or channels < 1 or positions < 1:
        raise ValueError(f"batch, channels and positions must be >= 1, got {batch}, {channels}, {positions}.")
    palette = [OKABE_ITO[i] for i in (0, 1, 2, 3, 4, 5)]
    gap = 1.2
    fig = new_figure(2.5)
    axes = fig.subplots(1, len(modules), squeeze=False)[0]
    for p, (ax, (name, module)) in enumerate(zip(axes, modules.items(), strict=True)):
        label = norms.normalized_axes(module)
        groups = norms.statistics_groups(norms.CANDIDATE_AXES[label], batch, channels, positions)
        if len(groups[0].unique()) > len(palette):
            raise ValueError(f"At most {len(palette)} groups per item fit the palette; draw fewer cells.")
        for b in range(batch):
            first = int(groups[b].min())  # colours restart in every item
            x0 = b * (positions + gap)
            for c in range(channels):
                for t in range(positions):
                    k = int(groups[b, c, t]) - first
                    colour = palette[k % len(palette)]
                    cell = Rectangle((x0 + t, channels - 1 - c), 1, 1, facecolor=colour, edgecolor="white", lw=1.5)
                    cell.set_alpha(0.9 if b == 0 else 0.45)
                    cell.set_gid(f"cell:{p}:{b}:{c}:{t}")
                    ax.add_patch(cell)
            ax.text(x0 + positions / 2, -0.3, f"item {b}: position →", ha="center", va="top", fontsize=10)
        ax.set_xlim(-0.8, batch * (positions + gap) - gap + 0.2)
        ax.set_ylim(-1.6, channels + 0.2)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.text(-0.3, channels / 2, "channel", rotation=90, ha="right", va="center", fontsize=10)
        ax.set_title(f"{name}\n{label}", fontsize=11)
    fig.suptitle(
        title
        or f"One colour = one mean and variance ({channels} channels x {positions} positions drawn; item 1 lighter)"
    )
    return fig


@styled
def chunk_plan(num_samples: int = 2_100, chunk_frames: int = 2, shapes=None, title: str | None = None) -> Figure:
    """The chunks :func:`~w2v2_walkthrough.chunked.plan_chunks` cuts a signal into, on its sample axis.

    One row per chunk: a bar for the samples it reads, ``[start, stop)`` (artist gid
    ``"chunk-<n>"``), and under it one thin bar for the window of each frame it produces,
    ``[hop * i, hop * i + receptive_field)``. Dotted lines mark the hop grid: every chunk starts
    on it. Hatched: the samples two consecutive chunks both read (gid ``"overlap-<n>"``, between
    chunk ``n - 1`` and ``n``); grey: the tail in no frame's window. A layer_norm model never uses
    that tail; a group_norm model's layer 0 still reads all of it but the ``(L - 10) mod 5`` last
    samples into its statistics, which every frame depends on.
    """
    from . import arithmetic as ar
    from .chunked import plan_chunks

    chunks = list(plan_chunks(num_samples, chunk_frames, shapes))
    if not chunks:
        raise ValueError(f"{num_samples} samples give no frame: use at least {ar.receptive_field(shapes)}.")
    hop, rf = ar.hop_length(shapes), ar.receptive_field(shapes)
    fig = new_figure(1.4 + 0.5 * len(chunks) * (1 + 0.4 * chunk_frames))
    ax = fig.add_subplot()
    for x in range(0, num_samples + 1, hop):
        ax.axvline(x, color="0.75", linestyle=":", linewidth=1, zorder=0)
    ax.broken_barh([(0, num_samples)], (-1.0, 0.5), facecolors="0.85", gid="signal")
    ax.text(num_samples / 2, -0.75, f"signal: {num_samples} samples", ha="center", va="center")
    unused = num_samples - chunks[-1].stop
    if unused > 0:
        ax.broken_barh([(chunks[-1].stop, unused)], (-1.0, 0.5), facecolors="0.55", gid="unused")
        ax.text(num_samples, -1.15, f"last {unused}: in no frame's window", ha="right", va="bottom", fontsize=10)
    row_height = 1 + 0.4 * chunk_frames
    labels = []
    for n, chunk in enumerate(chunks):
        y, colour = n * row_height, OKABE_ITO[n % 3]
        ax.broken_barh(
            [(chunk.start, chunk.stop - chunk.start)], (y, 0.6), facecolors=colour, alpha=0.6, gid=f"chunk-{n}"
        )
        for j, frame in enumerate(range(chunk.first_frame, chunk.end_frame)):
            ax.broken_barh([(frame * hop, rf)], (y + 0.8 + 0.4 * j, 0.25), facecolors=colour)
        labels.append((y + 0.3, f"chunk {n}: frames [{chunk.first_frame}, {chunk.end_frame})"))
        if n > 0:
            shared = chunks[n - 1].stop - chunk.start
            ax.broken_barh(
                [(chunk.start, shared)],
                (y - row_height + 0.6, row_height),
                facecolors="none",
                edgecolors="0.2",
                hatch="///",
                gid=f"overlap-{n}",
            )
            ax.text(chunk.start + shared + 0.01 * num_samples, y - 0.2, f"{shared} samples read twice", va="center")
    ax.set_yticks([y for y, _ in labels], [text for _, text in labels])
    ax.set_ylim(len(chunks) * row_height, -1.9)  # headroom above the signal bar for the tail's label
    ax.set_xlim(-0.01 * num_samples, 1.01 * num_samples)
    ax.set_xticks(range(0, num_samples + 1, hop))
    ax.set_xlabel(f"sample (dotted: the hop grid, every {hop} samples; thin bars: each frame's {rf}-sample window)")
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.set_title(title or f"Chunks of {chunk_frames} frames: starts on the hop grid, {rf - hop}-sample overlaps")
    return fig


# Diagrams are added above this line, one @styled function each.
