"""The reference agent's gatherers return this machine's real values."""

import os
import platform
import pwd
from pathlib import Path

import pytest

from apps.checks import agent


def test_os_release_is_this_machines():
    assert agent.gather("os-release@v1", "") == platform.freedesktop_os_release()


def test_passwd_lists_the_real_users():
    users = {user["user"]: user for user in agent.gather("passwd@v1", "")}

    me = pwd.getpwuid(os.getuid())
    assert users[me.pw_name] == {
        "user": me.pw_name,
        "uid": me.pw_uid,
        "gid": me.pw_gid,
        "description": me.pw_gecos,
        "home": me.pw_dir,
        "shell": me.pw_shell,
    }
    assert users["root"]["uid"] == 0


def test_sysctl_reads_a_parameter_and_a_prefix():
    swappiness = Path("/proc/sys/vm/swappiness").read_text().strip()

    assert agent.gather("sysctl@v1", "vm.swappiness") == swappiness
    assert agent.gather("sysctl@v1", "vm")["swappiness"] == swappiness
    with pytest.raises(agent.GatherError) as missing:
        agent.gather("sysctl@v1", "vm.no_such_parameter")
    assert missing.value.type == "sysctl_missing_key"


def test_groups_hosts_and_fstab_parse_the_real_files():
    groups = {group["name"]: group for group in agent.gather("groups@v1", "")}
    hosts = agent.gather("hosts@v1", "")

    assert groups["root"]["gid"] == 0
    assert all(isinstance(group["users"], list) for group in groups.values())
    assert "127.0.0.1" in hosts["localhost"]
    assert isinstance(agent.gather("fstab@v1", ""), list)


def test_package_version_lists_versions_and_compares():
    if not (agent.shutil.which("rpm") or agent.shutil.which("dpkg-query")):
        pytest.skip("no package manager")
    package = "bash"

    (installed,) = agent.gather("package_version@v1", package)

    assert installed["version"]
    assert agent.gather("package_version@v1", f"{package},0.1") == -1
    assert agent.gather("package_version@v1", f"{package},{installed['version']}") == 0
    assert agent.gather("package_version", f"{package},999") == 1
    with pytest.raises(agent.GatherError, match="not installed"):
        agent.gather("package_version@v1", "no-such-package-here")


def test_sap_and_pacemaker_gatherers_answer_not_available_here():
    facts = agent.facts_gathered(
        [
            {"check_id": "C1", "name": "cib", "gatherer": "cibadmin@v1", "argument": ""},
            {"check_id": "C1", "name": "sids", "gatherer": "ascsers_cluster@v1", "argument": ""},
            {"check_id": "C1", "name": "odd", "gatherer": "made_up@v3", "argument": ""},
            {"check_id": "C1", "name": "os", "gatherer": "os-release@v1", "argument": ""},
        ]
    )

    assert facts[0]["error_value"]["type"] == "gatherer_not_available"
    assert "not available here" in facts[1]["error_value"]["message"]
    assert facts[2]["error_value"]["type"] == "gatherer_not_found"
    assert facts[3] == {"check_id": "C1", "name": "os", "value": platform.freedesktop_os_release()}
