from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.eventstore import subscriptions
from apps.eventstore.models import Subscription


class Command(BaseCommand):
    help = "Catch subscriptions up with the event store; --from-start rebuilds their read models from event 1."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="Subscriptions to run (default: all).")
        parser.add_argument("--from-start", action="store_true", help="Reset the cursor and the read model first.")
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, names, from_start, batch_size, **options):
        known = subscriptions.registered()
        unknown = set(names) - set(known)
        if unknown:
            raise CommandError(f"Unknown subscriptions: {', '.join(sorted(unknown))}. Known: {', '.join(known)}.")
        for name in names or known:
            if from_start:
                subscriptions.reset_subscription(name)
            with tqdm(total=subscriptions.lag(name), desc=name, unit="event", file=self.stderr) as bar:
                while read := subscriptions.run_subscription(name, batch_size=batch_size, max_batches=1):
                    bar.update(read)
            cursor = Subscription.objects.get(name=name)
            if cursor.failing_since or cursor.waiting_for:
                why = cursor.last_error if cursor.failing_since else f"it waits: {cursor.waiting_for}"
                raise CommandError(f"{name} stopped at event #{cursor.last_position}: {why}")
            self.stdout.write(self.style.SUCCESS(f"{name}: caught up"))
