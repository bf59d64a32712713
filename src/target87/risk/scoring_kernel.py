"""Territory sums of F(x'beta) for many coefficient draws, in numpy: the fast scoring kernel.

The work is  S = W @ F(X B')  (territories x draws), W[d, u] being territory d's weight of
covariate pattern u. Three things make it fast on a census of small-integer covariates:

* Patterns, not children, go through the link: covariates are coded in mixed radix (two
  halves, ``a`` and ``b``), so the distinct patterns come out of one ``bincount`` and the
  link is evaluated for each distinct pattern once (about 1e5 for 1e7 children), with
  x'beta = E_a[a] + E_b[b] read from two small tables (no large matrix product).
* No collapse to territory x pattern first (it kept 77% of the records and cost seconds):
  W is one entry per record, grouped by pattern (CSC) with a counting sort in scipy's C code.
  The product then walks the patterns in order: each pattern's row of F is read once, in
  sequence, and added into the rows of its territories, which stay in the core's cache
  (a band's block of territories x draws is kept under :data:`BLOCK_BYTES`). Reading F's rows at
  random instead, once per record (W as CSR), was three times slower on 1e7 records.
* Draws in blocks of that width on threads (scipy's product releases the GIL); each block
  fills its own columns and every column is summed in the same order (pattern by pattern,
  records in their order within a pattern) whatever the block width or the number of
  workers, so the sums are the same bit for bit.

:func:`pattern_codes` returns None when the covariates are not small-range integers (or
their grid is too large); callers then take the straightforward path.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import sparse

# One band's block of territory sums (its territories x draws): kept within half of a
# core's L2 cache (512 KB here), where the product adds into it at random. Measured on 1e7
# records, 1.1e5 patterns, 2,000 territories in 2 bands: 32 draws a block (256 KB) 0.77-0.80
# s, 64 draws 0.96-1.11 s; one band of 2,000 territories: 16 draws 1.5 s, 32 draws 1.0 s.
BLOCK_BYTES = 256 << 10
MIN_DRAWS_PER_BLOCK, MAX_DRAWS_PER_BLOCK = 4, 64
MAX_HALF_LEVELS = 1 << 15  # cells of one half's grid: its eta table is (cells x draws)
MAX_COLUMN_LEVELS = 1 << 15  # range of one integer covariate

InverseLink = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class PatternCodes:
    """Each record's distinct pattern, and each pattern's place in the two half grids."""

    pattern: np.ndarray  # int32 per record: 0..n_patterns-1
    half_a: np.ndarray  # int32 per pattern: cell of the first half grid
    half_b: np.ndarray  # int32 per pattern: cell of the second half grid
    grid_a: np.ndarray  # (cells_a x covariates) values of the covariates; 0 outside half a
    grid_b: np.ndarray  # (cells_b x covariates) values; 0 outside half b

    @property
    def n_patterns(self) -> int:
        return len(self.half_a)


Column = np.ndarray | Sequence[np.ndarray]  # one array, or its chunks (Arrow's record batches)
RANGE_RECORDS = 1 << 18  # records coded at once: their int16 temporaries stay in L2


@dataclass(frozen=True)
class _Levels:
    """An integer column (as chunks), its lowest value and its range."""

    chunks: list[np.ndarray]
    low: int
    size: int

    @property
    def narrow(self) -> bool:
        return all(chunk.dtype.itemsize <= 2 for chunk in self.chunks)


def _as_integers(values: np.ndarray) -> np.ndarray | None:
    if values.dtype.kind == "b":
        return values.view(np.int8)
    if values.dtype.kind == "f":
        if len(values) and not np.array_equal(values, np.floor(values)):
            return None
        if len(values) and np.abs(values).max() > 2**31 - 1:
            return None
        return values.astype(np.int64)
    return values if values.dtype.kind in "iu" else None


def integer_levels(column: Column) -> _Levels | None:
    """The column as integer chunks, its lowest value and range; None unless small-range
    integers. No copy for integer columns: the codes are built from them as they are."""
    chunks = [column] if isinstance(column, np.ndarray) else list(column)
    converted = [_as_integers(np.asarray(chunk)) for chunk in chunks]
    if any(chunk is None for chunk in converted):
        return None
    filled = [chunk for chunk in converted if len(chunk)]
    if not filled:
        return _Levels(converted, 0, 1)
    low = min(int(chunk.min()) for chunk in filled)
    high = max(int(chunk.max()) for chunk in filled)
    if high - low + 1 > MAX_COLUMN_LEVELS or low < -(2**31) or high >= 2**31:
        return None
    return _Levels(converted, low, high - low + 1)


def _split_halves(ranges: Sequence[int]) -> tuple[list[int], list[int]] | None:
    """Columns into two halves of balanced grid size (largest range first), or None if too big."""
    halves: tuple[list[int], list[int]] = ([], [])
    sizes = [1, 1]
    for j in sorted(range(len(ranges)), key=lambda j: -ranges[j]):
        side = 0 if sizes[0] <= sizes[1] else 1
        halves[side].append(j)
        sizes[side] *= ranges[j]
    if max(sizes) > MAX_HALF_LEVELS:
        return None
    return halves


def _grid(levels: list[_Levels], columns: list[int], p: int) -> np.ndarray:
    """The (cells x p) covariate values of one half's cells; 0 in the other half's columns."""
    shape = [levels[j].size for j in columns]
    grid = np.zeros((int(np.prod(shape, dtype=np.int64)), p))
    if columns:
        axes = np.indices(shape).reshape(len(shape), -1)  # C order, as Horner numbers cells
        for axis, j in enumerate(columns):
            grid[:, j] = axes[axis] + levels[j].low
    return grid


def _half_cells(levels: list[_Levels], columns: list[int], chunk: int, part: slice):
    """Mixed-radix cell of one half for the records ``part`` of chunk ``chunk``.

    A half has under 2**15 cells, so its codes are int16 when its columns are 8- or 16-bit
    (census files store codes so): half the memory traffic of int32.
    """
    kind = np.int16 if all(levels[j].narrow for j in columns) else np.int32
    cell = np.zeros(part.stop - part.start, dtype=kind)
    for i, j in enumerate(columns):  # Horner: ((c0 * r1 + c1) * r2 + c2) ..., c = value - low
        if i:
            cell *= kind(levels[j].size)
        # Wraps, if at all, only in between: the final codes are within the half's cells.
        np.add(cell, levels[j].chunks[chunk][part], out=cell, casting="unsafe")
        if levels[j].low:
            cell -= kind(levels[j].low)
    return cell


def _record_ranges(levels: list[_Levels]) -> list[tuple[int, slice, int]] | None:
    """(chunk, records within it, first record overall) in pieces of RANGE_RECORDS; None
    when the columns are not cut into chunks at the same places."""
    lengths = [len(chunk) for chunk in levels[0].chunks]
    if any([len(chunk) for chunk in level.chunks] != lengths for level in levels[1:]):
        return None
    ranges, first = [], 0
    for k, length in enumerate(lengths):
        for start in range(0, length, RANGE_RECORDS):
            stop = min(start + RANGE_RECORDS, length)
            ranges.append((k, slice(start, stop), first + start))
        first += length
    return ranges


def pattern_codes(
    columns: Sequence[Column], n_records: int | None = None, workers: int | None = None
) -> PatternCodes | None:
    """Distinct covariate patterns of the records, or None when the columns do not code.

    A column is one array or its chunks (all columns cut at the same places, as Arrow's
    record batches are; otherwise they are joined first). Records are coded a range at a
    time on ``workers`` threads, each range's codes staying in cache until written.
    ``n_records`` is needed only when there are no columns (an intercept-only model).
    """
    p = len(columns)
    found = [integer_levels(c) for c in columns]
    if any(level is None for level in found):
        return None
    levels: list[_Levels] = found  # type: ignore[assignment]
    ranges = _record_ranges(levels) if levels else []
    if ranges is None:
        levels = [_Levels([np.concatenate(lv.chunks)], lv.low, lv.size) for lv in levels]
        ranges = _record_ranges(levels)
    n = sum(len(chunk) for chunk in levels[0].chunks) if levels else int(n_records or 0)
    halves = _split_halves([level.size for level in levels])
    if halves is None:
        return None
    grid_a, grid_b = _grid(levels, halves[0], p), _grid(levels, halves[1], p)
    cells, cells_b = len(grid_a) * len(grid_b), len(grid_b)
    combined = np.zeros(n, dtype=np.int32)  # < 2**30: both halves are under 2**15 cells

    def code(piece: tuple[int, slice, int]) -> None:
        chunk, part, first = piece
        out = combined[first : first + part.stop - part.start]
        np.multiply(
            _half_cells(levels, halves[0], chunk, part), np.int32(cells_b), out=out,
            casting="unsafe",
        )  # fmt: skip
        out += _half_cells(levels, halves[1], chunk, part)

    workers = workers or min(2, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(code, ranges or []))
    # Patterns numbered by falling frequency: the F rows most records read sit together at
    # the top of each block, in the fastest cache.
    if cells <= 4 * n + (1 << 16):
        counts = np.bincount(combined, minlength=cells)
        present = np.flatnonzero(counts)
        present = present[np.argsort(-counts[present], kind="stable")]
        rank = np.zeros(cells, dtype=np.int32)
        rank[present] = np.arange(len(present), dtype=np.int32)
        pattern = np.empty(n, dtype=np.int32)
        step = max(RANGE_RECORDS, -(-n // workers))

        def ranked(at: int) -> None:  # every code is a present cell: no bounds to check
            np.take(rank, combined[at : at + step], out=pattern[at : at + step], mode="clip")

        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(ranked, range(0, n, step)))
    else:  # a sparse grid: sort instead of counting
        present, inverse, counts = np.unique(combined, return_inverse=True, return_counts=True)
        order = np.argsort(-counts, kind="stable")
        rank = np.empty(len(present), dtype=np.int32)
        rank[order] = np.arange(len(present), dtype=np.int32)
        present, pattern = present[order], rank[inverse.ravel()]
    present = present.astype(np.int32)
    return PatternCodes(
        pattern=pattern,
        half_a=present // np.int32(cells_b),
        half_b=present % np.int32(cells_b),
        grid_a=grid_a,
        grid_b=grid_b,
    )


@dataclass(frozen=True)
class TerritoryMatrix:
    """W (territories x patterns) in bands of whole territories, each band a CSC matrix.

    Bands are built and multiplied side by side; an element of W @ F is summed in the same
    order (its territory's entries, pattern by pattern) whatever the number of bands.
    """

    shape: tuple[int, int]
    bands: tuple[tuple[int, sparse.csc_array], ...]  # (first territory, its CSC block)

    @property
    def widest(self) -> int:
        return max((band.shape[0] for _, band in self.bands), default=0)


def _band(data: np.ndarray, pattern: np.ndarray, indptr: np.ndarray, n_patterns: int):
    """One band: CSR straight from records in territory order, then a counting sort to CSC."""
    matrix = sparse.csr_array((data, pattern, indptr), shape=(len(indptr) - 1, n_patterns))
    matrix = matrix.tocsc()
    # The counting sort left each pattern's territories in order, so a territory's children
    # of one pattern sit together and one linear pass adds them up: about a quarter fewer
    # entries for the product on a census of 1e7.
    matrix.sum_duplicates()
    return matrix


def territory_matrix(
    place: np.ndarray,
    pattern: np.ndarray,
    weights: np.ndarray | None,
    shape: tuple[int, int],
    workers: int | None = None,
) -> TerritoryMatrix:
    """W grouped by pattern (CSC) in bands, one entry per record (or per territory x pattern).

    A counting sort in scipy's C code (``tocsc``) groups the records by pattern, keeping
    their order within a pattern; no comparison sort. Records already in territory order
    (the usual census layout) are cut into ``workers`` bands of about equal records, each
    sorted on its own thread. Otherwise each record is its own CSR row, one band, and its
    column entries are mapped to territories afterwards.
    """
    data = np.ones(len(place)) if weights is None else np.asarray(weights, dtype=float)
    n = len(place)
    if n > 1 and not bool(np.all(place[1:] >= place[:-1])):
        index = np.int32 if n < 2**31 else np.int64
        by_record = sparse.csr_array(
            (data, pattern, np.arange(n + 1, dtype=index)), shape=(n, shape[1])
        ).tocsc()
        rows = np.asarray(place)[by_record.indices]
        band = sparse.csc_array((by_record.data, rows, by_record.indptr), shape=shape)
        return TerritoryMatrix(shape, ((0, band),))
    # Sorted: each territory's first record by binary search, no pass over the records.
    indptr = np.searchsorted(place, np.arange(shape[0] + 1, dtype=place.dtype))
    workers = workers or min(2, os.cpu_count() or 1)
    cuts = np.searchsorted(indptr, np.linspace(0, n, workers + 1)[1:-1])
    edges = sorted({0, *map(int, cuts), shape[0]})

    def one_band(first: int, stop: int) -> sparse.csc_array:
        lo, hi = int(indptr[first]), int(indptr[stop])
        offsets = indptr[first : stop + 1] - lo
        offsets = offsets.astype(np.int32) if hi - lo < 2**31 else offsets
        return _band(data[lo:hi], pattern[lo:hi], offsets, shape[1])

    with ThreadPoolExecutor(max_workers=workers) as pool:
        bands = list(pool.map(one_band, edges[:-1], edges[1:]))
    return TerritoryMatrix(shape, tuple(zip(edges[:-1], bands, strict=True)))


def territory_draw_sums(
    matrix: TerritoryMatrix,
    codes: PatternCodes,
    betas: np.ndarray,
    inverse_link: InverseLink,
    workers: int | None = None,
) -> np.ndarray:
    """(territories x draws) sums  W @ F(X B')  with X the distinct patterns of ``codes``.

    ``betas`` is (draws x (1 + covariates)): the intercept (0 if the model has none), then
    the covariates in the order of the grids' columns.
    """
    n_draws = betas.shape[0]
    eta_a = codes.grid_a @ betas[:, 1:].T + betas[:, 0]  # (cells_a x draws), intercept here
    eta_b = codes.grid_b @ betas[:, 1:].T
    totals = np.empty((matrix.shape[0], n_draws))
    workers = workers or min(2, os.cpu_count() or 1)
    width = BLOCK_BYTES // max(1, matrix.widest * 8)
    width = max(MIN_DRAWS_PER_BLOCK, min(MAX_DRAWS_PER_BLOCK, width))

    def one_block(start: int) -> None:
        stop = min(start + width, n_draws)
        block = np.take(np.ascontiguousarray(eta_a[:, start:stop]), codes.half_a, axis=0)
        block += np.take(np.ascontiguousarray(eta_b[:, start:stop]), codes.half_b, axis=0)
        inverse_link(block, block)
        for first, band in matrix.bands:
            totals[first : first + band.shape[0], start:stop] = band @ block

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one_block, range(0, n_draws, width)))
    return totals
