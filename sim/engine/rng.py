"""Per-entity random streams: common random numbers across decisions.

Every entity (a task's effort, a risk, a person's sickness) draws from its own
stream, seeded from the world seed and the entity's key by SHA-256, so the
draws do not depend on the order in which entities are simulated, on the
process, or on PYTHONHASHSEED.  Two learners who decide differently on the same
seed therefore face the same luck.
"""

from __future__ import annotations

import hashlib
import math
import random


def _digest(seed: int, key: tuple) -> bytes:
    return hashlib.sha256(repr((int(seed),) + key).encode()).digest()


def stream(seed: int, *key: object) -> random.Random:
    """An independent generator for ``key`` under ``seed``."""
    return random.Random(int.from_bytes(_digest(seed, key)[:16], "big"))


def derived_seed(seed: int, *key: object) -> int:
    """A new world seed for ``key`` under ``seed`` (e.g. one future of a live forecast): 64 bits of the same digest."""
    return int.from_bytes(_digest(seed, key)[:8], "big")


def uniforms(seed: int, *key: object, n: int = 1) -> list[float]:
    """``n`` (at most 4) independent uniforms in [0, 1) for ``key``: cheaper than a generator for a few draws."""
    digest = _digest(seed, key)
    return [(int.from_bytes(digest[8 * i: 8 * i + 8], "big") >> 11) / 2**53 for i in range(n)]


def pert_shapes(low: float, mode: float, high: float) -> tuple[float, float]:
    """The beta-PERT shapes a = 1 + 4(m - o)/(p - o), b = 1 + 4(p - m)/(p - o): the mean is (o + 4m + p) / 6."""
    return 1 + 4 * (mode - low) / (high - low), 1 + 4 * (high - mode) / (high - low)


def beta_pert(rng: random.Random, low: float, mode: float, high: float) -> float:
    """A draw from the beta-PERT distribution on [low, high] with mode ``mode`` (Malcolm et al., 1959)."""
    if high <= low:
        return low
    a, b = pert_shapes(low, mode, high)
    return low + (high - low) * rng.betavariate(a, b)


def poisson(u: float, mean: float) -> int:
    """Inverse-CDF Poisson draw from one uniform ``u`` (one draw, one value)."""
    if mean <= 0:
        return 0
    k, term = 0, math.exp(-mean)
    total = term
    while u > total and k < 10_000:
        k += 1
        term *= mean / k
        total += term
    return k
