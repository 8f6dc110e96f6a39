#!/usr/bin/env python3
"""Alternates vsh binaries against one virtd on vol-download (and/or vol-upload) of one file, printing each run's wall
time, the client's user and system CPU seconds and the daemon's CPU seconds: the A/B behind tools/bench/README.md's
storage figures (a client regression or a client change measured on the same daemon, same machine state, interleaved).
Run as root, like run: python3 tools/bench/storage/ab.py VIRTD VSH_A,VSH_B[,...] [ROUNDS] [SIZE_MIB] [download,upload]
VIRTD may be a list, one per client (VIRTD_A,VIRTD_B VSH_A@stream,VSH_B@stream): each pair runs against its own virtd,
for changes on both sides of the stream.
A client may be VSH@stream (that vsh with VIRT_VOLUME_TRANSFER=stream: the gRPC stream instead of the local fast path)
or cp (a plain cp of the same file, the reference), e.g. VSH,VSH@stream,cp."""

import os
import resource
import shutil
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "daemon"))
from bench import NOBODY, Virt  # noqa: E402

sys.path.insert(0, here)
import importlib.util  # noqa: E402

spec = importlib.util.spec_from_file_location("storage_bench", os.path.join(here, "bench.py"))
storage = importlib.util.module_from_spec(spec)
spec.loader.exec_module(storage)


def main():
    virtds, clients = sys.argv[1].split(","), sys.argv[2].split(",")
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    mib = int(sys.argv[4]) if len(sys.argv) > 4 else 1024
    ops = sys.argv[5].split(",") if len(sys.argv) > 5 else ["download"]
    if len(virtds) not in (1, len(clients)):
        raise SystemExit("ab.py: give one virtd, or one per client (cp's is ignored)")
    work = tempfile.mkdtemp(prefix="virt-bench-storage-ab.", dir="/tmp")
    os.chown(work, NOBODY, NOBODY)
    source = os.path.join(work, "source.bin")
    checksum = storage.make_source(source, mib)
    # One side per distinct virtd, set up by the first client that uses it.
    sides, side_of = {}, []
    for index, vsh in enumerate(clients):
        virtd = virtds[index if len(virtds) > 1 else 0]
        if vsh != "cp" and virtd not in sides:
            root = os.path.join(work, f"side{len(sides)}")
            os.makedirs(root)
            os.chown(root, NOBODY, NOBODY)
            sides[virtd] = Virt(root, virtd, vsh.partition("@")[0], ["--driver", "qemu"])
        side_of.append(virtd)
    try:
        for side in sides.values():
            side.start(os.path.join(work, "pids"))
            side.client(["pool-define-as", "bench", "dir", "--target", os.path.join(side.root, "pool")])
            side.client(["pool-build", "bench"])
            side.client(["pool-start", "bench"])
            side.client(["vol-create-as", "bench", "vol.img", f"{mib}M"])
            side.client(["vol-upload", "vol.img", source, "--pool", "bench"])
        for r in range(rounds):
            for vsh, virtd in zip(clients, side_of):
                binary, _, mode = vsh.partition("@")
                side = sides.get(virtd) or next(iter(sides.values()))
                back = os.path.join(side.root, "back.bin")
                env = dict(side.env, VIRT_VOLUME_TRANSFER="stream") if mode == "stream" else side.env
                for op in ops:
                    args = ["vol-download", "vol.img", back] if op == "download" else ["vol-upload", "vol.img", source]
                    argv = ["cp", source, back] if binary == "cp" else [binary, "-c", side.uri, *args, "--pool", "bench"]
                    before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    wall, _, daemon = storage.timed(argv, env, None if binary == "cp" else side)
                    after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    if op == "download" and storage.sha256(back) != checksum:
                        raise storage.BenchError(f"{vsh}: the downloaded file differs from the uploaded one")
                    print(f"round {r} {op:8} {vsh}: wall {wall:.2f} s, client user {after.ru_utime - before.ru_utime:.2f} s "
                          f"sys {after.ru_stime - before.ru_stime:.2f} s, daemon {daemon:.2f} s", flush=True)
    finally:
        for side in sides.values():
            side.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
