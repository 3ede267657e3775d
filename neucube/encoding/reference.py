"""Pure-Python references of the spike encoders: one channel of one trial, written from the spec.

They follow ``NEUCUBE_SPEC.md`` section 1 line by line, with lists and loops only, so that the
vectorised encoders can be checked against them (tests) and timed against them (benchmarks).
They take the threshold (and, for BSA, the filter and a signal already scaled to [0, 1]) as
arguments instead of learning them. A zero threshold gives no spikes (a silenced channel), as in
the encoders.
"""

from __future__ import annotations

__all__ = ["reference_bsa", "reference_moving_window", "reference_step_forward",
           "reference_tbr"]


def reference_tbr(x: list[float], th: float) -> list[int]:
    """TBR: +1/-1 when the sample-to-sample change exceeds the threshold."""
    out = [0]
    for t in range(1, len(x)):
        dx = x[t] - x[t - 1]
        out.append(0 if th == 0 else (1 if dx > th else (-1 if dx < -th else 0)))
    return out


def reference_step_forward(x: list[float], th: float) -> list[int]:
    """Step-forward: a baseline follows the signal in steps of ``th``."""
    out, base = [0], x[0]
    for t in range(1, len(x)):
        if th > 0 and x[t] >= base + th:
            out.append(1)
            base += th
        elif th > 0 and x[t] <= base - th:
            out.append(-1)
            base -= th
        else:
            out.append(0)
    return out


def reference_moving_window(x: list[float], th: float, w: int) -> list[int]:
    """Moving window: compare each sample with the mean of the previous ``w`` samples."""
    out = [0]
    for t in range(1, len(x)):
        prev = x[max(0, t - w) : t]
        base = sum(prev) / len(prev)
        out.append(0 if th == 0 else (1 if x[t] > base + th else (-1 if x[t] < base - th else 0)))
    return out


def reference_bsa(u: list[float], th: float, h: list[float]) -> list[int]:
    """BSA on ``u`` scaled to [0, 1]: spike where subtracting the filter ``h`` lowers the error."""
    u, out = list(u), []
    for t in range(len(u)):
        n = min(len(h), len(u) - t)
        err_with = sum(abs(u[t + k] - h[k]) for k in range(n))
        err_without = sum(abs(u[t + k]) for k in range(n))
        if err_with <= err_without - th:
            out.append(1)
            for k in range(n):
                u[t + k] -= h[k]
        else:
            out.append(0)
    return out
