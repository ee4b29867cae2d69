#!/usr/bin/env bash
# The README's two commands. Both set up what they need first, from a fresh clone.
#   ./run.sh dry-run [ansible-playbook options]   dry run of tune-vm.yml on this machine + capacity report
#   ./run.sh test [pytest options]                the whole test suite (lint, types, unit, JVM, kernel, Molecule),
#                                                 then the fast tier again under a clock 400 days ahead
#   ./run.sh fast [pytest options]                the fast tier: no Ansible, podman, JVM or Kafka
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"
venv=${KAFKA_VMTUNE_VENV:-$here/.venv}

log() { printf '==> %s\n' "$*" >&2; }

# Python venv with the project installed editable; re-installs only when the pins change.
setup_python() {
  local extras=$1 stamp
  [ -x "$venv/bin/python" ] || { log "creating $venv"; python3 -m venv "$venv"; }
  stamp="$venv/.installed-${extras:-base}-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)"
  if [ ! -e "$stamp" ]; then
    log "installing Python dependencies into $venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q -c constraints.txt -e ".${extras:+[$extras]}"
    touch "$stamp"
  fi
  export PATH="$venv/bin:$PATH" VIRTUAL_ENV="$venv"
}

# Debian packages the tests need: podman for Molecule hosts, a JDK for the index mapper,
# prometheus for promtool (the alert rules are tested with it), faketime for the
# shifted-clock run.
setup_system() {
  local pkgs="podman runc aardvark-dns debootstrap openjdk-17-jdk-headless prometheus faketime"
  local missing=""
  for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    log "installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq $missing >/dev/null
  fi
}

# Mermaid's own parser (npm, pinned by tests/docs/mermaid/package-lock.json) for the docs'
# diagrams, in .cache/mermaid; re-installed only when the pins change. Without node and npm
# the diagram test skips and says why.
setup_node() {
  local src=tests/docs/mermaid dest=.cache/mermaid stamp
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    log "node or npm not found: the Mermaid diagram test will skip"
    return 0
  fi
  stamp="$dest/.installed-$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-16)"
  if [ ! -e "$stamp" ]; then
    log "installing the Mermaid parser into $dest (npm ci)"
    rm -rf "$dest"
    mkdir -p "$dest"
    cp "$src/package.json" "$src/package-lock.json" "$dest/"
    (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$stamp"
  fi
}

# The checkout is the collection kafka_vmtune.kafka: link it where ansible.cfg looks, so
# playbooks here resolve kafka_vmtune.kafka.* to this very tree (no copy, no install).
link_collection() {
  local ns=.cache/collections/ansible_collections/kafka_vmtune
  mkdir -p "$ns"
  [ "$(readlink "$ns/kafka" 2>/dev/null)" = "../../../.." ] || ln -sfn ../../../.. "$ns/kafka"
}

# The fast tier's marker expression, from the one place that defines it.
fast_tier() { python -c 'import sys; sys.path.insert(0, "tests/support"); from tiers import FAST; print(FAST)'; }

case "${1:-}" in
  dry-run)
    shift
    setup_python ""
    link_collection
    # Local machine inventory is ansible.cfg's default; --check changes nothing. From the
    # checkout, reports go to its reports/ unless KAFKA_VMTUNE_STATE_DIR says otherwise.
    export KAFKA_VMTUNE_STATE_DIR="${KAFKA_VMTUNE_STATE_DIR:-$here/reports}"
    ansible-playbook tune-vm.yml --check --diff "$@"
    ;;
  link)
    link_collection
    ;;
  test)
    shift
    setup_system
    setup_python test
    setup_node
    link_collection
    [ -x molecule/setup.sh ] && molecule/setup.sh
    mkdir -p .artifacts
    rm -f .artifacts/junit*.xml
    set +e
    python -m pytest --junitxml=.artifacts/junit.xml "$@"
    rc=$?
    # No test may depend on the day it runs: the fast tier again, 400 days ahead.
    log "the fast tier under a clock 400 days ahead (faketime)"
    KVT_TIER=fast faketime -f +400d python -m pytest -p no:cacheprovider --timeout=300 \
      --junitxml=.artifacts/junit-shifted-clock.xml "$@" -m "$(fast_tier)"
    clock_rc=$?
    set -e
    python .ci/summary.py .artifacts/junit.xml .artifacts/junit-shifted-clock.xml
    [ "$rc" -ne 0 ] && exit "$rc"
    # 5: the arguments selected nothing fast (e.g. a path of Molecule tests only).
    [ "$clock_rc" -eq 5 ] && exit 0
    exit "$clock_rc"
    ;;
  fast)
    shift
    setup_system
    setup_python test
    setup_node
    link_collection
    KVT_TIER=fast exec python -m pytest --timeout=300 "$@" -m "$(fast_tier)"
    ;;
  *)
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
