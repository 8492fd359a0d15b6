#!/usr/bin/env bash
# The prefetch benchmark (bench/prefetch_bench.sh) on a disk whose writes are the limit, as on a
# machine where writing the model takes longer than inflating and hashing it: an ext4 file system
# on a loop device whose writes the block layer throttles to BENCH_DISK_MBPS (default 200) MB/s
# (cgroup v1 blkio.throttle.write_bps_device of the root group, which writeback obeys). Everything
# else is as in prefetch_bench.sh: the floor, the pipeline and ours write into it, alternating,
# with `sync -f` (ours: its durable publish) inside each timed run.
#
#   sudo bench/prefetch_slowdisk.sh BUILD_DIR [RUNS]
#
# Needs root (losetup, mount, the throttle) and cgroup v1's blkio controller; with cgroup v2 only it
# says so and stops. The image (BENCH_DISK_GB, default 8, sparse) lives in BENCH_WORK (default
# /var/tmp/tfhub-bench) beside the archive, and is removed at the end.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 BUILD_DIR [RUNS]" >&2
    exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "$0: needs root (a loop device, a mount and a block-layer throttle)" >&2
    exit 1
fi
throttle=/sys/fs/cgroup/blkio/blkio.throttle.write_bps_device
if [[ ! -w $throttle ]]; then
    echo "$0: no cgroup v1 blkio throttle here ($throttle): cannot make a slow disk" >&2
    exit 1
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=${BENCH_WORK:-/var/tmp/tfhub-bench}
mbps=${BENCH_DISK_MBPS:-200}
mkdir -p "$work"
image=$work/slowdisk.img
mnt=$work/slowdisk
loop=
device=

cleanup() {
    [[ -z $device ]] || echo "$device 0" >"$throttle" || true
    mountpoint -q "$mnt" && umount "$mnt" || true
    [[ -z $loop ]] || losetup -d "$loop" || true
    rm -f "$image"
    rmdir "$mnt" 2>/dev/null || true
}
trap cleanup EXIT

rm -f "$image"
truncate -s "${BENCH_DISK_GB:-8}G" "$image"
mkfs.ext4 -q -F "$image"
loop=$(losetup -f --show --direct-io=on "$image")
mkdir -p "$mnt"
mount "$loop" "$mnt"
device=$((16#$(stat -c %t "$loop"))):$((16#$(stat -c %T "$loop")))
echo "$device $((mbps * 1024 * 1024))" >"$throttle"

echo "Writes to $loop ($mnt) throttled to $mbps MB/s."
echo
BENCH_WORK=$work BENCH_OUT=$mnt/out bash "$here/prefetch_bench.sh" "$1" "${2:-5}"
