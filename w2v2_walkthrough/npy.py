"""Write a ``.npy`` file front to back, block by block, so memory stays flat however long the output."""

from pathlib import Path

import numpy as np


class NpyWriter:
    """Write a ``.npy`` file of a known shape front to back, one block of rows at a time.

    Unlike a memmap, written rows do not stay mapped into the process, so its memory does not
    grow with the output. Accepts ``writer[start:stop] = rows`` for consecutive slices only, and
    refuses to close before every row is written.

    Args:
        path: the file to create (overwritten if it exists).
        shape: ``(rows, columns)`` of the whole array.
        dtype: the array's dtype (float32 by default).
    """

    def __init__(self, path: str | Path, shape: tuple[int, int], dtype=np.float32):
        self.shape, self.dtype, self._next = tuple(shape), np.dtype(dtype), 0
        self._file = open(path, "wb")  # noqa: SIM115 (kept open across writes; closed by close() or __exit__)
        header = {"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False, "shape": self.shape}
        np.lib.format.write_array_header_1_0(self._file, header)

    def __setitem__(self, rows: slice, values) -> None:
        if rows.start != self._next or rows.stop > self.shape[0]:
            raise ValueError(f"NpyWriter writes rows in order: expected a slice starting at {self._next}, got {rows}")
        block = np.ascontiguousarray(values, dtype=self.dtype)
        if block.shape != (rows.stop - rows.start, *self.shape[1:]):
            raise ValueError(f"block of shape {block.shape} does not fit rows {rows.start}:{rows.stop}")
        self._file.write(block.data)
        self._next = rows.stop

    def close(self) -> None:
        self._file.close()
        if self._next != self.shape[0]:
            raise ValueError(f"NpyWriter closed after {self._next} of {self.shape[0]} rows")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            self.close()
        else:
            self._file.close()
