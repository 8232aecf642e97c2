import torch

from w2v2_walkthrough import norms
from w2v2_walkthrough.components import LayerNorm


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
    assert norms.normalized_axes(LayerNorm(512)) == "over channels, per (item, frame)"
    assert norms.normalized_axes(torch.nn.GroupNorm(1, 512)) == "over channels and time, per item"
    report = norms.measure_normalized_axes(torch.nn.GroupNorm(512, 512))
    assert report["over channels, per (item, frame)"] > 0.1


def test_measurement_restores_affine_parameters():
    ln = LayerNorm(16)
    with torch.no_grad():
        ln.weight.fill_(3.0)
    norms.measure_normalized_axes(ln, channels=16)
    assert torch.all(ln.weight == 3.0)
