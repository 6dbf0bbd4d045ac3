"""A small reference agent: gathers facts on this Linux machine and answers Junction's requests.

It plays the part of Trento's agent for the gatherers any Linux machine has (os-release, sysctl,
package_version with rpm or dpkg, hosts, passwd, groups, fstab, systemd); the gatherers that need
SAP, Pacemaker or SBD answer with a ``gatherer_not_available`` fact error. Fact shapes follow
Trento's agent (e.g. ``passwd`` is a list of ``{user, uid, gid, description, home, shell}``).

No Django here: ``manage.py junction_agent`` runs :class:`AgentClient`, which polls
``GET /api/v1/agents/<id>/facts-requests`` (long polling) and posts to ``.../facts``.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import requests

logger = logging.getLogger(__name__)

COMMAND_TIMEOUT = 20
#: Gatherers of Trento's catalog that need software this agent cannot assume (SAP, Pacemaker …).
NOT_AVAILABLE = frozenset(
    [
        "ascsers_cluster",
        "cibadmin",
        "corosync-cmapctl",
        "corosync.conf",
        "dir_scan",
        "disp+work",
        "fs_usage",
        "ini_files",
        "mount_info",
        "products",
        "sap_profiles",
        "sapservices",
        "sapcontrol",
        "saphostctrl",
        "sapinstance_hostname_resolver",
        "saptune",
        "sbd_config",
        "sbd_dump",
        "sudoers",
        "verify_password",
    ]
)


class GatherError(Exception):
    """A fact that could not be gathered: sent to Junction as ``error_value: {type, message}``."""

    def __init__(self, type_: str, message: str):
        super().__init__(message)
        self.type, self.message = type_, message


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise GatherError("file_not_readable", f"cannot read {path}: {error.strerror}") from None


def _lines(path: str) -> list[list[str]]:
    """Non-comment, non-empty lines split on whitespace."""
    rows = []
    for line in _read(path).splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            rows.append(line.split())
    return rows


def _run(argv: list[str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise GatherError("command_failed", f"{argv[0]}: {error}") from None


def os_release(argument: str) -> dict[str, str]:
    values = {}
    for line in _read("/etc/os-release").splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.startswith("#"):
            values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def sysctl(argument: str) -> Any:
    """One kernel parameter (``vm.swappiness`` → ``"60"``), or a map of all under a prefix."""
    if not argument:
        raise GatherError("sysctl_missing_argument", "sysctl needs a parameter name, e.g. vm.swappiness")
    path = Path("/proc/sys", *argument.split("."))
    if path.is_dir():
        values = {}
        for child in sorted(path.iterdir()):
            try:
                values[child.name] = sysctl(f"{argument}.{child.name}")
            except GatherError:
                continue  # write-only parameters (vm.compact_memory …), as ``sysctl -a`` leaves them out
        return values
    try:
        return " ".join(path.read_text().split())
    except PermissionError:
        raise GatherError("sysctl_not_readable", f"{argument} cannot be read") from None
    except OSError:
        raise GatherError("sysctl_missing_key", f"no kernel parameter {argument}") from None


def package_version(argument: str) -> Any:
    """``pkg`` → ``[{version}]`` for each installed version; ``pkg,version`` → how ``version``
    compares to the installed one (-1 older, 0 same, 1 newer), as Trento's checks expect."""
    name, _, wanted = (part.strip() for part in argument.partition(","))
    if not name:
        raise GatherError("package_version_missing_argument", "package_version needs a package name")
    if shutil.which("rpm"):
        done = _run(["rpm", "-q", "--qf", "%{VERSION}\n", name])
        if done.returncode != 0:
            raise GatherError("package_not_found", f"package {name} is not installed")
        installed = done.stdout.split()
    elif shutil.which("dpkg-query"):
        done = _run(["dpkg-query", "-W", "-f", "${db:Status-Status} ${Version}\n", name])
        installed = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("installed ")]
        if not installed:
            raise GatherError("package_not_found", f"package {name} is not installed")
    else:
        raise GatherError("gatherer_not_available", "neither rpm nor dpkg is available here")
    if not wanted:
        return [{"version": version} for version in installed]
    return _compare_versions(wanted, installed[0])


def _compare_versions(a: str, b: str) -> int:
    if shutil.which("rpm"):
        done = _run(["rpm", "--eval", f'%{{lua: print(rpm.vercmp("{a}", "{b}"))}}'])
        return int(done.stdout.strip())
    for result, operator in ((-1, "lt"), (0, "eq")):
        if _run(["dpkg", "--compare-versions", a, operator, b]).returncode == 0:
            return result
    return 1


def hosts(argument: str) -> dict[str, list[str]]:
    """Host name → its addresses in /etc/hosts."""
    names: dict[str, list[str]] = {}
    for address, *aliases in _lines("/etc/hosts"):
        for alias in aliases:
            names.setdefault(alias, []).append(address)
    return names


def passwd(argument: str) -> list[dict[str, Any]]:
    users = []
    for line in _read("/etc/passwd").splitlines():
        fields = line.split(":")
        if len(fields) == 7:
            user, _, uid, gid, description, home, shell = fields
            users.append(
                {
                    "user": user,
                    "uid": int(uid),
                    "gid": int(gid),
                    "description": description,
                    "home": home,
                    "shell": shell,
                }
            )
    return users


def groups(argument: str) -> list[dict[str, Any]]:
    entries = []
    for line in _read("/etc/group").splitlines():
        fields = line.split(":")
        if len(fields) == 4:
            name, _, gid, users = fields
            entries.append({"name": name, "gid": int(gid), "users": [u for u in users.split(",") if u]})
    return entries


def fstab(argument: str) -> list[dict[str, Any]]:
    entries = []
    for row in _lines("/etc/fstab"):
        row += ["0"] * (6 - len(row))
        entries.append(
            {
                "device": row[0],
                "mount_point": row[1],
                "file_system_type": row[2],
                "options": row[3].split(","),
                "backup": int(row[4]) if row[4].isdigit() else 0,
                "check_order": int(row[5]) if row[5].isdigit() else 0,
            }
        )
    return entries


SYSTEMD_PROPERTIES = ("Id", "Description", "ActiveState", "SubState", "LoadState", "UnitFileState", "UnitFilePreset")


def _systemctl(argv: list[str]) -> str:
    if not shutil.which("systemctl"):
        raise GatherError("gatherer_not_available", "systemd is not available here (no systemctl)")
    done = _run(["systemctl", *argv])
    if "not been booted with systemd" in done.stderr or "Failed to connect to bus" in done.stderr:
        raise GatherError("gatherer_not_available", "systemd is not running on this machine")
    return done.stdout


def systemd_v1(argument: str) -> dict[str, str]:
    """Unit name → its active state, for every unit named (comma-separated)."""
    units = [unit.strip() for unit in argument.split(",") if unit.strip()]
    if not units:
        raise GatherError("systemd_missing_argument", "systemd needs a unit name, e.g. sbd.service")
    states = _systemctl(["is-active", *units]).split()
    return dict(zip(units, states, strict=False))


def systemd_v2(argument: str) -> dict[str, str]:
    """One unit's properties in snake case (``active_state``, ``unit_file_state`` …)."""
    if not argument:
        raise GatherError("systemd_missing_argument", "systemd needs a unit name, e.g. sbd.service")
    output = _systemctl(["show", argument, "--property", ",".join(SYSTEMD_PROPERTIES)])
    properties = {}
    for line in output.splitlines():
        key, _, value = line.partition("=")
        properties["".join(f"_{c.lower()}" if c.isupper() else c for c in key).lstrip("_")] = value
    return properties


GATHERERS: dict[str, Callable[[str], Any]] = {
    "os-release@v1": os_release,
    "sysctl@v1": sysctl,
    "package_version@v1": package_version,
    "hosts@v1": hosts,
    "passwd@v1": passwd,
    "groups@v1": groups,
    "fstab@v1": fstab,
    "systemd@v1": systemd_v1,
    "systemd@v2": systemd_v2,
}
#: A gatherer named without ``@vN`` is its latest version.
LATEST = {"systemd": "systemd@v2"}


def gather(gatherer: str, argument: str) -> Any:
    """One fact's value; raises :class:`GatherError` when it cannot be gathered here."""
    name = gatherer.split("@", 1)[0]
    function = GATHERERS.get(gatherer if "@" in gatherer else LATEST.get(name, f"{name}@v1"))
    if function is not None:
        return function(argument)
    if name in NOT_AVAILABLE:
        raise GatherError(
            "gatherer_not_available", f"the {gatherer} gatherer is not available here (it needs SAP or Pacemaker)"
        )
    raise GatherError("gatherer_not_found", f"this agent has no {gatherer} gatherer")


def facts_gathered(fact_requests: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Answers to a request's ``fact_requests``, in the shape of Trento's ``FactsGathered``."""
    facts = []
    for request in fact_requests:
        fact: dict[str, Any] = {"check_id": request["check_id"], "name": request["name"]}
        try:
            fact["value"] = gather(request["gatherer"], request.get("argument") or "")
        except GatherError as error:
            fact["error_value"] = {"type": error.type, "message": error.message}
        except Exception as error:  # a gatherer's bug must not keep the other facts from Junction
            logger.exception("gatherer %s failed", request["gatherer"])
            fact["error_value"] = {"type": "gatherer_failed", "message": str(error)}
        facts.append(fact)
    return facts


class AgentClient:
    """Polls Junction for this agent's facts requests and answers each one."""

    def __init__(self, url: str, agent_id: str, api_key: str, *, wait: int = 20, timeout: float = 30):
        self.base = f"{url.rstrip('/')}/api/v1/agents/{agent_id}"
        self.agent_id, self.wait, self.timeout = agent_id, wait, timeout
        self.session = requests.Session()
        self.session.headers["X-API-Key"] = api_key

    def poll_once(self) -> int:
        """Fetch pending requests (waiting up to ``wait`` s for one) and answer them; return how many."""
        response = self.session.get(
            f"{self.base}/facts-requests", params={"wait": self.wait}, timeout=self.wait + self.timeout
        )
        response.raise_for_status()
        answered = 0
        for item in response.json()["items"]:
            body = {
                "execution_id": item["execution_id"],
                "group_id": item["group_id"],
                "agent_id": self.agent_id,
                "facts_gathered": facts_gathered(item["fact_requests"]),
            }
            posted = self.session.post(f"{self.base}/facts", json=body, timeout=self.timeout)
            if posted.status_code == 409:
                logger.warning("execution %s no longer takes facts: %s", item["execution_id"], posted.text)
                continue
            posted.raise_for_status()
            logger.info("answered execution %s with %d facts", item["execution_id"], len(body["facts_gathered"]))
            answered += 1
        return answered

    def run(self, *, interval: float = 2.0, exit_after: int | None = None) -> int:
        """Poll until stopped (or after answering ``exit_after`` requests); errors are retried."""
        answered = 0
        while exit_after is None or answered < exit_after:
            try:
                answered += self.poll_once()
            except requests.RequestException as error:
                logger.warning("cannot reach Junction: %s; retrying in %.0f s", error, interval)
                time.sleep(interval)
                continue
            if not self.wait:
                time.sleep(interval)
        return answered
