import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.checks import services
from apps.core.api import ApplicationError


def _json_file(path: str | None, what: str) -> Any:
    if path is None:
        return {}
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise CommandError(f"cannot read the {what} JSON file {path}: {error}") from None


class Command(BaseCommand):
    help = (
        "Evaluate a check (YAML file) on given facts and print the result an execution would give, as JSON. "
        "FACTS.json maps agent id → fact name → value."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("check", help="The check's YAML file.")
        parser.add_argument("--env", help='JSON file with the env, e.g. {"provider": "azure"}.')
        parser.add_argument("--facts", required=True, help="JSON file: agent id → fact name → value.")
        parser.add_argument("--target-type", default=None, help="Injected into the env (default: none).")

    def handle(self, *args, **options) -> None:
        try:
            text = Path(options["check"]).read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"cannot read {options['check']}: {error.strerror}") from None
        env, facts = _json_file(options["env"], "env"), _json_file(options["facts"], "facts")
        if (
            not isinstance(env, dict)
            or not isinstance(facts, dict)
            or not all(isinstance(f, dict) for f in facts.values())
        ):
            raise CommandError("--env must hold a JSON object, --facts an object of agent id → {fact name: value}")
        try:
            check = services.check_from_yaml(text)
        except ApplicationError as error:
            self.stdout.write(json.dumps({"error": {"code": error.code, "details": error.details}}, indent=2))
            raise CommandError(error.message) from None
        result = services.playground_evaluate(check=check, env=env, target_type=options["target_type"], agents=facts)
        self.stdout.write(json.dumps(result, indent=2))
