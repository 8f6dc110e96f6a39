#!/usr/bin/env python3
"""vol-upload and vol-download of one file (1 GiB by default) through virtd + vsh and through Debian's libvirtd +
virsh, against a plain cp of the same file on the same disk. Both daemons run privately as nobody, exactly as in
tools/bench/daemon (whose Side classes this reuses); each side gets a dir pool in its own work directory, so every
copy reads and writes the same file system. Page cache: the source file is read once before timing, so every run
reads it warm, and nothing syncs (cp does not either); the figures are what a user waits for."""

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "daemon"))
from bench import AS_NOBODY, NOBODY, BenchError, Libvirt, Virt  # noqa: E402


def make_source(path, size_mib):
    """Random bytes (so no layer can skip zeroes), written once and read back to warm the cache."""
    chunk = 1 << 20
    with open(path, "wb") as f:
        for _ in range(size_mib):
            f.write(os.urandom(chunk))
    os.chown(path, NOBODY, NOBODY)
    return sha256(path)


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def daemon_cpu_seconds(side):
    """The daemon's CPU time so far with that of its children it has reaped (libvirtd's iohelper does the file I/O
    of a volume stream), from /proc/PID/stat."""
    with open(f"/proc/{side.process.pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def timed(argv, env=None, side=None):
    """Wall seconds of one client process, with the client's and (given a side) the daemon's CPU seconds."""
    client_before = children_cpu_seconds()
    daemon_before = daemon_cpu_seconds(side) if side else 0.0
    started = time.perf_counter()
    result = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, **AS_NOBODY)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise BenchError(f"{' '.join(argv)} exited {result.returncode}: {result.stderr.strip()[-800:]}")
    daemon = daemon_cpu_seconds(side) - daemon_before if side else 0.0
    return elapsed, children_cpu_seconds() - client_before, daemon


def measure_side(side, source, size_mib, runs, checksum):
    pool_dir = os.path.join(side.root, "pool")
    side.client(["pool-define-as", "bench", "dir", "--target", pool_dir])
    side.client(["pool-build", "bench"])
    side.client(["pool-start", "bench"])
    side.client(["vol-create-as", "bench", "vol.img", f"{size_mib}M"])
    back = os.path.join(side.root, "back.bin")
    runs_of = {"upload": [], "download": []}
    for _ in range(runs):
        runs_of["upload"].append(timed(side.client_argv(["vol-upload", "vol.img", source, "--pool", "bench"]), side.env, side))
        runs_of["download"].append(timed(side.client_argv(["vol-download", "vol.img", back, "--pool", "bench"]), side.env, side))
    if sha256(back) != checksum:
        raise BenchError(f"{side.cli}: the downloaded file differs from the uploaded one")
    os.unlink(back)
    result = {}
    for op, samples in runs_of.items():
        result[f"{op}_s"] = statistics.median(s[0] for s in samples)
        result[f"{op}_client_cpu_s"] = statistics.median(s[1] for s in samples)
        result[f"{op}_daemon_cpu_s"] = statistics.median(s[2] for s in samples)
        result[f"{op}_runs"] = [s[0] for s in samples]
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--virtd")
    parser.add_argument("--vsh")
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.chown(args.work, NOBODY, NOBODY)
    source = os.path.join(args.work, "source.bin")
    checksum = make_source(source, args.size_mib)
    mib = args.size_mib

    copy = os.path.join(args.work, "copy.bin")
    cps = []
    for _ in range(args.runs):
        cps.append(timed(["cp", source, copy]))
        os.unlink(copy)
    results = {"size_mib": mib, "runs": args.runs, "cp_s": statistics.median(c[0] for c in cps),
               "cp_cpu_s": statistics.median(c[1] for c in cps), "cp_runs": [c[0] for c in cps]}

    sides = [("virt", Virt(args.work, args.virtd, args.vsh, ["--driver", "qemu"])), ("libvirt", Libvirt(args.work))]
    pidfile = os.path.join(args.work, "pids")
    for name, side in sides:
        try:
            side.start(pidfile)
            results[name] = measure_side(side, source, mib, args.runs, checksum)
        except BenchError as e:
            results[name] = {"error": str(e)}
        finally:
            side.stop()

    if args.json:
        print(json.dumps(results, indent=2))
        return
    cp = results["cp_s"]
    gib = mib / 1024
    print(f"{mib} MiB, median of {args.runs} runs; cp of the same file on the same disk: {cp:.2f} s ({mib / cp:.0f} MiB/s, "
          f"{results['cp_cpu_s'] / gib:.2f} s CPU per GiB)")
    for name in ("virt", "libvirt"):
        r = results[name]
        if "error" in r:
            print(f"  {name}: not measured: {r['error']}")
            continue
        for op in ("upload", "download"):
            s = r[f"{op}_s"]
            client, daemon = r[f"{op}_client_cpu_s"] / gib, r[f"{op}_daemon_cpu_s"] / gib
            print(f"  {name:8} vol-{op:8} {s:6.2f} s  {mib / s:6.0f} MiB/s  {cp / s:5.2f}x cp   CPU per GiB: client {client:5.2f} s, daemon {daemon:5.2f} s")
    if "error" not in results["virt"] and "error" not in results["libvirt"]:
        for op in ("upload", "download"):
            v, l = results["virt"][f"{op}_s"], results["libvirt"][f"{op}_s"]
            print(f"  vol-{op}: virt {l / v:.2f}x as fast as libvirt; target >= 0.8x cp: {'met' if cp / v >= 0.8 else 'missed'} ({cp / v:.2f}x)")


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        sys.exit(1)
