"""Counter-based randomness: every draw is a pure function of (seed, key, indices).

The simulator never keeps a random generator whose state depends on call order. Each figure's
noise at minute m is ``hash(seed, metric, m)`` pushed through splitmix64, so any query at any
time, in any order, from any thread gives the same number. All functions work on whole numpy
arrays at once (a day of minutes or of charges in one call).
"""

from __future__ import annotations

import zlib

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
U64Array = npt.NDArray[np.uint64]

_MASK = (1 << 64) - 1
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


def key_of(name: str) -> int:
    """A stable integer for a metric or field name (crc32: Python's hash() is salted)."""
    return zlib.crc32(name.encode("utf-8"))


def _mix_int(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _mix(x: U64Array) -> U64Array:
    # uint64 array arithmetic wraps silently, which is what splitmix64 wants
    x = x + _GOLDEN
    x = (x ^ (x >> _S30)) * _M1
    x = (x ^ (x >> _S27)) * _M2
    return x ^ (x >> _S31)


def hash_u64(seed: int, key: str, *indices: npt.ArrayLike) -> U64Array:
    """64 random bits for each element of the (broadcast) index arrays."""
    base = _mix_int(_mix_int(seed & _MASK) ^ key_of(key))
    arrays = [np.asarray(i, dtype=np.int64) for i in indices]
    shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
    # work on at least 1-d arrays: numpy scalars warn on the overflow splitmix64 relies on
    x = np.full(shape or (1,), base, dtype=np.uint64)
    for a in arrays:
        x = _mix(x ^ (np.atleast_1d(a).astype(np.uint64) * _GOLDEN))
    return x.reshape(shape)


def uniform(seed: int, key: str, *indices: npt.ArrayLike) -> FloatArray:
    """Uniform floats in [0, 1)."""
    bits = hash_u64(seed, key, *indices) >> _S11
    return bits.astype(np.float64) * (1.0 / 9007199254740992.0)


def normal(seed: int, key: str, *indices: npt.ArrayLike) -> FloatArray:
    """Standard normal floats (Box-Muller over two independent uniforms)."""
    u1 = uniform(seed, key + "#1", *indices)
    u2 = uniform(seed, key + "#2", *indices)
    result: FloatArray = np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)
    return result


def smooth_noise(seed: int, key: str, minutes: FloatArray) -> FloatArray:
    """Roughly unit-variance noise over fractional minutes, continuous in time.

    A white part interpolated between whole minutes plus a slow part interpolated between
    15-minute knots, so a chart wanders instead of only jittering. The value at a whole minute
    m depends only on (seed, key, m). Same numbers as `NoiseTable`, one key at a time.
    """
    return NoiseTable(seed, (key,)).smooth(np.asarray(minutes, dtype=np.float64))[key]


class NoiseTable:
    """Smooth noise for a fixed set of keys at once: one (keys, times) array per call.

    The simulator asks for some thirty figures at every instant; hashing them together makes a
    one-instant query cost a handful of numpy calls instead of hundreds. Rows are independent
    of each other and of which other keys are in the table.
    """

    def __init__(self, seed: int, keys: tuple[str, ...]) -> None:
        self.keys = keys
        self._white = self._bases(seed, [k + ".w" for k in keys])
        self._slow = self._bases(seed, [k + ".s" for k in keys])

    @staticmethod
    def _bases(seed: int, keys: list[str]) -> U64Array:
        mixed = [_mix_int(_mix_int(seed & _MASK) ^ key_of(k)) for k in keys]
        return np.array(mixed, dtype=np.uint64).reshape(-1, 1)

    def smooth(self, minutes: FloatArray) -> dict[str, FloatArray]:
        """Each key's smooth noise (as `smooth_noise` defines it) at fractional minutes."""
        minutes = np.atleast_1d(minutes)
        white = self._interpolated(self._white, minutes)
        slow = self._interpolated(self._slow, minutes / 15.0)
        table = 0.55 * white + 0.95 * slow
        return dict(zip(self.keys, table, strict=True))

    @staticmethod
    def _interpolated(bases: U64Array, x: FloatArray) -> FloatArray:
        lo = np.floor(x)
        frac = x - lo
        k = lo.astype(np.int64)
        both = _normal_rows(bases, np.concatenate([k, k + 1]))
        a, b = both[:, : k.size], both[:, k.size:]
        result: FloatArray = a + (b - a) * frac
        return result


_ALT = np.uint64(0xD1B54A32D192ED03)


def _normal_rows(bases: U64Array, index: IntArray) -> FloatArray:
    x = _mix(bases ^ (index.astype(np.uint64)[None, :] * _GOLDEN))
    y = _mix(x ^ _ALT)
    u1 = (x >> _S11).astype(np.float64) * (1.0 / 9007199254740992.0)
    u2 = (y >> _S11).astype(np.float64) * (1.0 / 9007199254740992.0)
    result: FloatArray = np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)
    return result


def poisson(u: FloatArray, lam: FloatArray) -> IntArray:
    """Poisson counts by inverse CDF of the given uniforms (normal approximation past 60)."""
    lam = np.maximum(np.asarray(lam, dtype=np.float64), 0.0)
    counts = np.zeros(lam.shape, dtype=np.int64)
    small = lam <= 60.0
    if small.any():
        ls, us = lam[small], u[small]
        pmf = np.exp(-ls)
        cdf = pmf.copy()
        out = np.zeros(ls.shape, dtype=np.int64)
        kmax = int(ls.max() + 12.0 * np.sqrt(ls.max()) + 12.0) if ls.size else 0
        for k in range(1, kmax + 1):
            above = us >= cdf
            if not above.any():
                break
            out += above
            pmf = pmf * ls / k
            cdf = cdf + pmf
        counts[small] = out
    big = ~small
    if big.any():
        lb = lam[big]
        z = inverse_normal(np.clip(u[big], 1e-12, 1 - 1e-12))
        counts[big] = np.maximum(0, np.rint(lb + np.sqrt(lb) * z)).astype(np.int64)
    return counts


_A = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02,
      1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00)
_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02,
      6.680131188771972e01, -1.328068155288572e01)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00,
      -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00,
      3.754408661907416e00)


def inverse_normal(p: FloatArray) -> FloatArray:
    """The standard normal quantile of p in (0, 1) (Acklam's approximation, error < 1.2e-9)."""
    p = np.asarray(p, dtype=np.float64)
    out = np.empty_like(p)
    low, high = p < 0.02425, p > 1 - 0.02425
    mid = ~(low | high)
    q = p[mid] - 0.5
    r = q * q
    out[mid] = (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]) * q / (
        ((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1
    )
    for mask, sign in ((low, 1.0), (high, -1.0)):
        tail = p[mask] if sign > 0 else 1 - p[mask]
        q = np.sqrt(-2 * np.log(tail))
        out[mask] = sign * (((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q
                            + _C[5]) / ((((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1)
    return out
