from celery import shared_task


@shared_task(bind=True, ignore_result=True, max_retries=8)
def run_subscription_task(self, name: str) -> None:
    """Catch a subscription up after an append woke it. One that failed or waits (a read model it needs
    has not read the event yet, say) is tried again soon, with backoff; after that the beat sweep keeps
    trying."""
    from apps.eventstore import subscriptions

    subscriptions.woken(name)
    if name not in subscriptions.registered():
        return
    subscriptions.run_subscription(name)
    if subscriptions.stopped(name):
        raise self.retry(countdown=min(2**self.request.retries, 60))


@shared_task(ignore_result=True)
def sweep_subscriptions() -> None:
    """Beat runs this often: catches every subscription up even if a wake-up message was lost."""
    from apps.eventstore import subscriptions

    for name in subscriptions.registered():
        subscriptions.run_subscription(name)
