"""Collation reads ahead of the store (collate/ahead.py, issue 19): results come in the order
given, a failure of the reading comes out where it happened, reading goes on while the
consumer is busy (up to the limit), and a consumer that stops stops the reading."""

from __future__ import annotations

import time
from collections.abc import Generator

import pytest

from bluestone_forms.collate.ahead import read_ahead
from bluestone_forms.collate.file_result import FileResult


def _source(n: int, made: list[int], closed: list[bool], fail_at: int | None = None
            ) -> Generator[FileResult, None, None]:
    try:
        for i in range(n):
            if i == fail_at:
                raise OSError("the disk went away")
            made.append(i)
            yield FileResult(f"f{i}")
    finally:
        closed.append(True)


def test_results_in_order_and_read_ahead_of_a_busy_consumer() -> None:
    made: list[int] = []
    closed: list[bool] = []
    got = read_ahead(_source(50, made, closed), limit=5)
    assert next(got).path == "f0"
    deadline = time.monotonic() + 5
    while len(made) < 6 and time.monotonic() < deadline:  # the consumer is "writing"
        time.sleep(0.01)
    assert 6 <= len(made) <= 8  # read on while the consumer was busy, no further than the limit
    assert [r.path for r in got] == [f"f{i}" for i in range(1, 50)]
    assert closed == [True]


def test_a_failure_while_reading_comes_out_after_the_results_before_it() -> None:
    made: list[int] = []
    closed: list[bool] = []
    got = read_ahead(_source(10, made, closed, fail_at=4))
    assert [next(got).path for _ in range(4)] == ["f0", "f1", "f2", "f3"]
    with pytest.raises(OSError, match="the disk went away"):
        next(got)
    assert closed == [True]


def test_a_consumer_that_stops_stops_the_reading() -> None:
    made: list[int] = []
    closed: list[bool] = []
    got = read_ahead(_source(10_000, made, closed), limit=3)
    assert next(got).path == "f0"
    got.close()  # e.g. the store failed: the collation ends
    assert closed == [True]
    assert len(made) < 10
