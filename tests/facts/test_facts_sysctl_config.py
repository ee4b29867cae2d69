"""The value vm.max_map_count gets at boot, from sysctl trees built like a host's."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kafka_vmtune.apply.max_map_count import apply
from kafka_vmtune.defaults import INT_MAX
from kafka_vmtune.facts.boot import MARKER
from kafka_vmtune.facts.sysctl_config import (
    SysctlSetting,
    boot_value,
    config_files,
    evaluate,
    kernel_int,
    normalize_key,
    order_conf_files,
)
from kafka_vmtune.pipeline import inspect_host

KEY = "vm.max_map_count"


def write(root: Path, path: str, text: str) -> None:
    f = root / path.lstrip("/")
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(text)


def link(root: Path, path: str, target: str) -> None:
    f = root / path.lstrip("/")
    f.parent.mkdir(parents=True, exist_ok=True)
    f.symlink_to(target)


def debian_root(root: Path) -> Path:
    """Merged /usr (/lib -> usr/lib) and /etc/sysctl.d/99-sysctl.conf -> ../sysctl.conf."""
    (root / "usr/lib/sysctl.d").mkdir(parents=True)
    (root / "lib").symlink_to("usr/lib")
    write(root, "/usr/lib/sysctl.d/50-pid-max.conf", "kernel.pid_max = 4194304\n")
    write(root, "/etc/sysctl.conf", "# vm.max_map_count = 1\n")
    link(root, "/etc/sysctl.d/99-sysctl.conf", "../sysctl.conf")
    return root


def test_our_file_sets_the_value_when_nothing_else_does(tmp_path: Path) -> None:
    root = debian_root(tmp_path)
    write(root, "/etc/sysctl.d/60-kafka-vmtune.conf", "vm.max_map_count = 262144\n")
    bv = boot_value(KEY, root=str(root))
    assert bv.value == "262144"
    assert bv.source == SysctlSetting("/etc/sysctl.d/60-kafka-vmtune.conf", 1, "262144")
    assert bv.masked == ()


def test_a_later_file_name_wins_whatever_its_directory(tmp_path: Path) -> None:
    """A package's /usr/lib/sysctl.d/99-*.conf overrides our /etc/sysctl.d/60-*.conf."""
    root = debian_root(tmp_path)
    write(root, "/etc/sysctl.d/60-kafka-vmtune.conf", "vm.max_map_count=262144\n")
    write(root, "/usr/lib/sysctl.d/99-elastic.conf", "# es\nvm.max_map_count=131072\n")
    write(root, "/run/sysctl.d/10-early.conf", "vm.max_map_count=65530\n")
    bv = boot_value(KEY, root=str(root))
    assert bv.value == "131072"
    assert [(s.path, s.line) for s in bv.settings] == [
        ("/run/sysctl.d/10-early.conf", 1),
        ("/etc/sysctl.d/60-kafka-vmtune.conf", 1),
        ("/usr/lib/sysctl.d/99-elastic.conf", 2),
    ]


def test_a_same_named_file_in_etc_masks_the_vendor_file(tmp_path: Path) -> None:
    root = debian_root(tmp_path)
    write(root, "/usr/lib/sysctl.d/99-elastic.conf", "vm.max_map_count=131072\n")
    write(root, "/usr/local/lib/sysctl.d/99-elastic.conf", "vm.max_map_count=1\n")
    write(root, "/etc/sysctl.d/99-elastic.conf", "vm.max_map_count=524288\n")
    bv = boot_value(KEY, root=str(root))
    assert bv.value == "524288"
    assert len(bv.settings) == 1
    assert bv.masked == (
        "/usr/local/lib/sysctl.d/99-elastic.conf",
        "/usr/lib/sysctl.d/99-elastic.conf",
    )


def test_a_dev_null_symlink_masks_and_sets_nothing(tmp_path: Path) -> None:
    root = debian_root(tmp_path)
    write(root, "/etc/sysctl.d/60-kafka-vmtune.conf", "vm.max_map_count=262144\n")
    write(root, "/usr/lib/sysctl.d/99-elastic.conf", "vm.max_map_count=131072\n")
    link(root, "/etc/sysctl.d/99-elastic.conf", "/dev/null")
    bv = boot_value(KEY, root=str(root))
    assert bv.value == "262144"
    assert bv.masked == ("/usr/lib/sysctl.d/99-elastic.conf",)


def test_etc_sysctl_conf_is_not_read_unless_linked_in(tmp_path: Path) -> None:
    # systemd-sysctl reads sysctl.d only (sysctl.conf(5)): Debian's 99-sysctl.conf link is
    # the one way /etc/sysctl.conf counts at boot.
    root = tmp_path
    write(root, "/etc/sysctl.conf", "vm.max_map_count=100000\n")
    write(root, "/usr/lib/sysctl.d/99-zz.conf", "vm.max_map_count=200000\n")
    bv = boot_value(KEY, root=str(root))
    assert bv.value == "200000"
    assert bv.source is not None and bv.source.path == "/usr/lib/sysctl.d/99-zz.conf"


def test_etc_sysctl_conf_linked_as_99_sysctl_counts_once_at_that_place(tmp_path: Path) -> None:
    root = debian_root(tmp_path)
    write(root, "/etc/sysctl.conf", "vm.max_map_count=100000\n")
    write(root, "/etc/sysctl.d/99-zz-late.conf", "vm.max_map_count=300000\n")
    bv = boot_value(KEY, root=str(root))
    assert [s.path for s in bv.settings] == [
        "/etc/sysctl.d/99-sysctl.conf",
        "/etc/sysctl.d/99-zz-late.conf",
    ]
    assert bv.value == "300000"


def test_lib_is_read_when_it_is_not_the_same_directory_as_usr_lib(tmp_path: Path) -> None:
    write(tmp_path, "/lib/sysctl.d/70-split.conf", "vm.max_map_count=70000\n")
    write(tmp_path, "/usr/lib/sysctl.d/60-usr.conf", "vm.max_map_count=60000\n")
    assert boot_value(KEY, root=str(tmp_path)).value == "70000"


def test_merged_usr_files_are_not_read_twice(tmp_path: Path) -> None:
    root = debian_root(tmp_path)
    write(root, "/usr/lib/sysctl.d/70-x.conf", "vm.max_map_count=70000\n")
    assert len(boot_value(KEY, root=str(root)).settings) == 1


def test_syntax_slashes_dashes_comments_and_spaces(tmp_path: Path) -> None:
    write(
        tmp_path,
        "/etc/sysctl.d/60-a.conf",
        "; semicolon comment\n"
        "  # indented comment\n"
        "vm/max_map_count=1\n"
        "-vm.max_map_count   =   2  \n"
        "vm.max_map_count_extra=3\n"
        "vm.max_map_count\n"
        "vm.*=4\n"
        "kernel.pid_max=5\n",
    )
    bv = boot_value("vm/max_map_count", root=str(tmp_path))
    assert bv.key == KEY
    assert [(s.line, s.value) for s in bv.settings] == [(3, "1"), (4, "2"), (7, "4")]
    assert bv.value == "4"


def test_no_file_sets_it(tmp_path: Path) -> None:
    bv = boot_value(KEY, root=str(debian_root(tmp_path)))
    assert (bv.value, bv.source, bv.settings) == (None, None, ())


def test_a_dangling_symlink_sets_nothing_but_still_masks(tmp_path: Path) -> None:
    # systemd cannot stat it and skips it; the name is still taken.
    link(tmp_path, "/etc/sysctl.d/60-x.conf", "../gone.conf")
    write(tmp_path, "/usr/lib/sysctl.d/60-x.conf", "vm.max_map_count=1\n")
    bv = boot_value(KEY, root=str(tmp_path))
    assert (bv.value, bv.masked) == (None, ("/usr/lib/sysctl.d/60-x.conf",))


@pytest.mark.parametrize(
    ("key", "normal"),
    [
        ("vm.max_map_count", "vm.max_map_count"),
        ("vm/max_map_count", "vm.max_map_count"),
        ("/vm/max_map_count", "vm.max_map_count"),
        ("net/ipv4/conf/enp3s0.200/forwarding", "net.ipv4.conf.enp3s0/200.forwarding"),
        ("net.ipv4.conf.enp3s0/200.forwarding", "net.ipv4.conf.enp3s0/200.forwarding"),
    ],
)
def test_key_spellings(key: str, normal: str) -> None:
    assert normalize_key(key) == normal


def test_the_order_is_the_one_systemd_reports(tmp_path: Path) -> None:
    """systemd-analyze cat-config lists sysctl.d files in the order systemd-sysctl applies."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("no systemd-analyze")
    root = debian_root(tmp_path)
    for i, d in enumerate(["/etc", "/run", "/usr/local/lib", "/usr/lib"]):
        for name in ("10-a", "50-b", "99-z", f"{30 + i}-own"):
            write(root, f"{d}/sysctl.d/{name}.conf", f"vm.max_map_count={i}\n")
    link(root, "/etc/sysctl.d/20-masked.conf", "/dev/null")
    write(root, "/usr/lib/sysctl.d/20-masked.conf", "vm.max_map_count=9\n")
    write(root, "/usr/lib/sysctl.d/README", "not a conf file\n")
    out = subprocess.run(
        ["systemd-analyze", "cat-config", "sysctl.d", f"--root={root}", "--no-pager"],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0 or "# " not in out.stdout:
        pytest.skip(f"systemd-analyze cat-config unavailable: {out.stderr.strip()}")
    headers = [
        line[2:].removeprefix(str(root))
        for line in out.stdout.splitlines()
        if line.startswith("# /")
    ]
    masks = {p for p in headers if os.path.realpath(str(root) + p) == "/dev/null"}
    assert masks == {"/etc/sysctl.d/20-masked.conf"}
    systemd_applied = [p for p in headers if p not in masks]
    files, _, _ = config_files(str(root))
    ours = [p for p, _ in files]
    assert ours == systemd_applied


names = st.sampled_from(["10-a.conf", "50-b.conf", "60-kafka.conf", "99-z.conf", "README", "x"])


@given(st.lists(st.lists(names, unique=True), min_size=1, max_size=5))
def test_ordering_properties(listing: list[list[str]]) -> None:
    dirs = [f"/d{i}" for i in range(len(listing))]
    ordered, masked = order_conf_files(list(zip(dirs, listing, strict=True)))
    basenames = [p.rsplit("/", 1)[1] for p in ordered]
    conf_total = sum(1 for names_ in listing for n in names_ if n.endswith(".conf"))
    assert basenames == sorted(set(basenames))  # each name once, in name order
    assert len(ordered) + len(masked) == conf_total
    for path in ordered:  # the earliest directory holding a name provides it
        d, name = path.rsplit("/", 1)
        first = next(dirs[i] for i, ns in enumerate(listing) if name in ns)
        assert d == first
    assert all(p.rsplit("/", 1)[1] in basenames for p in masked)


@given(
    st.lists(
        st.tuples(
            st.sampled_from([KEY, "vm/max_map_count", "kernel.pid_max"]), st.integers(0, 10**7)
        ),
        max_size=20,
    )
)
def test_the_last_assignment_wins(assignments: list[tuple[str, int]]) -> None:
    files = [
        (f"/etc/sysctl.d/{i:02d}.conf", f"{k} = {v}\n") for i, (k, v) in enumerate(assignments)
    ]
    settings = evaluate(KEY, files)
    ours = [str(v) for k, v in assignments if normalize_key(k) == KEY]
    assert [s.value for s in settings] == ours


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("262144", 262144),
        ("  262144\t", 262144),
        ("0x40000", 262144),  # proc_get_long parses in base 0, like strtoul
        ("0X40000", 262144),
        ("01000000", 262144),  # a leading 0 is octal
        ("0", 0),
        ("-0", 0),
        ("2147483647", INT_MAX),
        ("2147483648", None),
        ("99999999999999999999", None),
        ("-1", None),
        ("08", None),  # octal: '8' is trailing garbage
        ("0x", None),
        ("12abc", None),
        ("1 2", None),
        ("+5", None),
        ("", None),
        ("0" * 20 + "1", None),  # 21 characters: more than the kernel's buffer takes
    ],
)
def test_values_read_as_the_kernel_reads_a_write_to_max_map_count(
    text: str, stored: int | None
) -> None:
    assert kernel_int(text) == stored


@pytest.mark.parametrize("bad", ["99999999999999999999", "2147483648", "-1", "0x40000zz"])
def test_a_value_the_kernel_refuses_is_reported_and_never_becomes_the_target(
    tmp_path: Path, bad: str
) -> None:
    """Through the pipeline kafka_facts runs and the max_map_count module's apply."""
    root = debian_root(tmp_path)
    ours = "/etc/sysctl.d/60-kafka-vmtune.conf"
    write(root, ours, f"# {MARKER}\nvm.max_map_count = 262144\n")
    write(root, "/etc/sysctl.d/70-other.conf", f"vm.max_map_count = {bad}\n")
    report = dict(inspect_host(root=str(root), crash_days=0))
    sysctl = report["sysctl"]
    assert sysctl["boot_value"] is None
    assert f"70-other.conf:1 sets vm.max_map_count = {bad!r}" in sysctl["boot_refused"]
    assert any("kernel refuses" in r for r in report["status"]["reasons"])
    plan = report["plan"]
    assert plan["target"] <= INT_MAX
    assert plan["target"] == max(plan["recommended"], plan["live"])
    out = apply(
        report,
        hostname="h",
        sysctl_file_path=ours,
        root=str(root),
        proc="/proc",
        apply_live=False,
        verify_boot=True,
        check=False,
    )
    written = (root / ours.lstrip("/")).read_text()
    assert f"vm.max_map_count = {plan['target']}\n" in written
    assert bad not in written
    # The later file still wins at boot, with a value the kernel refuses: not verified.
    assert out["failed"]
    assert "kernel default" in out["lines"][-1] and "kernel refuses" in out["lines"][-1]
    assert "kernel refuses" in out["boot_message"]


def test_a_hex_boot_value_counts_as_the_kernel_reads_it(tmp_path: Path) -> None:
    root = debian_root(tmp_path)
    write(root, "/etc/sysctl.d/70-hex.conf", "vm.max_map_count = 0x100000\n")
    sysctl = inspect_host(root=str(root), crash_days=0)["sysctl"]
    assert (sysctl["boot_value"], sysctl["boot_refused"]) == (1048576, None)


def test_a_fifo_in_sysctl_d_is_reported_and_never_opened(tmp_path: Path) -> None:
    # systemd 252's own cat-config blocks on it; the exporter's `check` must not.
    root = debian_root(tmp_path)
    os.mkfifo(root / "etc/sysctl.d/70-fifo.conf")
    write(root, "/usr/lib/sysctl.d/70-fifo.conf", "vm.max_map_count=5\n")
    sysctl = inspect_host(root=str(root), crash_days=0)["sysctl"]
    assert sysctl["boot_value"] is None  # the FIFO takes the vendor file's name
    assert sysctl["ignored"] == [
        "/etc/sysctl.d/70-fifo.conf: not a regular file (a FIFO): not read, sets nothing"
    ]


def test_the_apply_module_writes_our_file_exactly_when_the_plan_says_persist(
    tmp_path: Path,
) -> None:
    """The persist decision is the plan's (plan.plan); apply carries it out, both ways."""
    root = debian_root(tmp_path)
    ours = "/etc/sysctl.d/60-kafka-vmtune.conf"
    target = inspect_host(root=str(root), crash_days=0)["plan"]["target"]
    write(root, ours, f"vm.max_map_count = {target}\n")  # the target, but not our header
    report = dict(inspect_host(root=str(root), crash_days=0))
    assert report["plan"]["target"] == target
    assert report["plan"]["persist"]["do"] and "header" in report["plan"]["persist"]["reason"]
    args = {
        "hostname": "h",
        "sysctl_file_path": ours,
        "root": str(root),
        "proc": "/proc",
        "apply_live": False,
        "verify_boot": False,
        "check": False,
    }
    assert apply(report, **args)["change"]["file_action"] == "write"
    assert MARKER in (root / ours.lstrip("/")).read_text()
    again = dict(inspect_host(root=str(root), crash_days=0))
    assert not again["plan"]["persist"]["do"]
    assert apply(again, **args)["change"]["file_action"] == "keep"
