"""Which implementation the hot loops run: compiled numba kernels or plain numpy.

Both give the same numbers (tests compare them); numba is an optional extra
(``pip install 'labelaudit[fast]'``) that makes the permutation tests several times
faster. ``"auto"`` takes numba when it can be imported and numpy otherwise; the
choice actually made is recorded with the run, so nothing changes silently.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

KERNELS: tuple[str, ...] = ("auto", "numba", "numpy")

__all__ = ["KERNELS", "concurrent_kernels", "numba_available", "resolve"]


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


def concurrent_kernels(kernel: str) -> bool:
    """Whether kernels of ``kernel`` may run in several threads at once.

    numpy releases the GIL and is thread-safe; numba's parallel kernels are when its
    threading layer is ``omp`` or ``tbb``, not with its fallback ``workqueue`` (which
    aborts on concurrent launches). The layer in use, or else the one numba would load
    first, decides.

    Examples
    --------
    >>> concurrent_kernels("numpy")
    True
    """
    if resolve(kernel) == "numpy":
        return True
    import numba

    try:
        return numba.threading_layer() in ("omp", "tbb")
    except ValueError:  # no parallel kernel has run yet: the layer numba would pick
        pass
    wanted = str(numba.config.THREADING_LAYER)
    if wanted in ("threadsafe", "safe"):
        return True  # numba raises rather than load an unsafe layer
    order = list(numba.config.THREADING_LAYER_PRIORITY) if wanted == "default" else [wanted]
    for layer in order:
        if layer == "workqueue":
            return False
        try:
            importlib.import_module(f"numba.np.ufunc.{layer}pool")
        except ImportError:
            continue
        return True
    return False
