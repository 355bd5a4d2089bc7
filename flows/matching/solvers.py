"""The three solvers over a score matrix of allowed cells: optimal, greedy and random.

Each takes the scores (or a random generator), the allowed cells and the places each
mentor has left, and returns the chosen (mentee row, mentor column) pairs.
Pure computation: no platform or database.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment


def _forbidden_value(low: float, high: float, n_pairs: int) -> float:
    """Low enough that one more allowed pair always beats any gain in score, so the solver
    maximises the number of pairs first and the total score second."""
    return low - (high - low + 1.0) * (n_pairs + 1)


def solve_optimal(
    scores: np.ndarray, allowed: np.ndarray, slots: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    column_mentor = np.repeat(np.arange(len(slots)), slots)
    forbidden = _forbidden_value(scores.min(), scores.max(), min(len(scores), len(column_mentor)))
    np.putmask(scores, ~allowed, forbidden)
    if len(column_mentor) != scores.shape[1]:
        # Capacity k becomes k identical columns; drop the unexpanded matrix straight away.
        scores = scores[:, column_mentor]
    np.negative(scores, out=scores)  # minimise in place: maximize=True would copy the matrix
    rows, slot_cols = linear_sum_assignment(scores)
    cols = column_mentor[slot_cols]
    keep = allowed[rows, cols]
    return rows[keep], cols[keep]


def solve_greedy(
    scores: np.ndarray, allowed: np.ndarray, slots: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    cells = np.flatnonzero(allowed)
    cells = cells[np.argsort(-scores.ravel()[cells], kind="stable")]
    taken = np.zeros(len(scores), dtype=bool)
    remaining = slots.copy()
    rows: list[int] = []
    cols: list[int] = []
    for low in range(0, len(cells), 8192):
        # Mask out dead cells in bulk; only the few live ones go through the Python loop.
        row_block, col_block = np.divmod(cells[low : low + 8192], scores.shape[1])
        live = ~taken[row_block] & (remaining[col_block] > 0)
        for row, col in zip(row_block[live].tolist(), col_block[live].tolist(), strict=True):
            if taken[row] or remaining[col] == 0:
                continue
            taken[row] = True
            remaining[col] -= 1
            rows.append(row)
            cols.append(col)
        if taken.all() or not remaining.any():
            break
    return np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)


def solve_random(
    allowed: np.ndarray, slots: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    column_mentor = np.repeat(np.arange(len(slots)), slots)
    costs = rng.random((len(allowed), len(column_mentor)))
    np.putmask(costs, ~allowed[:, column_mentor], min(costs.shape) + 2.0)
    rows, slot_cols = linear_sum_assignment(costs)
    cols = column_mentor[slot_cols]
    keep = allowed[rows, cols]
    return rows[keep], cols[keep]
