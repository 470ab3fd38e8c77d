"""Work spread over processes (addin/parallel.py): every result, in order, even when a worker dies."""

import os

from addin.parallel import map_in_order, pool_size


def _with_pid(item: int) -> tuple[int, int]:
    return item * item, os.getpid()


def _dies_in_a_worker(item: tuple[int, int]) -> int:
    number, parent = item
    if number == 5 and os.getpid() != parent:
        os._exit(1)  # as a worker killed mid-batch
    return number * 10


def test_items_are_done_in_worker_processes_and_come_back_in_order():
    results = list(map_in_order(_with_pid, range(60), parallel_from=1))
    assert [square for square, _ in results] == [item * item for item in range(60)]
    if pool_size(60, parallel_from=1) > 1:
        assert os.getpid() not in {pid for _, pid in results}


def test_few_items_are_done_here():
    results = list(map_in_order(_with_pid, range(3)))
    assert {pid for _, pid in results} == {os.getpid()}


def test_a_worker_that_dies_loses_nothing():
    items = [(number, os.getpid()) for number in range(12)]
    assert list(map_in_order(_dies_in_a_worker, items, parallel_from=1)) == [number * 10 for number in range(12)]
