import sys
import time

from apps.core.launcher import ServiceSpec, run_services


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_a_service_that_dies_is_named_with_its_log_file_and_last_lines_and_the_others_stop(tmp_path, capfd):
    said: list[str] = []
    services = [
        ServiceSpec("talker", python("import sys\nfor n in range(1, 21): print('line', n)\nsys.exit(3)")),
        ServiceSpec("sleeper", python("import time; time.sleep(60)")),
    ]
    started = time.monotonic()

    exit_code = run_services(services, log_dir=tmp_path / "logs", say=said.append)

    assert exit_code == 3
    assert time.monotonic() - started < 10  # the sleeper was stopped, not waited for
    log = tmp_path / "logs" / "talker.log"
    assert said[0].startswith(f"The talker exited with code 3; stopping the hub. Last lines of {log}:")
    assert said[0].endswith("".join(f"\n  | line {n}" for n in range(6, 21)))  # the last 15
    assert said[1] == "Stopping talker and sleeper ..."
    assert log.read_text().splitlines()[0] == "line 1"
    assert "line" not in capfd.readouterr().out  # the services' output is in their logs only


def test_on_ready_is_called_once_when_nothing_is_awaited_any_more(tmp_path):
    awaited = iter(["the web server", "a scheduler tick"])
    ready: list[float] = []
    services = [ServiceSpec("short", python("import time; time.sleep(2)"))]

    run_services(
        services,
        log_dir=tmp_path,
        say=lambda line: None,
        waiting_for=lambda: next(awaited, None),
        on_ready=lambda: ready.append(time.monotonic()),
    )

    assert len(ready) == 1
