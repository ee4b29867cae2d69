#!/usr/bin/env bash
# Recipe of the kvt-base images: a minimal Debian root with systemd as PID 1, the same for
# every release. Called by molecule/setup.sh as: base.sh ROOTDIR MIRROR RELEASE. Its content
# and the release are part of the image tag hash, so editing this file rebuilds the images.
set -euo pipefail
root=$1 mirror=$2 release=$3

debootstrap --variant=minbase \
  --include=python3,procps,systemd,systemd-sysv,dbus,iproute2 \
  "$release" "$root" "$mirror" >/dev/null

# Units that make no sense in a container, or that would change the host:
# in a privileged container systemd-sysctl.service applies the image's sysctl.d
# to the whole machine at boot (vm.max_map_count is not namespaced).
for unit in getty@.service console-getty.service getty.target systemd-sysctl.service \
  systemd-udevd.service systemd-udev-trigger.service systemd-firstboot.service \
  systemd-remount-fs.service sys-kernel-debug.mount sys-kernel-tracing.mount; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done

# systemd creates a fresh machine id per container at boot.
: >"$root/etc/machine-id"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
