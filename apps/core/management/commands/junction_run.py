from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections
from django.utils import timezone

from apps.core.demo import Demo, demo_admin_ensure, demo_load
from apps.core.health import hub_waiting_for
from apps.core.launcher import hub_services, run_services, shown_path


class Command(BaseCommand):
    help = (
        "Migrate, set up the demo login and configuration, then run web, worker and beat until Ctrl-C; "
        "their output goes to log files, the console says how to use the hub once it is up."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes.")
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo configuration.")
        parser.add_argument(
            "--log-dir", type=Path, help="Where web.log, worker.log and beat.log go (default: the data folder's log/)."
        )

    def handle(self, *args, host, port, web_workers, concurrency, no_demo, log_dir, **options):
        self.stdout.write("Starting Junction ...")
        self.stdout.flush()
        base_url = f"http://{host}:{port}"
        try:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("collectstatic", interactive=False, verbosity=0)
            username, password = demo_admin_ensure()
            demo = None if no_demo else demo_load(base_url=base_url)
        except KeyboardInterrupt:
            raise SystemExit(130) from None
        log_dir = (log_dir or settings.DATA_DIR / "log").resolve()
        services = hub_services(
            host=host,
            port=port,
            web_workers=web_workers,
            worker_concurrency=concurrency,
            beat_schedule=settings.CELERY_BEAT_SCHEDULE_FILENAME,
        )
        started = timezone.now()

        def on_ready() -> None:
            connections.close_all()  # nothing more to read; no open SQLite file while supervising
            logs = f"{shown_path(log_dir)}/ ({', '.join(f'{service.name}.log' for service in services)})"
            self.stdout.write(up_banner(base_url=base_url, login=(username, password), demo=demo, logs=logs))
            self.stdout.flush()

        exit_code = run_services(
            services,
            log_dir=log_dir,
            say=lambda line: self.stdout.write(line),
            waiting_for=lambda: hub_waiting_for(base_url=base_url, since=started),
            on_ready=on_ready,
        )
        if exit_code:
            raise SystemExit(exit_code)


def up_banner(*, base_url: str, login: tuple[str, str], demo: Demo | None, logs: str) -> str:
    """The one block a person needs: where to log in, and how to send the demo event."""
    lines = [
        "",
        "Junction is up: web server, worker and beat are running.",
        "",
        f"  Admin:     {base_url}/admin/",
        f"  Login:     {login[0]} / {login[1]}",
    ]
    if demo is not None:
        if demo.api_key:
            lines.append(f"  API key:   {demo.api_key}  (the demo web shop's)")
        else:
            lines.append("  API key:   shown at the first start only; make one under API keys in the admin")
        if demo.send_command:
            lines += ["", "  Send the demo event (an order from the web shop, delivered to the demo ERP):"]
            lines += [f"    {line}" for line in demo.send_command.splitlines()]
            lines.append("")
        lines += [f"  {line}" for line in demo.news]
    lines += [
        f"  API docs:  {base_url}/api/docs/",
        f"  Logs:      {logs}",
        f"  Database:  {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
        f"broker: {settings.CELERY_BROKER_URL.split('://')[0]}",
        "",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)
