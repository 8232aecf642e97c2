"""What exact_batch fixes, and what it costs (issue 19). Reported, not gated.

    .venv/bin/python benchmarks/exact_batch.py [--pairs N]

1. Differences, model side: torchaudio ``wav2vec2_base()`` (default init, seed 0, NOT pretrained),
   3 clips of 16 000 / 11 000 / 7 000 samples padded to 16 000: each padded item against its solo
   run, plain batch and exact_batch.
2. Differences, processor side: Hugging Face's ``Wav2Vec2FeatureExtractor(do_normalize=True)``
   without an attention mask normalizes each row over its padded length. Each item's input
   against the clip processed alone, and the features of a Base-sized HF model (random init) of
   both norm modes, fed the processor's batch through exact_batch.
3. Bundle vs command line: features of the LV-60k extractor (kaiming random, seed 0) on the bundled
   speech clip, as the normalizing bundle's model computes them (``layer_norm`` of the waveform,
   then the extractor) against ``extract_chunked`` with ``normalize`` off and on (what the CLI runs).
4. Cost on the full ``wav2vec2_base()``: 8 clips of 2, 3, ..., 9 s, 2 threads; exact vs plain padded
   batch and one-by-one vs batched, in back-to-back pairs of alternating order, with an A/A control
   (plain against plain). Ratios are medians of per-pair ratios, with their range.
"""

import argparse

import numpy as np
import torch
import torchaudio
import transformers as tf

import w2v2_walkthrough as w2v
from benchmark import paired_times  # alternating back-to-back pairs, as benchmark.py times
from w2v2_walkthrough.chunked import extract_chunked
from w2v2_walkthrough.compare import difference


def padded(lengths, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(len(lengths), max(lengths), generator=g) * 0.1 + 0.05  # (B, T)
    for b, n in enumerate(lengths):
        x[b, n:] = 0
    return x, torch.tensor(lengths)


def per_item(batched, solos):
    return [difference(batched[b, : s.shape[0]], s) for b, s in enumerate(solos)]


def fmt(diffs):
    return ", ".join(f"{d.relative:.1%} (max {d.max_rel:.1e})" for d in diffs)


@torch.no_grad()
def model_side():
    torch.manual_seed(0)
    model = torchaudio.models.wav2vec2_base().eval()
    x, lengths = padded([16_000, 11_000, 7_000])
    solos = [model(x[b : b + 1, :n])[0][0] for b, n in enumerate(lengths.tolist())]
    plain = per_item(model(x, lengths)[0], solos)
    exact = per_item(w2v.exact_batch(model)(x, lengths)[0], solos)
    print("1. model side, wav2vec2_base() default init, items 16000/11000/7000, relative (max |diff|/max |solo|):")
    print(f"   plain batch: {fmt(plain)}\n   exact_batch: {fmt(exact)}")


@torch.no_grad()
def processor_side():
    g = np.random.default_rng(0)
    clips = [
        (0.1 * g.standard_normal(n) + 0.05 * (b + 1)).astype(np.float32) for b, n in enumerate([48_000, 32_000, 16_000])
    ]
    processor = tf.Wav2Vec2FeatureExtractor(do_normalize=True, return_attention_mask=False)
    batch = processor(clips, sampling_rate=16_000, padding=True, return_tensors="pt")["input_values"]
    fixed = w2v.hf_batch_inputs(processor, clips)
    alone = [processor(c, sampling_rate=16_000, return_tensors="pt")["input_values"][0] for c in clips]
    inputs = per_item(batch[:, :, None], [a[:, None] for a in alone])
    print("2. processor side (do_normalize, no attention mask), items 3 s / 2 s / 1 s:")
    print(f"   input values, processor's batch vs each clip alone: {fmt(inputs)}")
    for norm in ("group", "layer"):
        config = tf.Wav2Vec2Config(
            feat_extract_norm=norm, do_stable_layer_norm=norm == "layer", conv_bias=norm == "layer"
        )
        torch.manual_seed(0)
        model = tf.Wav2Vec2Model(config).eval()
        solos = [model(a[None]).last_hidden_state[0] for a in alone]
        exact = w2v.exact_batch(model)
        via_processor = exact(batch, attention_mask=fixed["attention_mask"]).last_hidden_state
        via_helper = exact(**fixed).last_hidden_state
        plain = model(batch).last_hidden_state
        print(f"   HF Base-sized, feat_extract_norm={norm!r} (random init):")
        print(f"     processor batch, plain model (no mask): {fmt(per_item(plain, solos))}")
        print(f"     processor batch, exact_batch:           {fmt(per_item(via_processor, solos))}")
        print(f"     hf_batch_inputs, exact_batch:           {fmt(per_item(via_helper, solos))}")


@torch.no_grad()
def bundle_vs_cli():
    clip, _ = w2v.load_speech_clip()
    extractor = w2v.random_extractor("wav2vec2_large_lv60k", seed=0)
    bundle = extractor(torch.nn.functional.layer_norm(clip[None], clip[None].shape), None)[0][0]
    print("3. LV-60k extractor (kaiming random, seed 0), bundled speech clip; bundle model's features vs CLI:")
    for normalize in (False, True):
        got = extract_chunked(extractor, clip, progress=False, normalize=normalize)
        print(f"   --normalize {'on ' if normalize else 'off'}: {difference(got, bundle)}")


def show(label, a, b, n_pairs):
    *_, ratio, lo, hi = paired_times(a, b, n_pairs)
    print(f"   {label}: {ratio:.3f} (pairs {lo:.2f}-{hi:.2f}, n={n_pairs})")


@torch.no_grad()
def cost(n_pairs):
    torch.set_num_threads(2)
    torch.manual_seed(0)
    model = torchaudio.models.wav2vec2_base().eval()
    exact = w2v.exact_batch(model)
    x, lengths = padded([s * 16_000 for s in range(2, 10)])
    solo = [x[b : b + 1, :n] for b, n in enumerate(lengths.tolist())]

    def plain():
        model(x, lengths)

    def one_by_one():
        for s in solo:
            model(s)

    print(f"4. cost, wav2vec2_base(), 8 clips of 2..9 s, {torch.get_num_threads()} threads:")
    show("A/A control, plain / plain", plain, plain, n_pairs)
    show("exact_batch / plain batch", lambda: exact(x, lengths), plain, n_pairs)
    show("one-by-one / plain batch", one_by_one, plain, n_pairs)
    show("one-by-one / exact_batch", one_by_one, lambda: exact(x, lengths), n_pairs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=6)
    args = parser.parse_args()
    model_side()
    processor_side()
    bundle_vs_cli()
    cost(args.pairs)


if __name__ == "__main__":
    main()
