import logging

from django.core.management.base import BaseCommand, CommandParser

from apps.checks.agent import AgentClient


class Command(BaseCommand):
    help = "Run the reference agent: gather facts on this machine for Junction's checks executions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", required=True, help="Junction's base URL, e.g. http://127.0.0.1:8000")
        parser.add_argument("--agent-id", required=True, help="This agent's id (a UUID), as in the targets.")
        parser.add_argument("--api-key", required=True, help="An API key of the Agents system.")
        parser.add_argument("--wait", type=int, default=20, help="Seconds each poll waits for a request (0: none).")
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between polls when not waiting.")
        parser.add_argument("--exit-after", type=int, default=None, help="Stop after answering this many requests.")

    def handle(self, *args, **options) -> None:
        logging.getLogger("apps.checks").setLevel(logging.INFO)
        client = AgentClient(options["url"], options["agent_id"], options["api_key"], wait=options["wait"])
        self.stdout.write(f"Agent {options['agent_id']} polling {options['url']}")
        answered = client.run(interval=options["interval"], exit_after=options["exit_after"])
        self.stdout.write(f"Answered {answered} facts request(s).")
