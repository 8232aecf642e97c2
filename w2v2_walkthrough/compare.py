"""How far features are from a reference: the largest absolute difference, that difference as a
fraction of the largest reference value, and the relative error of the whole tensor. One place for
every comparison the notebooks print (chunked vs full pass, HF vs torchaudio, padded vs alone)."""

from typing import NamedTuple

import torch

__all__ = ["Difference", "difference"]


class Difference(NamedTuple):
    """How far features are from a reference (:func:`difference`)."""

    max_abs: float  # largest |got - reference|
    scale: float  # largest |reference|
    relative: float  # ||got - reference|| / ||reference|| over the whole tensor

    @property
    def max_rel(self) -> float:
        """The largest absolute difference as a fraction of the largest reference value."""
        return self.max_abs / self.scale if self.scale else float("inf") if self.max_abs else 0.0

    def __str__(self) -> str:
        return (
            f"max |diff| {self.max_abs:.1e} = {self.max_rel:.1e} x max |reference|; relative error {self.relative:.1e}"
        )


def difference(got, reference) -> Difference:
    """Compare features ``got`` with ``reference`` (tensors or arrays of the same shape), in float64."""
    got, reference = torch.as_tensor(got).double(), torch.as_tensor(reference).double()
    if got.shape != reference.shape:
        raise ValueError(f"Cannot compare shapes {list(got.shape)} and {list(reference.shape)}.")
    if got.numel() == 0:
        return Difference(0.0, 0.0, 0.0)
    delta = got - reference
    max_abs, norm = float(delta.abs().max()), float(reference.norm())
    relative = float(delta.norm()) / norm if norm else float("inf") if max_abs else 0.0
    return Difference(max_abs, float(reference.abs().max()), relative)
