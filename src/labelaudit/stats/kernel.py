"""Which implementation the hot loops run: compiled numba kernels or plain numpy.

Both give the same numbers (tests compare them); numba is an optional extra
(``pip install 'labelaudit[fast]'``) that makes the permutation tests several times
faster. ``"auto"`` takes numba when it can be imported and numpy otherwise; the
choice actually made is recorded with the run, so nothing changes silently.
"""

from __future__ import annotations

from functools import lru_cache

KERNELS: tuple[str, ...] = ("auto", "numba", "numpy")

__all__ = ["KERNELS", "numba_available", "resolve"]


@lru_cache(maxsize=1)
def numba_available() -> bool:
    """True when numba imports (it is an optional dependency)."""
    try:
        import numba  # noqa: F401
    except Exception:  # an installed but broken numba (ABI mismatch) counts as missing
        return False
    return True


def resolve(kernel: str) -> str:
    """``"numba"`` or ``"numpy"`` for a requested kernel.

    Examples
    --------
    >>> resolve("numpy")
    'numpy'
    >>> resolve("auto") in ("numba", "numpy")
    True
    """
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {', '.join(KERNELS)}, got {kernel!r}")
    if kernel == "numpy":
        return "numpy"
    if kernel == "numba" and not numba_available():
        raise ValueError("kernel 'numba' needs numba: pip install 'labelaudit[fast]'")
    return "numba" if numba_available() else "numpy"
