#!/usr/bin/env python3
"""vol-upload and vol-download of one file (1 GiB by default) through virtd + vsh and through Debian's libvirtd +
virsh, against a plain cp of the same file on the same disk. Both daemons run privately as nobody, exactly as in
tools/bench/daemon (whose Side classes this reuses); each side gets a dir pool in its own work directory, so every
copy reads and writes the same file system. Page cache: the source file is read once before timing, so every run
reads it warm, and no timed copy syncs (cp does not either); the figures are what a user waits for. Between timed
copies the bench syncs (untimed) and removes the download's file, so each starts from the same state as cp does.

Virt is measured two ways per round: vsh as installed (over the Unix socket it takes the local fast path: virtd copies
from/into vsh's own file) and vsh with VIRT_VOLUME_TRANSFER=stream (the gRPC stream every remote client uses). Which
path ran is checked with vsh -d 0 before timing. Each Virt transfer is preceded by a cp of the same file, and its
ratio to cp is that cp's time over its own (median and min-max over the rounds)."""

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


def make_sparse_source(path, size_mib, data_mib, extents=16):
    """A file of size_mib with data_mib of random bytes in `extents` runs spread evenly over it, holes between them
    (made with truncate, so the holes take no blocks); read back once to warm the cache."""
    run = (data_mib << 20) // extents
    stride = (size_mib << 20) // extents
    with open(path, "wb") as f:
        f.truncate(size_mib << 20)
        for i in range(extents):
            f.seek(i * stride + (stride - run) // 2)
            f.write(os.urandom(run))
    os.chown(path, NOBODY, NOBODY)
    return sha256(path)


def allocated_mib(path):
    return os.stat(path).st_blocks * 512 / (1 << 20)


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


# vsh's switch to the stream on its own Unix socket (Virt.Client VirtConnection.VolumeTransferVariable).
STREAM_VARIABLE = "VIRT_VOLUME_TRANSFER"


def check_path(side, env, source, expected):
    """Runs vol-upload once with vsh -d 0 and checks its debug line names the expected path (fast or streamed)."""
    argv = [side.vsh, "-d", "0", "-c", side.uri, "vol-upload", "vol.img", source, "--pool", "bench"]
    result = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, **AS_NOBODY)
    if result.returncode != 0 or expected not in result.stderr:
        raise BenchError(f"{' '.join(argv)}: expected '{expected}' in its debug output, got: {result.stderr.strip()[-400:]}")


def measure_side(side, source, size_mib, runs, checksum, variants=None, copy=None, check=None):
    """variants: (key prefix, client environment) pairs, each timed once per round in this order; copy: a path to cp
    the source to at the start of each round, for per-round ratios; check: run once the volume exists, before timing."""
    pool_dir = os.path.join(side.root, "pool")
    side.client(["pool-define-as", "bench", "dir", "--target", pool_dir])
    side.client(["pool-build", "bench"])
    side.client(["pool-start", "bench"])
    side.client(["vol-create-as", "bench", "vol.img", f"{size_mib}M"])
    back = os.path.join(side.root, "back.bin")
    if check:
        check()
    variants = variants or [("", side.env)]
    runs_of = {f"{prefix}{op}": [] for prefix, _ in variants for op in ("upload", "download")}
    cps_of = {key: [] for key in runs_of}

    def run(key, argv, env):
        # Every timed copy starts from the same state: the previous one's dirty pages written back (untimed; none of
        # them syncs its own), and a download's file new, as cp's is. With copy, a cp of the same file runs just
        # before it, the same way: on this shared disk a copy's time swings several-fold from one minute to the next,
        # so a transfer is compared with the cp next to it.
        # Both are timed after the same preparation: one 1 GiB file unlinked (ext4 frees its blocks as the sync
        # commits) and a sync. With the download's old file unlinked before the transfer alone, the download paid for
        # freeing two files' blocks and cp for none.
        if os.path.exists(back):
            os.unlink(back)
        if copy:
            os.sync()
            cps_of[key].append(timed(["cp", source, copy])[0])
            os.unlink(copy)
        os.sync()
        runs_of[key].append(timed(argv, env, side))

    for round_index in range(runs):
        for prefix, env in variants:
            run(f"{prefix}upload", side.client_argv(["vol-upload", "vol.img", source, "--pool", "bench"]), env)
            run(f"{prefix}download", side.client_argv(["vol-download", "vol.img", back, "--pool", "bench"]), env)
            if round_index == runs - 1 and sha256(back) != checksum:
                raise BenchError(f"{side.cli} ({prefix or 'default'}): the downloaded file differs from the uploaded one")
    os.unlink(back)
    result = {}
    for op, samples in runs_of.items():
        result[f"{op}_s"] = statistics.median(s[0] for s in samples)
        result[f"{op}_client_cpu_s"] = statistics.median(s[1] for s in samples)
        result[f"{op}_daemon_cpu_s"] = statistics.median(s[2] for s in samples)
        result[f"{op}_runs"] = [s[0] for s in samples]
        if cps_of[op]:
            ratios = [c / s[0] for c, s in zip(cps_of[op], samples)]
            result[f"{op}_cp_ratio"] = statistics.median(ratios)
            result[f"{op}_cp_ratios"] = ratios
            result[f"{op}_cp_runs"] = cps_of[op]
    return result


def measure_sparse(side, source, size_mib, runs, checksum, variants, copy):
    """The sparse rows: vol-upload and vol-download of a mostly-hole file with --sparse and without, for each
    (label, client environment) variant, each next to a `cp --sparse=always` of the same file run just before it (the
    reference that keeps holes). Returns per-row medians, ratios to that cp, and the downloaded file's allocation."""
    side.client(["vol-create-as", "bench", "sparse.img", f"{size_mib}M"])
    back = os.path.join(side.root, "sparse-back.bin")
    rows = {}
    for round_index in range(runs):
        for label, env in variants:
            for flags in ([], ["--sparse"]):
                for op in ("upload", "download"):
                    args = ["vol-upload", "sparse.img", source] if op == "upload" else ["vol-download", "sparse.img", back]
                    if os.path.exists(back):
                        os.unlink(back)
                    os.sync()
                    cp = timed(["cp", "--sparse=always", source, copy])[0]
                    os.unlink(copy)
                    os.sync()
                    wall, client, daemon = timed(side.client_argv([*args, "--pool", "bench", *flags]), env, side)
                    row = rows.setdefault(f"{label} vol-{op} {'--sparse' if flags else 'plain'}", {"runs": [], "cps": [], "cpu": [], "allocated_mib": None})
                    row["runs"].append(wall)
                    row["cps"].append(cp)
                    row["cpu"].append((client, daemon))
                    if op == "download" and round_index == runs - 1:
                        if sha256(back) != checksum:
                            raise BenchError(f"{side.cli} {label} {flags}: the sparse download differs from the upload")
                        row["allocated_mib"] = allocated_mib(back)
    if os.path.exists(back):
        os.unlink(back)
    return {key: {"s": statistics.median(r["runs"]), "cp_s": statistics.median(r["cps"]),
                  "cp_ratio": statistics.median(c / w for c, w in zip(r["cps"], r["runs"])),
                  "client_cpu_s": statistics.median(c for c, _ in r["cpu"]), "daemon_cpu_s": statistics.median(d for _, d in r["cpu"]),
                  "allocated_mib": r["allocated_mib"], "runs": r["runs"], "cp_runs": r["cps"]} for key, r in rows.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--virtd")
    parser.add_argument("--vsh")
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sparse-data-mib", type=int, default=64,
                        help="data in the sparse rows' file of --size-mib (0: no sparse rows)")
    parser.add_argument("--only-sparse", action="store_true", help="the sparse rows alone")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.chown(args.work, NOBODY, NOBODY)
    source = os.path.join(args.work, "source.bin")
    mib = args.size_mib
    checksum = None if args.only_sparse else make_source(source, mib)
    sparse_source = os.path.join(args.work, "sparse.bin")
    sparse_checksum = make_sparse_source(sparse_source, mib, args.sparse_data_mib) if args.sparse_data_mib else None

    copy = os.path.join(args.work, "copy.bin")
    cps = []
    for _ in range(0 if args.only_sparse else args.runs):
        os.sync()
        cps.append(timed(["cp", source, copy]))
        os.unlink(copy)
    results = {"size_mib": mib, "runs": args.runs}
    if cps:
        results.update(cp_s=statistics.median(c[0] for c in cps), cp_cpu_s=statistics.median(c[1] for c in cps), cp_runs=[c[0] for c in cps])

    sides = [("virt", Virt(args.work, args.virtd, args.vsh, ["--driver", "qemu"])), ("libvirt", Libvirt(args.work))]
    pidfile = os.path.join(args.work, "pids")
    for name, side in sides:
        try:
            side.start(pidfile)
            if args.only_sparse:
                results[name] = {}
            elif name == "virt":
                # Both of Virt's paths against the cp of the same round: vsh as installed (the local fast path over
                # the Unix socket) and vsh forced to stream.
                streamed = dict(side.env, **{STREAM_VARIABLE: "stream"})
                results[name] = measure_side(side, source, mib, args.runs, checksum,
                                             variants=[("", side.env), ("stream_", streamed)], copy=copy,
                                             check=lambda: (check_path(side, side.env, source, "vol-upload: local fast path"),
                                                            check_path(side, streamed, source, "vol-upload: streamed")))
            else:
                results[name] = measure_side(side, source, mib, args.runs, checksum)
            if sparse_checksum:
                if args.only_sparse:
                    for command in (["pool-define-as", "bench", "dir", "--target", os.path.join(side.root, "pool")],
                                    ["pool-build", "bench"], ["pool-start", "bench"]):
                        side.client(command)
                variants = [("virt", side.env), ("virt-str", dict(side.env, **{STREAM_VARIABLE: "stream"}))] if name == "virt" else [("libvirt", side.env)]
                results[name]["sparse"] = measure_sparse(side, sparse_source, mib, args.runs, sparse_checksum, variants, copy)
        except BenchError as e:
            results[name] = {"error": str(e)}
        finally:
            side.stop()

    if args.json:
        print(json.dumps(results, indent=2))
        return
    if sparse_checksum:
        print(f"sparse rows: a {mib} MiB file with {args.sparse_data_mib} MiB of data in 16 runs, median of {args.runs}; "
              "each against a cp --sparse=always of the same file just before it")
        for name in ("virt", "libvirt"):
            for key, r in results[name].get("sparse", {}).items():
                allocated = f", downloaded file allocates {r['allocated_mib']:.0f} MiB" if r["allocated_mib"] is not None else ""
                print(f"  {key:30} {r['s']:6.2f} s  {r['cp_ratio']:5.2f}x cp --sparse=always ({r['cp_s']:.2f} s)   "
                      f"CPU: client {r['client_cpu_s']:.2f} s, daemon {r['daemon_cpu_s']:.2f} s{allocated}")
    if args.only_sparse:
        return
    cp = results["cp_s"]
    gib = mib / 1024
    print(f"{mib} MiB, median of {args.runs} runs; cp of the same file on the same disk: {cp:.2f} s ({mib / cp:.0f} MiB/s, "
          f"{results['cp_cpu_s'] / gib:.2f} s CPU per GiB)")
    for name, label, prefix in (("virt", "virt", ""), ("virt", "virt-str", "stream_"), ("libvirt", "libvirt", "")):
        r = results[name]
        if "error" in r:
            if not prefix:
                print(f"  {name}: not measured: {r['error']}")
            continue
        for op in ("upload", "download"):
            s = r[f"{prefix}{op}_s"]
            client, daemon = r[f"{prefix}{op}_client_cpu_s"] / gib, r[f"{prefix}{op}_daemon_cpu_s"] / gib
            same_round = ""
            if f"{prefix}{op}_cp_ratios" in r:
                ratios = r[f"{prefix}{op}_cp_ratios"]
                same_round = f"  (vs the cp just before: {r[f'{prefix}{op}_cp_ratio']:.2f}x, {min(ratios):.2f}-{max(ratios):.2f})"
            print(f"  {label:8} vol-{op:8} {s:6.2f} s  {mib / s:6.0f} MiB/s  {cp / s:5.2f}x cp   CPU per GiB: client {client:5.2f} s, "
                  f"daemon {daemon:5.2f} s{same_round}")
    print("  (virt: vsh as installed, the local fast path over the Unix socket; virt-str: vsh with "
          f"{STREAM_VARIABLE}=stream, the gRPC stream)")
    if "error" not in results["virt"]:
        for op in ("upload", "download"):
            r = results["virt"]
            ratios = r[f"{op}_cp_ratios"]
            verdict = "met in every round" if min(ratios) >= 0.8 else "met at the median" if r[f"{op}_cp_ratio"] >= 0.8 else "missed"
            line = f"  vol-{op}: target >= 0.8x cp (the cp just before each run): {verdict} (median {r[f'{op}_cp_ratio']:.2f}x, min {min(ratios):.2f}x)"
            if "error" not in results["libvirt"]:
                line += f"; virt {results['libvirt'][f'{op}_s'] / r[f'{op}_s']:.2f}x as fast as libvirt"
            print(line)


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        sys.exit(1)
