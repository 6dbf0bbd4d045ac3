from celery import shared_task


@shared_task(ignore_result=True)
def run_subscription_task(name: str) -> None:
    """Catch a subscription up after an append woke it."""
    from apps.eventstore import subscriptions

    subscriptions.woken(name)
    if name in subscriptions.registered():
        subscriptions.run_subscription(name)


@shared_task(ignore_result=True)
def sweep_subscriptions() -> None:
    """Beat runs this often: catches every subscription up even if a wake-up message was lost."""
    from apps.eventstore import subscriptions

    for name in subscriptions.registered():
        subscriptions.run_subscription(name)
