# Shared helpers for the Xen testbed scripts (sourced, not run).
# Paths: TESTBED_DIR is this folder; STATE_DIR (git-ignored) holds built images,
# running hosts' state and console logs.
TESTBED_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$TESTBED_DIR/../../.." && pwd)"
STATE_DIR="${XENOS_TESTBED_DIR:-$REPO_ROOT/.testbed}"
XEN_VERSION=4.17
XEN_BIN=/usr/lib/xen-$XEN_VERSION/bin

tb_log () { printf '[testbed %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
tb_die () { printf '[testbed] error: %s\n' "$*" >&2; exit 1; }

# The newest Debian kernel installed by linux-image-amd64 (e.g. 6.1.0-56-amd64).
tb_kernel_version () {
  local k
  k=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sed 's|/boot/vmlinuz-||' | sort -V | tail -1)
  [ -n "$k" ] || tb_die "no /boot/vmlinuz-*-amd64: run $TESTBED_DIR/install-deps (installs linux-image-amd64)"
  echo "$k"
}

# Says which required files are missing, one per line (nothing when all are there).
tb_missing () {
  local k; k=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | head -1)
  command -v qemu-system-x86_64 >/dev/null || echo "qemu-system-x86_64 (Debian package qemu-system-x86)"
  [ -f /boot/xen-$XEN_VERSION-amd64.gz ] || echo "/boot/xen-$XEN_VERSION-amd64.gz (Debian package xen-hypervisor-$XEN_VERSION-amd64)"
  [ -x $XEN_BIN/xl ] || echo "$XEN_BIN/xl (Debian package xen-utils-$XEN_VERSION)"
  [ -n "$k" ] || echo "/boot/vmlinuz-*-amd64 (Debian package linux-image-amd64)"
  [ -x /bin/busybox ] && file_is_static /bin/busybox || echo "a static /bin/busybox (Debian package busybox-static)"
  command -v cpio >/dev/null || echo "cpio (Debian package cpio)"
  command -v flock >/dev/null || echo "flock (Debian package util-linux)"
  return 0
}
file_is_static () { ! ldd "$1" >/dev/null 2>&1; }

tb_require () {
  local missing; missing=$(tb_missing)
  if [ -n "$missing" ]; then
    printf '[testbed] this machine lacks what the Xen testbed needs:\n' >&2
    printf '  - %s\n' $'\n'"$missing" | sed '/^  - $/d' >&2
    printf '[testbed] run %s/install-deps (as root) to install them\n' "$TESTBED_DIR" >&2
    exit 3
  fi
}

# Pid of a running host (empty when it is not running).
tb_host_pid () {
  local f="$STATE_DIR/hosts/$1/qemu.pid"
  [ -f "$f" ] || return 0
  local pid; pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null && grep -q qemu "/proc/$pid/cmdline" 2>/dev/null; then echo "$pid"; fi
}
