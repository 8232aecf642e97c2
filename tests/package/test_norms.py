import ast
import copy
import importlib.util
import itertools
from pathlib import Path

import numpy as np
import pytest
import torch
from matplotlib.patches import Rectangle
from torchaudio.models.wav2vec2.components import _get_feature_extractor

from w2v2_walkthrough import diagrams, norms
from w2v2_walkthrough.components import LayerNorm
from w2v2_walkthrough.extraction import extract_features
from w2v2_walkthrough.tracing import trace_activations
from w2v2_walkthrough.weights import random_extractor


def test_textbook_forms_equal_the_modules():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 512, 150, generator=g) * 3 + 1
    gn = torch.nn.GroupNorm(512, 512)
    ln = LayerNorm(512)
    with torch.no_grad():
        for m in (gn, ln):
            m.weight.normal_(generator=g)
            m.bias.normal_(generator=g)
        assert torch.allclose(gn(x), norms.instance_norm_reference(x, gn.weight, gn.bias), atol=1e-5)
        assert torch.allclose(ln(x), norms.channel_layer_norm_reference(x, ln.weight, ln.bias), atol=1e-5)
        # and they are not interchangeable
        assert not torch.allclose(gn(x), norms.channel_layer_norm_reference(x, gn.weight, gn.bias), atol=1e-2)


def test_measured_axes():
    assert norms.normalized_axes(torch.nn.GroupNorm(512, 512)) == "over time, per (item, channel)"
    assert norms.normalized_axes(LayerNorm(512)) == "over channels, per (item, position)"
    assert norms.normalized_axes(torch.nn.GroupNorm(1, 512)) == "over channels and time, per item"
    assert norms.normalized_axes(torch.nn.GroupNorm(4, 4)) == "over time, per (item, channel)"  # own channels
    report = norms.measure_normalized_axes(torch.nn.GroupNorm(512, 512))
    assert report["over channels, per (item, position)"] > 0.1
    with pytest.raises(TypeError, match="GroupNorm or LayerNorm"):
        norms.normalized_axes(torch.nn.Identity())


def test_measurement_restores_affine_parameters():
    ln = LayerNorm(16)
    with torch.no_grad():
        ln.weight.fill_(3.0)
    norms.measure_normalized_axes(ln, channels=16)
    assert torch.all(ln.weight == 3.0)


# -- which cells share statistics, found by perturbation (independent of the axis labels) -------


def perturbation_partition(module, batch=2, channels=4, positions=6):
    """Cells of a [batch, channels, positions] block grouped by which outputs move when one input
    cell moves: for a normalization, exactly the cells that share its mean and variance."""
    g = torch.Generator().manual_seed(1)
    x = torch.randn(batch, channels, positions, generator=g, dtype=torch.float64)
    module = copy.deepcopy(module).double()
    with torch.no_grad():
        y = module(x)
        groups = []
        for cell in itertools.product(range(batch), range(channels), range(positions)):
            bumped = x.clone()
            bumped[cell] += 0.5
            moved = ((module(bumped) - y).abs() > 1e-12).nonzero()
            groups.append(frozenset(tuple(int(i) for i in row) for row in moved))
    return {frozenset(group) for group in groups}


def label_partition(labels):
    """{frozenset of cells} from a [batch, channels, positions] tensor of group labels."""
    cells = {}
    for cell in itertools.product(*(range(n) for n in labels.shape)):
        cells.setdefault(int(labels[cell]), set()).add(cell)
    return {frozenset(group) for group in cells.values()}


SMALL = [torch.nn.GroupNorm(4, 4), LayerNorm(4), torch.nn.GroupNorm(1, 4)]


@pytest.mark.parametrize("module", SMALL, ids=["GroupNorm(C,C)", "LayerNorm", "GroupNorm(1,C)"])
def test_statistics_groups_match_the_modules(module):
    dims = norms.CANDIDATE_AXES[norms.normalized_axes(module)]
    assert label_partition(norms.statistics_groups(dims, 2, 4, 6)) == perturbation_partition(module)


def test_statistics_groups_rejects_the_batch_axis():
    with pytest.raises(ValueError, match="subset of"):
        norms.statistics_groups((0, 2), 2, 4, 6)


def test_normalized_axes_diagram_shades_the_measured_groups():
    fig = diagrams.normalized_axes()
    colours = {}
    for patch in fig.findobj(Rectangle):
        gid = patch.get_gid() or ""
        if gid.startswith("cell:"):
            panel, b, c, t = (int(v) for v in gid.split(":")[1:])
            colours.setdefault(panel, {})[(b, c, t)] = tuple(patch.get_facecolor())
    assert sorted(colours) == [0, 1, 2] and all(len(cells) == 2 * 4 * 6 for cells in colours.values())
    for panel, module in enumerate(SMALL):  # the default panels: GroupNorm(C, C), LayerNorm(C), GroupNorm(1, C)
        by_colour = {}
        for cell, colour in colours[panel].items():
            by_colour.setdefault(colour, set()).add(cell)
        assert {frozenset(cells) for cells in by_colour.values()} == perturbation_partition(module)


def test_normalized_axes_diagram_refuses_more_groups_than_colours():
    with pytest.raises(ValueError, match="draw fewer cells"):
        diagrams.normalized_axes(positions=9)


# -- padding, per-item statistics, batched extraction ------------------------------------------


def test_valid_instance_norm_equals_group_norm_on_each_items_valid_slice():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 6, 20, generator=g) * 4 + 2
    lengths = [20, 7, 2]
    y = norms.valid_instance_norm(x, lengths)
    for b, n in enumerate(lengths):
        expected = torch.nn.functional.group_norm(x[b : b + 1, :, :n], 6, eps=1e-5)
        assert torch.allclose(y[b : b + 1, :, :n], expected, atol=1e-5)
        assert torch.all(y[b, :, n:] == 0)
    assert not torch.allclose(y[1:2, :, :7], norms.instance_norm_reference(x[1:2])[:, :, :7], atol=1e-2)


def mirror_and_torchaudio(norm_mode):
    """A random extractor and torchaudio's own module with the same weights."""
    preset = {"group_norm": "wav2vec2_base", "layer_norm": "hubert_large"}[norm_mode]
    mirror = random_extractor(preset, seed=3)
    with torch.device("meta"):  # no init: the weights are copied in
        upstream = _get_feature_extractor(norm_mode, [(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512, 2, 2)] * 2, False)
    upstream.load_state_dict(mirror.state_dict(), assign=True)
    return mirror, upstream.eval()


@pytest.mark.parametrize("norm_mode", ["group_norm", "layer_norm"])
def test_batched_features_equal_each_clip_alone(norm_mode):
    mirror, upstream = mirror_and_torchaudio(norm_mode)
    g = torch.Generator().manual_seed(0)
    clips = [0.1 * torch.randn(n, generator=g) for n in (720, 400, 1200, 719)]
    batched = norms.batched_features(mirror, clips)
    padded = torch.nn.utils.rnn.pad_sequence(clips, batch_first=True)
    with torch.no_grad():
        plain, _ = upstream(padded, None)  # an ordinary padded batch
        for clip, got, row in zip(clips, batched, plain, strict=True):
            alone, _ = upstream(clip[None], None)
            assert got.shape == alone[0].shape
            assert float((got - alone[0]).abs().max() / alone[0].abs().max()) < 1e-5
            if norm_mode == "group_norm" and clip.numel() < 1200:  # plain padding moves group_norm frames
                assert float((row[: len(got)] - alone[0]).abs().max() / alone[0].abs().max()) > 1e-3


def test_batched_features_explains_bad_input():
    base = random_extractor("wav2vec2_base")
    with pytest.raises(ValueError, match="at least 400 samples"):
        norms.batched_features(base, [torch.zeros(1000), torch.zeros(399)])
    with pytest.raises(ValueError, match="1-D"):
        norms.batched_features(base, [torch.zeros(1, 1000)])
    with pytest.raises(ValueError, match="non-empty"):
        norms.batched_features(base, [])
    base.conv_layers[0].layer_norm = torch.nn.GroupNorm(8, 512)
    with pytest.raises(ValueError, match=r"GroupNorm\(C, C\)"):
        norms.batched_features(base, [torch.zeros(1000)])


def test_padding_sweep_against_a_hand_padded_run():
    g = torch.Generator().manual_seed(0)
    clip = 0.1 * torch.randn(1200, generator=g)
    sweep = {}
    for norm_mode in ("group_norm", "layer_norm"):
        mirror, upstream = mirror_and_torchaudio(norm_mode)
        sweep[norm_mode] = norms.padding_sweep(mirror, clip, [0.05, 1.0])
        with torch.no_grad():
            alone = upstream(clip[None], None)[0][0]
            padded = upstream(torch.cat([clip, torch.zeros(1200)])[None], None)[0][0, : len(alone)]
        by_hand = (padded - alone).norm(dim=-1) / alone.norm(dim=-1)
        assert sweep[norm_mode].shape == (2, len(alone))
        assert torch.allclose(sweep[norm_mode][1], by_hand, atol=1e-5)
    assert float(sweep["layer_norm"].max()) < 1e-5  # local: the valid frames never see the padding
    assert float(sweep["group_norm"].min()) > 1e-4  # the statistics do
    assert float(sweep["group_norm"][0].median()) < float(sweep["group_norm"][1].median())  # more padding, more change


def test_frame_changes_handles_silent_frames():
    ref = torch.tensor([[3.0, 4.0], [0.0, 0.0], [0.0, 0.0]])
    new = torch.tensor([[3.0, 4.0 + 0.5], [0.0, 0.0], [1.0, 0.0]])
    assert norms.frame_changes(new, ref).tolist() == pytest.approx([0.1, 0.0, float("inf")])


# -- gain, DC offset, do_normalize ---------------------------------------------------------------


def test_zero_mean_unit_var_is_hugging_faces_do_normalize():
    from transformers.models.wav2vec2.feature_extraction_wav2vec2 import Wav2Vec2FeatureExtractor

    x = 0.3 * torch.randn(3000, generator=torch.Generator().manual_seed(0)) + 0.02
    (expected,) = Wav2Vec2FeatureExtractor.zero_mean_unit_var_norm([x.numpy()], None)
    assert torch.allclose(norms.zero_mean_unit_var(x), torch.from_numpy(expected), atol=1e-6)


def test_with_eps_changes_a_copy_only():
    for preset in ("wav2vec2_base", "hubert_large"):
        original = random_extractor(preset)
        changed = norms.with_eps(original, 1e-30)
        original_eps = [b.layer_norm.eps for b in original.conv_layers if b.layer_norm is not None]
        changed_eps = [b.layer_norm.eps for b in changed.conv_layers if b.layer_norm is not None]
        assert original_eps and set(original_eps) == {1e-5} and set(changed_eps) == {1e-30}
        assert len(changed_eps) == len(original_eps)


def quiet_speechlike(num_samples=2000):
    """Noise whose loudness varies (quiet stretches), with a small DC offset."""
    g = torch.Generator().manual_seed(0)
    envelope = torch.linspace(0, 6.28 * 3, num_samples).sin().abs() + 0.01
    return 0.1 * envelope * torch.randn(num_samples, generator=g) + 0.003


def test_gain_and_dc_invariances_are_architectural():
    """The reasons the notebook gives, checked on other weights (seed 5) and another signal."""
    clip = quiet_speechlike()
    inputs = {"x10": lambda x: 10 * x, "dc": lambda x: x + 0.05, "norm": norms.zero_mean_unit_var}
    base = random_extractor("wav2vec2_base", seed=5)
    hubert = random_extractor("hubert_large", seed=5)
    lv60k = random_extractor("wav2vec2_large_lv60k", seed=5)
    models = {"base": base, "hubert": hubert, "lv60k": lv60k}
    exact = {name: norms.sensitivity(norms.with_eps(m, 1e-30), clip, inputs) for name, m in models.items()}
    assert max(exact["base"].values()) < 1e-5  # group_norm, no bias: gain, DC and do_normalize all vanish
    assert exact["hubert"]["x10"] < 1e-5  # layer_norm, no bias: gain vanishes without eps ...
    assert exact["hubert"]["dc"] > 0.01  # ... a DC offset does not
    assert exact["lv60k"]["x10"] > 0.01  # conv bias: gain matters even without eps
    with_eps = norms.sensitivity(base, clip, inputs)
    assert with_eps["dc"] < 1e-5 and with_eps["x10"] > 1e-4  # eps is what is left of a gain


def biased(norm_mode, seed, same_in_every_channel=False):
    """torchaudio's own extractor with a conv bias in every layer: PyTorch's default weights,
    random biases (std 0.1, the scale of the conv outputs; one value for all channels, or one per
    channel) and norm parameters far from their init (gamma in [0.2, 2], beta of std 0.5)."""
    shapes = [(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512, 2, 2)] * 2
    torch.manual_seed(seed)
    model = _get_feature_extractor(norm_mode, shapes, True)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for block in model.conv_layers:
            bias = block.conv.bias
            bias.copy_(0.1 * torch.randn(1 if same_in_every_channel else bias.numel(), generator=g).expand_as(bias))
            if block.layer_norm is not None:
                block.layer_norm.weight.uniform_(0.2, 2.0, generator=g)
                block.layer_norm.bias.normal_(0.0, 0.5, generator=g)
    return model.eval()


def test_a_conv_bias_keeps_a_gain_only_in_layer_norm_mode_and_only_if_it_differs_across_channels():
    """group_norm: a per-channel bias is a constant over time, removed with the mean (layer 0),
    and the later layers see gain-free input. layer_norm: the LayerNorm removes the bias's mean
    over channels, so only a bias that differs across channels keeps a gain. eps -> 0 throughout."""
    clip = quiet_speechlike()
    x10 = {"x10": lambda x: 10 * x}
    changes = {
        name: norms.sensitivity(norms.with_eps(model, 1e-30), clip, x10)["x10"]
        for name, model in {
            "group_norm": biased("group_norm", 1),
            "layer_norm, one bias": biased("layer_norm", 2, same_in_every_channel=True),
            "layer_norm, per channel": biased("layer_norm", 3),
        }.items()
    }
    assert changes["group_norm"] < 1e-4
    assert changes["layer_norm, one bias"] < 1e-4
    assert changes["layer_norm, per channel"] > 0.01


def test_sensitivity_equals_separate_runs():
    base = random_extractor("wav2vec2_base")
    clip = quiet_speechlike(2000)
    batched = norms.sensitivity(base, clip, {"x3": lambda x: 3 * x})["x3"]
    alone = extract_features(base, clip)[0]
    loud = extract_features(base, 3 * clip)[0]
    assert abs(batched - float((loud - alone).norm() / alone.norm())) < 1e-6


def test_padding_a_step_an_offset_and_what_the_projection_norm_removes():
    base = random_extractor("wav2vec2_base")
    clip = quiet_speechlike(1200)  # 3 frames
    zeros = torch.zeros(1200)
    padded = norms.sensitivity(base, clip, {"dc": lambda x: x + 0.05, "x3": lambda x: 3 * x}, padding=1.0)
    alone = extract_features(base, torch.cat([clip, zeros]))[0][0, :3]
    offset = extract_features(base, torch.cat([clip + 0.05, zeros]))[0][0, :3]
    assert padded["dc"] == pytest.approx(float((offset - alone).norm() / alone.norm()), abs=1e-6)
    assert padded["dc"] > 100 * norms.sensitivity(base, clip, {"dc": lambda x: x + 0.05})["dc"]  # a step, not DC
    assert padded["x3"] < 0.01  # a gain still cancels up to eps
    projection_norm = norms.feature_projection_norm()
    with torch.no_grad():
        assert torch.allclose(projection_norm(7 * alone), projection_norm(alone), rtol=1e-3, atol=1e-3)  # up to eps
    raw = norms.padding_sweep(base, clip, [1.0])
    after = norms.padding_sweep(base, clip, [1.0], after=projection_norm)
    share = norms.padding_sweep(base, clip, [1.0], measure=norms.gain_share)
    assert raw.shape == after.shape == share.shape == (1, 3)
    assert bool((after < raw).all()) and bool(((share > 0) & (share < 1)).all())


def test_gain_share_is_the_part_of_the_change_along_the_frame():
    ref = torch.tensor([[3.0, 4.0], [1.0, 0.0], [1.0, 0.0]])
    new = torch.tensor([[6.0, 8.0], [1.0, 2.0], [2.0, 1.0]])  # a gain; orthogonal; half and half
    assert norms.gain_share(new, ref).tolist() == pytest.approx([1.0, 0.0, 0.5])


@pytest.mark.parametrize("preset", ["wav2vec2_base", "hubert_large"])
def test_layer0_before_the_affine_step(preset):
    """affine=False gives the normalization alone, whatever gamma and beta are; the module's output
    is gamma * that + beta. The statistics are recomputed here with numpy, over the norm's axes."""
    extractor = random_extractor(preset, seed=4)
    norm = extractor.conv_layers[0].layer_norm
    g = torch.Generator().manual_seed(4)
    with torch.no_grad():
        norm.weight.uniform_(0.2, 2.0, generator=g)  # far from the init (1, 0)
        norm.bias.normal_(0.0, 0.5, generator=g)
    clip = quiet_speechlike(2000)
    conv, normalized = norms.run_layer0(extractor, clip, affine=False)
    _, output = norms.run_layer0(extractor, clip)
    axis = 2 if preset == "wav2vec2_base" else 1  # GroupNorm(C, C): over time; LayerNorm: over channels
    x = conv.double().numpy()
    expected = (x - x.mean(axis=axis, keepdims=True)) / np.sqrt(x.var(axis=axis, keepdims=True) + 1e-5)
    np.testing.assert_allclose(normalized.numpy(), expected, rtol=1e-4, atol=1e-4)
    gamma, beta = norm.weight.detach()[None, :, None], norm.bias.detach()[None, :, None]
    assert torch.allclose(output, normalized * gamma + beta, atol=1e-5)
    assert not torch.allclose(output, normalized, atol=1e-2)  # the affine step is not the identity here
    # the reading the notebook asserts: per channel, mean beta_c and std |gamma_c| sigma / sqrt(sigma^2 + eps)
    if preset == "wav2vec2_base":
        var = conv[0].var(dim=1, unbiased=False)
        std = output[0].std(dim=1, unbiased=False)
        assert torch.allclose(std, gamma.flatten().abs() * torch.sqrt(var / (var + 1e-5)), rtol=1e-3)
        assert not torch.allclose(std, torch.sqrt(var / (var + 1e-5)), rtol=1e-2)


def test_layer0_is_the_first_block_of_a_trace():
    base = random_extractor("wav2vec2_base")
    clip = quiet_speechlike(2000)
    conv, norm = norms.run_layer0(base, clip)
    trace = trace_activations(base, clip)
    assert torch.equal(conv, trace.layers[0].conv) and torch.equal(norm, trace.layers[0].norm)
    assert norms.run_layer0(random_extractor("wav2vec2_large_lv60k"), clip)[1] is not None
    no_norm = random_extractor("wav2vec2_base")
    no_norm.conv_layers[0].layer_norm = None
    assert norms.run_layer0(no_norm, clip)[1] is None


# -- what the notebook says about Hugging Face's feature encoder ---------------------------------


def hf_method(cls, name):
    """A method's AST from the installed transformers' wav2vec2 model file (without importing it)."""
    root = Path(importlib.util.find_spec("transformers").origin).parent
    tree = ast.parse((root / "models" / "wav2vec2" / "modeling_wav2vec2.py").read_text())
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == cls)
    return next(n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == name)


def test_hugging_face_conv_stack_never_sees_the_attention_mask():
    encoder_forward = hf_method("Wav2Vec2FeatureEncoder", "forward")
    assert [a.arg for a in encoder_forward.args.args] == ["self", "input_values"]
    calls = [n for n in ast.walk(hf_method("Wav2Vec2Model", "forward")) if isinstance(n, ast.Call)]
    (encoder_call,) = [c for c in calls if ast.unparse(c.func) == "self.feature_extractor"]
    assert [ast.unparse(a) for a in encoder_call.args] == ["input_values"] and not encoder_call.keywords


def test_hugging_face_zeroes_masked_frames_before_the_positional_conv():
    """The notebook's correction of the 4.x docstring: the mask does reach a convolution, the
    Transformer encoder's convolutional positional embedding, after the feature encoder."""
    for cls in ("Wav2Vec2Encoder", "Wav2Vec2EncoderStableLayerNorm"):
        statements = list(ast.walk(hf_method(cls, "forward")))
        zeroing = [
            n.lineno
            for n in statements
            if isinstance(n, ast.Assign)
            and ast.unparse(n.targets[0]) == "hidden_states[~expand_attention_mask]"
            and ast.unparse(n.value) == "0"
        ]
        positional = [
            n.lineno for n in statements if isinstance(n, ast.Call) and ast.unparse(n.func) == "self.pos_conv_embed"
        ]
        assert zeroing and positional and max(zeroing) < min(positional)


def test_padding_sweep_plot_draws_median_and_worst_with_a_floor():
    from w2v2_walkthrough import plotting

    changes = {"a": torch.tensor([[0.01, 0.02, 0.03], [0.1, 0.2, 0.4]]), "b": torch.zeros(2, 3)}
    fig = plotting.plot_padding_sweep([0.01, 0.1], changes, floor=1e-7)
    lines = {line.get_label(): line.get_ydata() for line in fig.axes[0].get_lines()}
    assert list(lines["a: median over frames"]) == pytest.approx([2.0, 20.0])  # percent
    assert list(lines["a: worst frame"]) == pytest.approx([3.0, 40.0])
    assert list(lines["b: worst frame"]) == pytest.approx([1e-5, 1e-5])  # zeros drawn at the floor
