#!/usr/bin/env bash
# Build the fake broker: tests/java/build.sh OUTDIR -> OUTDIR/libs/kafka_2.13-4.0.0.jar
# The jar name is a real Kafka 4.0.0 name so version detection from libs/ works on it.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$1
classes=$(mktemp -d)
trap 'rm -rf "$classes"' EXIT
mkdir -p "$out/libs"
javac --release 17 -d "$classes" "$here/kafka/Kafka.java"
jar --create --file "$out/libs/kafka_2.13-4.0.0.jar" --main-class kafka.Kafka -C "$classes" .
