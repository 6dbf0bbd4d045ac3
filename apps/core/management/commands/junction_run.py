from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from apps.core.demo import demo_admin_ensure, demo_configuration_load
from apps.core.launcher import hub_services, run_services


class Command(BaseCommand):
    help = "Migrate, set up the demo login and configuration, then run web, worker and beat until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes.")
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo configuration.")

    def handle(self, *args, host, port, web_workers, concurrency, no_demo, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        username, password = demo_admin_ensure()
        base = f"http://{host}:{port}"
        news = [] if no_demo else demo_configuration_load(base_url=base)
        self.stdout.write(
            self.style.SUCCESS("Junction is starting.")
            + f"\n  Admin:    {base}/admin/\n  Login:    {username} / {password}"
            + f"\n  API docs: {base}/api/docs/\n  Health:   {base}/healthz"
            + f"\n  Database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"
            + f", broker: {settings.CELERY_BROKER_URL.split('://')[0]}\n"
            + "".join(f"  {line}\n" for line in news)
            + "Press Ctrl-C to stop.\n"
        )
        self.stdout.flush()
        services = hub_services(
            host=host,
            port=port,
            web_workers=web_workers,
            worker_concurrency=concurrency,
            beat_schedule=settings.CELERY_BEAT_SCHEDULE_FILENAME,
        )
        exit_code = run_services(services, say=lambda line: self.stdout.write(line))
        if exit_code:
            raise SystemExit(exit_code)
