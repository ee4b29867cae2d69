"""Every command the README tells a reader to type runs as written: the tests run it (with
--syntax-check for playbooks, so no host is touched), or check that the script, playbook,
subcommand and every option it names exist. A command no check knows fails the suite."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import tomllib
import yaml
from markdown_pages import ENV_PREFIX, REPO, commands
from markdown_pages import run as run_tool
from repo import BIN

from kafka_vmtune.cli.main import build_parser

# Placeholders the README uses for what only the reader knows.
PLACEHOLDERS = {"INV": "inventory/example/hosts.yml", "FILE": "/tmp/kafka_vmtune.prom"}
ANSIBLE = ("ansible-playbook", "ansible-galaxy", "ansible-doc")


def readme_commands() -> list[tuple[int, str]]:
    return commands(REPO / "README.md")


def words(command: str) -> list[str]:
    """The command's words without its VAR=value prefix, placeholders filled in."""
    return [PLACEHOLDERS.get(w, w) for w in shlex.split(ENV_PREFIX.sub("", command))]


def ansible_env() -> dict[str, str]:
    return {
        **os.environ,
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_tool(args, env=env or ansible_env())


# ---- checks that start nothing slow --------------------------------------------------


def check_run_sh(argv: list[str]) -> None:
    script = (REPO / "run.sh").read_text(encoding="utf-8")
    subcommands = re.findall(r"^  ([a-z-]+)\)$", script, re.M)
    assert len(argv) > 1 and argv[1] in subcommands, f"run.sh has no subcommand {argv[1:2]}"
    if argv[1] == "test" and "-m" in argv:
        expression = argv[argv.index("-m") + 1]
        markers = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"][
            "ini_options"
        ]["markers"]
        known = {m.split(":")[0].split("(")[0] for m in markers}
        used = set(re.findall(r"\w+", expression)) - {"and", "or", "not"}
        assert used <= known, f"not a pytest marker of pyproject.toml: {used - known}"


def check_kafka_vmtune(argv: list[str]) -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["kafka-vmtune"] == "kafka_vmtune.cli.main:main"
    if len(argv) == 1:
        return
    try:
        build_parser().parse_args(argv[1:])  # the CLI's own parser: subcommand and options
    except SystemExit as exc:
        pytest.fail(f"kafka-vmtune refuses {argv[1:]} (exit {exc.code})")


def check_pip(argv: list[str]) -> None:
    assert argv == ["pip", "install", "."]
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["name"] == "kafka-vmtune"


def check_python3(argv: list[str]) -> None:
    python = shutil.which("python3")
    assert python, "no python3 on PATH"
    env = {**os.environ, "PYTHONPATH": str(REPO / "python")}
    result = run([python, *argv[1:], "--help"], env=env)
    assert result.returncode == 0, result.stderr
    assert "inspect" in result.stdout


def check_activate(argv: list[str]) -> None:
    assert argv == [".", ".venv/bin/activate"]
    assert (BIN / "activate").is_file()


FAST: dict[str, Callable[[list[str]], None]] = {
    "./run.sh": check_run_sh,
    "kafka-vmtune": check_kafka_vmtune,
    "pip": check_pip,
    "python3": check_python3,
    ".": check_activate,
}


def test_every_readme_command_has_a_check() -> None:
    unknown = [(line, c) for line, c in readme_commands() if words(c)[0] not in (*FAST, *ANSIBLE)]
    assert unknown == [], "README commands no test checks; add a check to this file"


@pytest.mark.parametrize(
    "line, command",
    [(n, c) for n, c in readme_commands() if words(c)[0] in FAST],
    ids=str,
)
def test_the_command_exists_as_written(line: int, command: str) -> None:
    argv = words(command)
    FAST[argv[0]](argv)


def test_a_wrong_option_or_subcommand_is_caught() -> None:
    with pytest.raises(pytest.fail.Exception):
        check_kafka_vmtune(["kafka-vmtune", "inspect", "--jsn"])
    with pytest.raises(AssertionError):
        check_run_sh(["./run.sh", "dryrun"])
    with pytest.raises(AssertionError):
        check_run_sh(["./run.sh", "test", "-m", "not kernal"])


def test_the_install_commands_name_the_tarball_the_build_writes() -> None:
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    tarball = f"dist/{galaxy['namespace']}-{galaxy['name']}-{galaxy['version']}.tar.gz"
    installs = [
        c for _, c in readme_commands() if c.startswith("ansible-galaxy collection install")
    ]
    assert installs, "the README no longer shows the install"
    assert all(tarball in c for c in installs), tarball


# ---- checks that start Ansible ----------------------------------------------------------


def syntax_check(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """The playbook command as written, plus --syntax-check: options, inventory and playbook
    are read as in a real run, and no host is contacted."""
    return run([str(BIN / argv[0]), *argv[1:], "--syntax-check"])


def check_ansible(argv: list[str]) -> None:
    program = str(BIN / argv[0])
    if len(argv) == 1:
        assert Path(program).is_file()
    elif argv[0] == "ansible-playbook":
        result = syntax_check(argv)
        assert result.returncode == 0, result.stdout + result.stderr
    elif argv[0] == "ansible-doc":
        result = run([program, *argv[1:]])
        assert result.returncode == 0, result.stderr
        assert argv[-1] in result.stdout
    else:  # ansible-galaxy collection build|install: tests/collection runs both for real
        helptext = run([program, *argv[1:3], "--help"]).stdout
        options = [w for w in argv[3:] if w.startswith("-")]
        assert options and all(re.search(rf"(^|[\s,]){re.escape(o)}\b", helptext) for o in options)


@pytest.mark.ansible
@pytest.mark.parametrize(
    "line, command",
    [(n, c) for n, c in readme_commands() if words(c)[0] in ANSIBLE],
    ids=str,
)
def test_the_ansible_command_runs_as_written(line: int, command: str) -> None:
    check_ansible(words(command))


@pytest.mark.ansible
def test_the_dry_run_passes_its_arguments_to_ansible_playbook() -> None:
    """`./run.sh dry-run -v`: extra arguments reach ansible-playbook (checked with its own
    --syntax-check, so nothing is measured or written)."""
    extra = {
        w for _, c in readme_commands() if c.startswith("./run.sh dry-run") for w in words(c)[2:]
    }
    result = run(["./run.sh", "dry-run", "--syntax-check", *sorted(extra)])
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "playbook: tune-vm.yml" in result.stdout


@pytest.mark.ansible
def test_a_playbook_command_with_a_wrong_option_or_playbook_fails_the_check() -> None:
    inventory = PLACEHOLDERS["INV"]
    assert syntax_check(["ansible-playbook", "-i", inventory, "tune-vm.yml", "--canary"]).returncode
    assert syntax_check(["ansible-playbook", "-i", inventory, "playbooks/tune-vm.yml"]).returncode
