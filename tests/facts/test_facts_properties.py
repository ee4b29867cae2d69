"""server.properties is read with java.util.Properties semantics, and Kafka's defaults apply."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kafka_vmtune.errors import InputError
from kafka_vmtune.facts.broker_config import broker_config
from kafka_vmtune.facts.properties import load_properties, parse_properties


def test_separators_comments_and_continuations() -> None:
    text = (
        "# a comment\n"
        "! another comment\n"
        "log.dirs=/data/a,\\\n"
        "         /data/b\n"
        "node.id : 3\n"
        "process.roles broker,controller\n"
        "  listeners   =   PLAINTEXT://:9092  \n"
        "# continued comment \\\n"
        "num.io.threads=16\n"
        "empty=\n"
        "bare\n"
        "key\\ with\\ spaces=v\\u00e9\\tx\n"
        "a=1\r\na=2\r"
    )
    assert parse_properties(text) == {
        "log.dirs": "/data/a,/data/b",
        "node.id": "3",
        "process.roles": "broker,controller",
        "listeners": "PLAINTEXT://:9092  ",
        "num.io.threads": "16",
        "empty": "",
        "bare": "",
        "key with spaces": "v\u00e9\tx",
        "a": "2",
    }


def test_load_properties_reads_latin1_and_names_an_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "server.properties"
    path.write_bytes(b"client.id=caf\xe9\n")
    assert load_properties(str(path)) == {"client.id": "caf\u00e9"}
    with pytest.raises(InputError, match=str(tmp_path / "missing.properties")):
        load_properties(str(tmp_path / "missing.properties"))


def java_escape(s: str, key: bool) -> str:
    """Escape like java.util.Properties.store does."""
    out = []
    for i, c in enumerate(s):
        if c == " " and (key or i == 0):
            out.append("\\ ")
        elif c in "\\=:#!":
            out.append("\\" + c)
        elif c in "\t\n\r\f":
            out.append({"\t": "\\t", "\n": "\\n", "\r": "\\r", "\f": "\\f"}[c])
        elif ord(c) < 0x20 or ord(c) > 0x7E:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return "".join(out)


text_chars = st.characters(codec="utf-16", exclude_categories=["Cs"])


@given(
    st.dictionaries(st.text(text_chars, min_size=1, max_size=12), st.text(text_chars, max_size=20)),
    st.sampled_from(["=", ":", " = ", " ", "\t: "]),
)
def test_stored_properties_read_back_unchanged(props: dict[str, str], sep: str) -> None:
    props = {k: v for k, v in props.items() if all(ord(c) <= 0xFFFF for c in k + v)}
    text = "#generated\n" + "".join(
        f"{java_escape(k, True)}{sep}{java_escape(v, False)}\n" for k, v in props.items()
    )
    assert parse_properties(text) == props


PIECES = [
    "a",
    "key.name",
    " ",
    "\t",
    "\f",
    "=",
    ":",
    "\\",
    "\\\\",
    "\\=",
    "\\ ",
    "\\t",
    "\\u0041",
    "\\u00e9x",
    "#",
    "!",
    "\n",
    "\r\n",
    "\r",
    "\\\n",
    "\\\n   ",
    "\\\r\n",
    "x=y",
    "é",
]


def random_properties(rnd: random.Random) -> str:
    return "".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 30)))


READER = """
import java.io.*;
import java.util.*;
public class ReadProps {
    public static void main(String[] args) throws Exception {
        for (String a : args) {
            Properties p = new Properties();
            try (InputStream in = new FileInputStream(a)) { p.load(in); }
            StringBuilder sb = new StringBuilder();
            for (String k : new TreeSet<>(p.stringPropertyNames())) {
                sb.append(hex(k)).append(' ').append(hex(p.getProperty(k))).append(';');
            }
            System.out.println(sb);
        }
    }
    static String hex(String s) {
        StringBuilder sb = new StringBuilder("h");
        for (char c : s.toCharArray()) sb.append(String.format("%04x", (int) c));
        return sb.toString();
    }
}
"""


def unhex(h: str) -> str:
    return "".join(chr(int(h[i : i + 4], 16)) for i in range(1, len(h), 4))


@pytest.mark.jvm
def test_parsing_agrees_with_java_properties_load(tmp_path: Path) -> None:
    """400 tricky texts, each parsed by Java's own Properties.load and by parse_properties."""
    if shutil.which("javac") is None:
        pytest.skip("needs a JDK")
    (tmp_path / "ReadProps.java").write_text(READER)
    subprocess.run(["javac", "-d", str(tmp_path), str(tmp_path / "ReadProps.java")], check=True)
    rnd = random.Random(19390)
    texts = [random_properties(rnd) for _ in range(400)]
    files = []
    for i, text in enumerate(texts):
        f = tmp_path / f"{i}.properties"
        f.write_bytes(text.encode("latin-1"))
        files.append(str(f))
    out = subprocess.run(
        ["java", "-cp", str(tmp_path), "ReadProps", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        pytest.fail(out.stderr[-2000:])
    java = []
    for line in out.stdout.splitlines():
        pairs = [p.split(" ") for p in line.split(";") if p]
        java.append({unhex(k): unhex(v) for k, v in pairs})
    ours = [load_properties(f) for f in files]
    mismatches = [(t, j, o) for t, j, o in zip(texts, java, ours, strict=True) if j != o]
    assert mismatches[:3] == []


def test_kafka_defaults_apply_to_an_empty_file() -> None:
    cfg = broker_config({})
    assert cfg.log_dirs == ("/tmp/kafka-logs",)
    assert cfg.node_id is None
    assert cfg.process_roles == ()
    assert cfg.segment_bytes == 1_073_741_824
    assert cfg.segment_ms == 168 * 3_600_000
    assert cfg.retention_ms == 168 * 3_600_000
    assert cfg.retention_bytes is None
    assert cfg.file_delete_delay_ms == 60_000
    assert cfg.remote_cache_bytes is None
    assert (
        cfg.num_io_threads,
        cfg.num_network_threads,
        cfg.num_replica_fetchers,
        cfg.log_cleaner_threads,
        cfg.background_threads,
    ) == (8, 3, 1, 1, 10)


def test_the_most_specific_setting_wins() -> None:
    cfg = broker_config(
        {
            "log.dir": "/ignored",
            "log.dirs": " /data/a , /data/b,",
            "broker.id": "1",
            "node.id": "7",
            "process.roles": "broker, controller",
            "log.roll.hours": "1",
            "log.roll.ms": "600000",
            "log.retention.hours": "1",
            "log.retention.minutes": "30",
            "log.retention.ms": "1000",
            "log.retention.bytes": "1048576",
        }
    )
    assert cfg.log_dirs == ("/data/a", "/data/b")
    assert cfg.node_id == 7
    assert cfg.process_roles == ("broker", "controller")
    assert cfg.segment_ms == 600_000
    assert cfg.retention_ms == 1000
    assert cfg.retention_bytes == 1_048_576


def test_fallbacks_log_dir_broker_id_hours_and_minutes() -> None:
    cfg = broker_config(
        {
            "log.dir": "/data/single",
            "broker.id": "2",
            "log.roll.hours": "24",
            "log.retention.minutes": "90",
        }
    )
    assert (cfg.log_dirs, cfg.node_id) == (("/data/single",), 2)
    assert (cfg.segment_ms, cfg.retention_ms) == (24 * 3_600_000, 90 * 60_000)


def test_minus_one_means_unlimited_retention() -> None:
    cfg = broker_config({"log.retention.ms": "-1", "log.retention.bytes": "-1"})
    assert (cfg.retention_ms, cfg.retention_bytes) == (None, None)
    assert broker_config({"log.retention.hours": "-1"}).retention_ms is None


def test_the_remote_index_cache_counts_only_with_tiered_storage_enabled() -> None:
    assert broker_config({"remote.log.storage.system.enable": "true"}).remote_cache_bytes == (
        1_073_741_824
    )
    enabled = {
        "remote.log.storage.system.enable": "TRUE",
        "remote.log.index.file.cache.total.size.bytes": "52428800",
    }
    assert broker_config(enabled).remote_cache_bytes == 52_428_800
    disabled = {"remote.log.index.file.cache.total.size.bytes": "52428800"}
    assert broker_config(disabled).remote_cache_bytes is None


@pytest.mark.parametrize(
    "key", ["log.segment.bytes", "num.io.threads", "log.retention.hours", "node.id"]
)
def test_a_bad_number_names_the_property(key: str) -> None:
    with pytest.raises(InputError, match=key.replace(".", r"\.")):
        broker_config({key: "1g"})


def test_a_brokers_files_are_read_inside_its_root_whatever_its_symlinks_say(
    tmp_path: Path,
) -> None:
    """Through /proc/PID/root the kernel resolves an absolute link against our root: a
    container's `server.properties -> /etc/shadow` would read the host's file."""

    host_secret = tmp_path / "secret.properties"
    host_secret.write_text("sasl.password=hunter2\n")
    root = tmp_path / "container"
    conf = root / "etc/kafka"
    conf.mkdir(parents=True)
    (conf / "real.properties").write_text("log.dirs=/data\n")
    (conf / "absolute.properties").symlink_to(host_secret)
    (conf / "relative.properties").symlink_to("../" * 12 + str(host_secret).lstrip("/"))
    (conf / "inside.properties").symlink_to("/etc/kafka/real.properties")
    assert load_properties("/etc/kafka/inside.properties", str(root)) == {"log.dirs": "/data"}
    for name in ("absolute", "relative"):
        with pytest.raises(InputError, match="No such file"):
            load_properties(f"/etc/kafka/{name}.properties", str(root))
