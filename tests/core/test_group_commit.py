"""Writes handed to a ``GroupCommit`` by concurrent requests are made together, each request gets its
own outcome, and one write that fails fails only its own request."""

import asyncio
import threading

import pytest
from django.db import OperationalError, transaction

from apps.core.group_commit import GroupCommit


class Store:
    """A store of numbers that takes a while to commit, and refuses negative ones."""

    def __init__(self, first_commit_seconds: float = 0.2) -> None:
        self.groups: list[list[int]] = []
        self.writers: list[threading.Thread] = []
        self.first_commit = threading.Event()
        self.first_commit_seconds = first_commit_seconds
        self.down = False

    def write_many(self, numbers: list[int]) -> list[str]:
        self.groups.append(list(numbers))
        self.writers.append(threading.current_thread())
        if self.down:
            raise OperationalError("connection refused")
        if len(self.groups) == 1:
            self.first_commit.set()
            threading.Event().wait(self.first_commit_seconds)  # the others arrive meanwhile
        if any(n < 0 for n in numbers):
            raise ValueError("negative")
        return [f"stored {n}" for n in numbers]


async def committing(group_commit: GroupCommit, store: Store, number: int) -> asyncio.Future:
    """``number``'s write, once it is committing (alone, as the first group)."""
    first = asyncio.ensure_future(group_commit.submit(number))
    await asyncio.get_running_loop().run_in_executor(None, store.first_commit.wait)
    return first


async def submit_all(group_commit: GroupCommit, store: Store, numbers: list[int]) -> list[object]:
    """The first write alone, then the others while it commits."""
    first = await committing(group_commit, store, numbers[0])
    rest = [group_commit.submit(n) for n in numbers[1:]]
    return await asyncio.gather(first, *rest, return_exceptions=True)


def test_writes_arriving_while_a_group_commits_are_made_together_and_each_gets_its_outcome():
    store = Store()
    group_commit = GroupCommit(store.write_many, max_group=500, name="test-group-commit")

    outcomes = asyncio.run(submit_all(group_commit, store, list(range(50))))

    assert outcomes == [f"stored {n}" for n in range(50)]
    assert store.groups == [[0], list(range(1, 50))]


def test_a_group_is_never_larger_than_its_limit():
    store = Store()
    group_commit = GroupCommit(store.write_many, max_group=20, name="test-group-commit")

    outcomes = asyncio.run(submit_all(group_commit, store, list(range(50))))

    assert outcomes == [f"stored {n}" for n in range(50)]
    assert [len(group) for group in store.groups] == [1, 20, 20, 9]


def test_a_write_that_fails_fails_only_its_own_request():
    store = Store()
    group_commit = GroupCommit(store.write_many, max_group=500, name="test-group-commit")

    outcomes = asyncio.run(submit_all(group_commit, store, [1, 2, -3, 4]))

    assert outcomes[:2] == ["stored 1", "stored 2"]
    assert isinstance(outcomes[2], ValueError)
    assert outcomes[3] == "stored 4"
    assert store.groups == [[1], [2, -3, 4], [2], [-3], [4]]  # the failed group, then one by one


def test_when_the_database_is_away_the_whole_group_gets_the_error_at_once():
    store = Store(first_commit_seconds=0.2)
    group_commit = GroupCommit(store.write_many, max_group=500, name="test-group-commit")

    async def scenario() -> list[object]:
        first = await committing(group_commit, store, 1)
        store.down = True
        return await asyncio.gather(first, *(group_commit.submit(n) for n in range(2, 6)), return_exceptions=True)

    outcomes = asyncio.run(scenario())

    assert outcomes[0] == "stored 1"
    assert all(isinstance(outcome, OperationalError) for outcome in outcomes[1:])
    assert store.groups[1:] == [[2, 3, 4, 5]]  # not tried again one by one


@pytest.mark.parametrize("requests", [1, 3])
def test_a_request_that_stopped_waiting_does_not_hold_up_the_others(requests):
    store = Store(first_commit_seconds=0.1)
    group_commit = GroupCommit(store.write_many, max_group=500, name="test-group-commit")

    async def scenario() -> list[object]:
        gone = await committing(group_commit, store, 0)
        gone.cancel()
        return await asyncio.gather(*(group_commit.submit(n) for n in range(1, requests + 1)))

    assert asyncio.run(scenario()) == [f"stored {n}" for n in range(1, requests + 1)]


def test_a_request_that_stopped_waiting_before_its_group_began_is_not_written():
    store = Store(first_commit_seconds=0.2)
    group_commit = GroupCommit(store.write_many, max_group=500, name="test-group-commit")

    async def scenario() -> list[object]:
        first = await committing(group_commit, store, 1)
        gone = asyncio.ensure_future(group_commit.submit(2))
        staying = asyncio.ensure_future(group_commit.submit(3))
        await asyncio.sleep(0)
        gone.cancel()  # its client went away while the first group committed
        return await asyncio.gather(first, staying)

    assert asyncio.run(scenario()) == ["stored 1", "stored 3"]
    assert store.groups == [[1], [3]]


def test_threads_writing_at_once_are_grouped_too():
    store = Store(first_commit_seconds=0.2)
    group_commit = GroupCommit(store.write_many, max_group=500, name="test-group-commit")
    outcomes = {}

    def write(n: int) -> None:
        outcomes[n] = group_commit.write(n)

    first = threading.Thread(target=write, args=(0,))
    first.start()
    store.first_commit.wait()
    others = [threading.Thread(target=write, args=(n,)) for n in range(1, 9)]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join(timeout=10)

    assert outcomes == {n: f"stored {n}" for n in range(9)}
    assert sorted(map(sorted, store.groups)) == [[0], list(range(1, 9))]


@pytest.mark.django_db
def test_a_write_inside_a_transaction_joins_it_at_once():
    store = Store(first_commit_seconds=0)
    group_commit = GroupCommit(store.write_many, max_group=500, name="test-group-commit")

    with transaction.atomic():
        assert group_commit.write(7) == "stored 7"

    assert store.writers == [threading.current_thread()]  # made by the caller itself, in its transaction


def test_stopping_makes_the_writes_waiting_and_the_next_write_starts_again():
    store = Store(first_commit_seconds=0.2)
    group_commit = GroupCommit(store.write_many, max_group=500, name="test-group-commit")
    outcomes = {}

    def write(n: int) -> None:
        outcomes[n] = group_commit.write(n)

    writers = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    for thread in writers:
        thread.start()
    store.first_commit.wait()
    group_commit.stop()
    for thread in writers:
        thread.join(timeout=10)

    assert outcomes == {n: f"stored {n}" for n in range(3)}
    assert not store.writers[0].is_alive()  # the thread that was writing ended
    assert group_commit.write(3) == "stored 3"
