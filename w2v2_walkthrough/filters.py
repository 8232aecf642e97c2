"""The first layer as a filter bank: frequency responses of its kernels, and measures that tell a
designed filter bank from random filters for any weights.

Layer 0 is ``Conv1d(1, 512, kernel_size=10, stride=5)``: 512 FIR filters of 10 taps (0.625 ms).
Ten taps cannot make a narrow band-pass filter: no 10-tap kernel keeps more than a bounded share
of its energy near one frequency (:func:`max_energy_near`, Slepian's concentration problem). The
width of the main lobe alone is no such limit: a windowed 10-tap cosine's first nulls lie
``sample_rate / taps`` = 1.6 kHz (rectangular) or twice that (Hann) from its peak, but taps spread
apart (a comb) narrow the main lobe, at the price of other lobes nearly as high
(:func:`largest_other_lobe`). So the measures here compare a set of kernels with two references
computed on the spot: random filters drawn as at initialisation (:func:`random_init_bank`) and an
ideal bank of Hann-windowed cosines at evenly spaced frequencies (:func:`cosine_bank`).

Spectra are sampled at ``n_fft`` points of the whole frequency circle (``[-fs/2, fs/2)``, the
rfft grid ``0 .. fs/2`` plus its mirror), so means over frequency are exact averages over the
circle: by Parseval the total energy is ``n_fft * sum(kernel ** 2)``. Every measure is
scale-invariant. Kernels are ``[out, 1, taps]`` (a conv weight), ``[out, taps]`` or ``[taps]``.
"""

import math

import torch
from torch import Tensor

from .presets import SAMPLE_RATE

TINY = torch.finfo(torch.float64).tiny  # log(0) guard: a power of exactly 0 counts as this


def as_kernels(weight: Tensor) -> Tensor:
    """``[out, taps]`` float64 from a conv weight ``[out, 1, taps]``, a stack ``[out, taps]`` or one
    kernel ``[taps]``; anything else raises a ``ValueError`` that names the shapes accepted."""
    w = torch.as_tensor(weight).detach().cpu()
    if w.dim() == 3 and w.shape[1] == 1:
        w = w[:, 0]
    elif w.dim() == 1:
        w = w[None]
    if w.dim() != 2 or w.shape[-1] == 0:
        raise ValueError(
            f"Expected kernels [out, 1, taps] (a Conv1d weight with one input channel), [out, taps] or "
            f"[taps], got shape {list(torch.as_tensor(weight).shape)}."
        )
    return w.double()


def circle_weights(freqs: Tensor, n_fft: int) -> Tensor:
    """Each rfft bin's weight on the whole circle: 1 for 0 Hz and (even ``n_fft``) the Nyquist
    bin, which have no mirror image; 2 for the others. The weights sum to ``n_fft``."""
    weight = torch.full_like(freqs, 2.0)
    weight[0] = 1.0
    if n_fft % 2 == 0:
        weight[-1] = 1.0
    return weight


def power_spectra(weight: Tensor, sample_rate: int = SAMPLE_RATE, n_fft: int = 512) -> tuple[Tensor, Tensor]:
    """``(freqs [n_fft//2+1] in Hz, |H|^2 [out, n_fft//2+1])``: each kernel's power response on the rfft grid.

    Computed from the kernel's autocorrelation ``r``, ``|H(f)|^2 = r_0 + 2 sum_k r_k cos(2 pi f k / fs)``:
    one small matrix product, much cheaper than an FFT zero-padded from 10 taps to ``n_fft``.
    """
    kernels = as_kernels(weight)
    taps = kernels.shape[-1]
    if n_fft < taps:
        raise ValueError(f"n_fft ({n_fft}) must be at least the number of taps ({taps}).")
    freqs = torch.fft.rfftfreq(n_fft, 1 / sample_rate).double()
    acf = torch.stack([(kernels[:, : taps - k] * kernels[:, k:]).sum(dim=1) for k in range(taps)], dim=1)  # (out, taps)
    cosines = torch.cos(2 * math.pi * torch.arange(taps, dtype=torch.float64)[:, None] * freqs / sample_rate)
    cosines[1:] *= 2  # (taps, F)
    return freqs, (acf @ cosines).clamp_min(0)  # (out, F); rounding must not make a null negative


def frequency_responses(weight: Tensor, sample_rate: int = SAMPLE_RATE, n_fft: int = 512) -> tuple[Tensor, Tensor]:
    """Magnitude responses of the kernels: ``(freqs [n_fft//2+1] in Hz, |H| [out, n_fft//2+1])``."""
    freqs, power = power_spectra(weight, sample_rate, n_fft)
    return freqs, power.sqrt()


def peak_frequencies(weight: Tensor, sample_rate: int = SAMPLE_RATE, n_fft: int = 512) -> Tensor:
    """The frequency (Hz) at which each kernel's magnitude response is largest, ``[out]`` (the
    lowest such frequency on a tie)."""
    freqs, power = power_spectra(weight, sample_rate, n_fft)
    return freqs[power.argmax(dim=1)]


def bank_measures(
    weight: Tensor, halfwidth_hz: float = 500, sample_rate: int = SAMPLE_RATE, n_fft: int = 512
) -> dict[str, Tensor]:
    """Three measures of each kernel, each ``[out]``: where it peaks, how flat its spectrum is,
    and how much of its energy lies within ``halfwidth_hz`` of its peak (and the mirror image).
    A kernel of zeros counts as flat (1) with no energy near its peak (0)."""
    freqs, power = power_spectra(weight, sample_rate, n_fft)  # (F,), (out, F)
    share = circle_weights(freqs, n_fft) / n_fft  # each bin's share of the whole circle
    peak = freqs[power.argmax(dim=1)]  # (out,)
    near = (freqs - peak[:, None]).abs() <= halfwidth_hz  # (out, F)
    mean = (power * share).sum(dim=1).clamp_min(TINY)  # (out,) arithmetic mean of |H|^2
    geometric = torch.exp((torch.log(power.clamp_min(TINY)) * share).sum(dim=1))  # (out,)
    near_energy = (power * share * near).sum(dim=1)  # (out,)
    return {"peak_hz": peak, "flatness": geometric / mean, "near_peak": near_energy / mean}


def spectral_flatness(weight: Tensor, n_fft: int = 512) -> Tensor:
    """Geometric over arithmetic mean of each kernel's power spectrum on the whole circle, ``[out]``:
    1 for a flat spectrum (a single tap), near 0 for a spectrum with deep stop bands."""
    return bank_measures(weight, n_fft=n_fft)["flatness"]


def energy_near_peak(
    weight: Tensor, halfwidth_hz: float = 500.0, sample_rate: int = SAMPLE_RATE, n_fft: int = 512
) -> Tensor:
    """The fraction of each kernel's energy within ``halfwidth_hz`` of its peak frequency (and of
    the mirror image at minus the peak), ``[out]``."""
    return bank_measures(weight, halfwidth_hz, sample_rate, n_fft)["near_peak"]


def max_energy_near(
    centres_hz, taps: int = 10, halfwidth_hz: float = 500.0, sample_rate: int = SAMPLE_RATE, n_fft: int = 512
) -> Tensor:
    """The most energy ANY kernel of ``taps`` taps can keep within ``halfwidth_hz`` of each of
    ``centres_hz`` (a number or a sequence; and the mirror image), on the grid
    :func:`bank_measures` uses, ``[len(centres_hz)]``: the largest eigenvalue of the band's
    concentration matrix (the discrete prolate spheroidal sequence, Slepian's problem).

    The band holds ``h^T M h`` of the energy ``n_fft * h^T h``, with
    ``M[m, n] = sum over band bins of w_f cos(2 pi f (m - n) / fs)``.
    """
    centres = torch.as_tensor(centres_hz, dtype=torch.float64).reshape(-1)
    freqs = torch.fft.rfftfreq(n_fft, 1 / sample_rate).double()
    band = (freqs - centres[:, None]).abs() <= halfwidth_hz  # (C, F)
    lag = torch.arange(taps, dtype=torch.float64)
    cosines = torch.cos(2 * math.pi * (lag[:, None] - lag)[..., None] * freqs / sample_rate)  # (taps, taps, F)
    m = torch.einsum("cf,mnf->cmn", band * circle_weights(freqs, n_fft), cosines) / n_fft  # (C, taps, taps)
    return torch.linalg.eigvalsh(m)[:, -1]


def _main_lobe(power: Tensor) -> tuple[int, int, int]:
    """``(left, peak, right)`` bin indices of one power spectrum's main lobe: the global peak and
    the first minimum on either side of it (the band's end where there is none)."""
    last = len(power) - 1
    peak = left = right = int(power.argmax())
    while right < last and power[right + 1] < power[right]:
        right += 1
    while left > 0 and power[left - 1] < power[left]:
        left -= 1
    return left, peak, right


def main_lobe_halfwidth(weight: Tensor, sample_rate: int = SAMPLE_RATE, n_fft: int = 3200) -> Tensor:
    """Half the distance (Hz) between the first minima of ``|H|`` either side of each kernel's
    peak, ``[out]``; at 0 Hz or the Nyquist frequency the one side that exists counts."""
    freqs, power = power_spectra(weight, sample_rate, n_fft)
    last = len(freqs) - 1
    widths = []
    for p in power:
        left, peak, right = _main_lobe(p)
        if peak == 0:
            widths.append(freqs[right] - freqs[peak])
        elif peak == last:
            widths.append(freqs[peak] - freqs[left])
        else:
            widths.append((freqs[right] - freqs[left]) / 2)
    return torch.stack(widths)


def largest_other_lobe(weight: Tensor, sample_rate: int = SAMPLE_RATE, n_fft: int = 3200) -> Tensor:
    """The largest ``|H|`` outside each kernel's main lobe (beyond the first minima either side of
    its peak, on ``0 .. fs/2``) over the peak's ``|H|``, ``[out]``: near 0 for a clean band-pass,
    near 1 for a comb whose grating lobes repeat the peak (1 for a flat spectrum); 0 where the
    main lobe fills the band."""
    _, power = power_spectra(weight, sample_rate, n_fft)
    ratios = []
    for p in power:
        left, peak, right = _main_lobe(p)
        outside = torch.cat([p[:left], p[right + 1 :]])
        top = float(outside.max()) if len(outside) else 0.0
        ratios.append(math.sqrt(top / float(p[peak])) if p[peak] > 0 else 0.0)
    return torch.tensor(ratios, dtype=torch.float64)


def cosine_bank(count: int = 512, taps: int = 10, sample_rate: int = SAMPLE_RATE) -> Tensor:
    """An ideal bank ``[count, 1, taps]``: Hann-windowed cosines (``torch.hann_window``, periodic)
    centred at ``(i + 1/2) * (sample_rate / 2) / count`` Hz, evenly spaced over ``0 .. fs/2``."""
    centres = (torch.arange(count, dtype=torch.float64) + 0.5) * (sample_rate / 2) / count
    n = torch.arange(taps, dtype=torch.float64)
    kernels = torch.cos(2 * math.pi * centres[:, None] * n / sample_rate) * torch.hann_window(taps, dtype=torch.float64)
    return kernels[:, None].float()


def mel_cosine_bank(count: int = 512, taps: int = 10, sample_rate: int = SAMPLE_RATE) -> Tensor:
    """Like :func:`cosine_bank`, with centres evenly spaced on the mel scale
    (``2595 log10(1 + f / 700)``) between 0 Hz and ``sample_rate / 2``, ends excluded: most
    filters low, as in a learned bank that follows speech's energy. ``[count, 1, taps]``."""
    top = 2595 * math.log10(1 + (sample_rate / 2) / 700)
    mels = torch.linspace(0, top, count + 2, dtype=torch.float64)[1:-1]
    centres = 700 * (10 ** (mels / 2595) - 1)
    n = torch.arange(taps, dtype=torch.float64)
    kernels = torch.cos(2 * math.pi * centres[:, None] * n / sample_rate) * torch.hann_window(taps, dtype=torch.float64)
    return kernels[:, None].float()


def random_init_bank(seeds=range(20), out: int = 512, taps: int = 10) -> Tensor:
    """Layer-0 kernels as drawn at initialisation, one bank per seed, stacked ``[len(seeds) * out, 1, taps]``.

    Drawn with ``torch.nn.init.kaiming_normal_`` as :func:`w2v2_walkthrough.random_extractor`
    draws layer 0 (the same distribution, not the same numbers: that function draws the other
    layers first). Does not disturb the global random state.
    """
    banks = []
    with torch.random.fork_rng(devices=[]):
        for seed in seeds:
            torch.manual_seed(seed)
            banks.append(torch.nn.init.kaiming_normal_(torch.empty(out, 1, taps)))
    return torch.cat(banks)


def summary(measures: dict[str, Tensor], bank: int = 512, sample_rate: int = SAMPLE_RATE) -> dict[str, float]:
    """Numbers of a set of :func:`bank_measures`: per bank of ``bank`` filters (the mean over banks
    when there are several), how many peak below 2 kHz and how many exactly at 0 Hz or the Nyquist
    frequency; over all filters, the median flatness and the median energy near the peak."""
    peak = measures["peak_hz"]
    banks = peak.numel() / bank
    return {
        "below_2k": float((peak < 2000).sum()) / banks,
        "at_edges": float(((peak == 0) | (peak == sample_rate / 2)).sum()) / banks,
        "flatness": float(measures["flatness"].median()),
        "near_peak": float(measures["near_peak"].median()),
    }


def compare_with_init(measures: dict[str, Tensor], reference: dict[str, Tensor], bank: int = 512) -> list[str]:
    """Where one bank's numbers lie among those of the random-init banks in ``reference`` (``bank``
    filters per seed, e.g. :func:`random_init_bank` measured), as the lines of a small table: the
    bank's value, the range over the seeds, and whether it lies inside, above all or below all of
    them. "Near peak" is the energy within 500 Hz of the peak. True for any weights."""
    per_seed = {
        "below_2k": (reference["peak_hz"].view(-1, bank) < 2000).sum(dim=1).double(),
        "flatness": reference["flatness"].view(-1, bank).median(dim=1).values,
        "near_peak": reference["near_peak"].view(-1, bank).median(dim=1).values,
    }
    count = measures["peak_hz"].numel()
    own = summary(measures, bank=count)
    seeds = len(per_seed["flatness"])
    lines = [f"{'':26}{'these weights':>14}   at initialisation ({seeds} seeds)"]
    for key, what, digits in (
        ("below_2k", f"peaks below 2 kHz (of {count})", 0),
        ("flatness", "median spectral flatness", 2),
        ("near_peak", "median energy near peak", 2),
    ):
        lo, hi, value = float(per_seed[key].min()), float(per_seed[key].max()), own[key]
        where = "inside that range" if lo <= value <= hi else ("above" if value > hi else "below") + " all"
        span = f"{lo:.{digits}f} to {hi:.{digits}f}"
        if key == "below_2k":
            span += f" (mean {float(per_seed[key].mean()):.1f})"
        lines.append(f"{what:<26}{value:>14.{digits}f}   {span:<24} {where}")
    return lines


def alias(freq_hz: float, rate_hz: float) -> float:
    """The frequency (in ``[0, rate_hz / 2]``) at which a tone of ``freq_hz`` appears when sampled
    ``rate_hz`` times per second: sampling cannot tell ``f`` from ``f + rate`` nor from ``-f``."""
    r = math.fmod(abs(freq_hz), rate_hz)
    return min(r, rate_hz - r)


def channel_energy(activation: Tensor, window: int = 64) -> Tensor:
    """Smoothed energy of each channel over a layer's positions: ``[channels, positions]`` ->
    ``[channels, windows]``, the mean of squares over ``window`` positions, one window every
    ``window // 2`` positions (half overlapping)."""
    return torch.nn.functional.avg_pool1d(activation.detach().square()[None], window, window // 2)[0]
