"""Finding the broker JVM and what it was started with, on real JVM processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kafka_vmtune.errors import FactsError
from kafka_vmtune.facts.kafka_command import describe_kafka_process
from kafka_vmtune.facts.process_search import find_kafka_pids, main_class_index
from kafka_vmtune.facts.systemd import unit_main_pid_or_reason

MAIN = """
package %s;
public class %s {
    public static void main(String[] args) throws Exception {
        System.out.println("ready");
        System.out.flush();
        System.in.read();
    }
}
"""


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Kafka-like distribution: libs/ with a kafka.Kafka main class in a versioned jar."""
    if shutil.which("javac") is None or shutil.which("jar") is None:
        pytest.skip("needs a JDK (javac, jar)")
    root = tmp_path_factory.mktemp("kafka_dist")
    src = root / "src"
    for pkg, cls in (("kafka", "Kafka"), ("tools", "Other")):
        (src / pkg).mkdir(parents=True)
        (src / pkg / f"{cls}.java").write_text(MAIN % (pkg, cls))
    classes = root / "classes"
    subprocess.run(
        ["javac", "-d", str(classes), str(src / "kafka/Kafka.java"), str(src / "tools/Other.java")],
        check=True,
    )
    libs = root / "libs"
    libs.mkdir()
    jar = libs / "kafka_2.13-3.9.1.jar"
    subprocess.run(["jar", "cf", str(jar), "-C", str(classes), "."], check=True)
    (libs / "kafka_2.13-3.9.1-sources.jar").write_bytes(b"")
    (libs / "kafka-clients-3.9.1.jar").write_bytes(b"")
    (root / "config").mkdir()
    (root / "config" / "server.properties").write_text("log.dirs=/tmp/kvt-none\n")
    return root


class Jvm:
    def __init__(self, args: list[str], cwd: Path) -> None:
        self.proc = subprocess.Popen(
            ["java", "-Xmx32m", "-Xss256k", *args],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "ready"

    def stop(self) -> None:
        self.proc.communicate("x", timeout=30)


@pytest.fixture
def jvms() -> Iterator[list[Jvm]]:
    started: list[Jvm] = []
    yield started
    for jvm in started:
        jvm.stop()


@pytest.mark.jvm
def test_only_jvms_whose_main_class_is_kafka_kafka_are_found(dist: Path, jvms: list[Jvm]) -> None:
    cp = f"{dist}/libs/*"
    broker = Jvm(["-Dname=x", "-cp", cp, "kafka.Kafka", "config/server.properties"], dist)
    jvms.append(broker)
    # kafka.Kafka appears, but as a system property and as a program argument: not a broker.
    other = Jvm(["-Dmain=kafka.Kafka", "-cp", cp, "tools.Other", "kafka.Kafka"], dist)
    jvms.append(other)
    found = find_kafka_pids()
    # Other brokers may run on this machine (other test suites): look only at ours.
    assert broker.proc.pid in found
    assert other.proc.pid not in found
    assert os.getpid() not in found


@pytest.mark.jvm
def test_describe_reads_properties_libs_and_version_from_the_command_line(
    dist: Path, jvms: list[Jvm]
) -> None:
    broker = Jvm(
        [
            *("-XX:+UseG1GC", "-classpath", f"/nonexistent/x.jar:{dist}/libs/*", "kafka.Kafka"),
            *("config/server.properties", "--override", "node.id=3"),
        ],
        dist,
    )
    jvms.append(broker)
    kp = describe_kafka_process(broker.proc.pid)
    assert kp.pid == broker.proc.pid
    assert kp.cmdline[-4:] == ("kafka.Kafka", "config/server.properties", "--override", "node.id=3")
    # Relative to the broker's working directory, not ours.
    assert kp.server_properties == str(dist / "config" / "server.properties")
    assert kp.libs_dir == str(dist / "libs")
    assert kp.version == "3.9.1"


@pytest.mark.jvm
def test_classpath_from_the_environment_when_the_command_line_has_none(
    dist: Path, tmp_path: Path
) -> None:
    proc = subprocess.Popen(
        ["java", "-Xmx32m", "kafka.Kafka", str(dist / "config/server.properties")],
        env=dict(os.environ, CLASSPATH=f"{dist}/libs/kafka_2.13-3.9.1.jar"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        kp = describe_kafka_process(proc.pid)
    finally:
        proc.communicate("x", timeout=30)
    assert (kp.libs_dir, kp.version) == (str(dist / "libs"), "3.9.1")


@pytest.mark.jvm
def test_version_of_a_broker_in_its_own_mount_namespace_is_read_through_its_root(
    dist: Path, tmp_path: Path
) -> None:
    # Like a broker in a container: its libs/ exist only in its mount namespace, so the
    # same path seen from here is empty and only /proc/PID/root shows the versioned jar.
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) for a private mount namespace")
    hidden = tmp_path / "libs"
    hidden.mkdir()
    script = (
        f"mount --bind {dist}/libs {hidden} && "
        f"exec java -Xmx32m -cp '{hidden}/*' kafka.Kafka {dist}/config/server.properties"
    )
    proc = subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        assert os.listdir(hidden) == []  # invisible from our namespace
        kp = describe_kafka_process(proc.pid)
    finally:
        proc.communicate("x", timeout=30)
    assert (kp.libs_dir, kp.version) == (str(hidden), "3.9.1")


def test_a_process_that_has_gone_cannot_be_described() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    with pytest.raises(FactsError, match=str(child.pid)):
        describe_kafka_process(child.pid)


@pytest.mark.parametrize(
    ("argv", "main"),
    [
        (["/usr/lib/jvm/java-17/bin/java", "-Xmx1G", "-cp", "a:b", "kafka.Kafka", "p"], 4),
        (["java", "--add-opens", "java.base/x=ALL", "-p", "m", "kafka.Kafka"], 5),
        (["java", "--class-path=a", "-server", "kafka.Kafka", "x"], 3),
        (["java", "-jar", "app.jar", "kafka.Kafka"], None),
        (["java", "@argfile", "kafka.Kafka"], None),
        (["grep", "kafka.Kafka"], None),
        (["java", "-version"], None),
        ([], None),
    ],
)
def test_main_class_is_the_first_argument_after_the_jvm_options(
    argv: list[str], main: int | None
) -> None:
    assert main_class_index(tuple(argv)) == main


def fake_systemctl(bin_dir: Path, main_pid: str) -> None:
    """systemd cannot run here (PID 1 is not systemd): a systemctl with the same interface."""
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / "systemctl"
    script.write_text(
        "#!/bin/sh\n"
        '[ "$*" = "show -p MainPID --value kafka.service" ] || '
        '{ echo "bad args: $*" >&2; exit 1; }\n'
        f"echo {main_pid}\n"
    )
    script.chmod(0o755)


def test_unit_main_pid_of_a_running_unit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_systemctl(tmp_path / "bin", "4242")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    assert unit_main_pid_or_reason("kafka.service")[0] == 4242
    assert unit_main_pid_or_reason("other.service")[0] is None  # systemctl fails: no such unit


def test_unit_main_pid_of_a_stopped_unit_is_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_systemctl(tmp_path / "bin", "0")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    assert unit_main_pid_or_reason("kafka.service")[0] is None


def test_unit_main_pid_without_systemctl_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert unit_main_pid_or_reason("kafka.service")[0] is None


def test_unit_main_pid_with_the_real_systemctl_here() -> None:
    if shutil.which("systemctl") is None:
        pytest.skip("no systemctl")
    # No systemd as PID 1 on this machine: systemctl fails, and that is "not running".
    pid1 = Path("/proc/1/comm").read_text().strip()
    if pid1 == "systemd":
        pytest.skip("systemd is running: covered by the unit tests above")
    assert unit_main_pid_or_reason("kafka.service")[0] is None


def test_the_config_of_a_broker_that_is_down_comes_from_its_unit_command() -> None:
    from kafka_vmtune.facts.process_search import properties_of_command
    from kafka_vmtune.facts.systemd import exec_argv

    shown = (
        "{ path=/usr/bin/java ; argv[]=/usr/bin/java -Xmx1g -cp /opt/kafka/libs/* kafka.Kafka"
        " /etc/kafka/server.properties ; ignore_errors=no ; start_time=[n/a] }"
    )
    assert properties_of_command(exec_argv(shown)) == "/etc/kafka/server.properties"
    script = ["/opt/kafka/bin/kafka-server-start.sh", "-daemon", "/opt/kafka/config/s.properties"]
    assert properties_of_command(script) == "/opt/kafka/config/s.properties"
    assert properties_of_command(["/usr/bin/java", "-jar", "other.jar"]) is None
    assert properties_of_command([]) is None
