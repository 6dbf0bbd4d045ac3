"""Running subscriptions in the test's own process, as the worker would."""

import time

from apps.eventstore.subscriptions import lag, run_subscription


def catch_up(*names: str, timeout: float = 10) -> None:
    """Run the subscriptions until each has read every event it wants (or the timeout passed: the
    test's assertions then tell what is missing).

    On PostgreSQL a reader never reads past a transaction that is still open with an older id (that
    is what keeps the read order safe), and a test's own events are no exception: while another
    transaction is open somewhere in the cluster (autovacuum's, say), they are not readable yet.
    """
    deadline = time.monotonic() + timeout
    while True:
        if sum(run_subscription(name) for name in names):
            continue
        if not any(lag(name) for name in names) or time.monotonic() > deadline:
            return
        time.sleep(0.02)
