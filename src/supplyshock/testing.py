"""Helpers for testing code that uses supplyshock (as ``xarray.testing`` is for xarray).

Determinism, stated precisely
-----------------------------
- The same inputs, seed and batch shape give bit-identical results (every backend).
- Across batch shapes (members run together or apart, other chunk sizes, the local pool or
  Ray) results agree within ``BATCH_RTOL`` relative and ``BATCH_ATOL`` absolute: BLAS and
  SIMD kernels may sum in another order for another array shape (seen: one unit in the
  last place on numpy 2.4.6), and nothing promises bit equality there.
"""

from __future__ import annotations

__all__ = ["BATCH_ATOL", "BATCH_RTOL"]

#: Relative tolerance between results of the same members computed in batches of other shapes.
BATCH_RTOL = 1e-9
#: Absolute tolerance (in the variable's unit, t for flows) for values that are zero in one batch.
BATCH_ATOL = 1e-9
