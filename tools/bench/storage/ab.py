#!/usr/bin/env python3
"""Alternates vsh binaries against one virtd on vol-download (and/or vol-upload) of one file, printing each run's wall
time, the client's user and system CPU seconds and the daemon's CPU seconds: the A/B behind tools/bench/README.md's
storage figures (a client regression or a client change measured on the same daemon, same machine state, interleaved).
Run as root, like run: python3 tools/bench/storage/ab.py VIRTD VSH_A,VSH_B[,...] [ROUNDS] [SIZE_MIB] [download,upload]
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
    virtd, clients = sys.argv[1], sys.argv[2].split(",")
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    mib = int(sys.argv[4]) if len(sys.argv) > 4 else 1024
    ops = sys.argv[5].split(",") if len(sys.argv) > 5 else ["download"]
    work = tempfile.mkdtemp(prefix="virt-bench-storage-ab.", dir="/tmp")
    os.chown(work, NOBODY, NOBODY)
    source = os.path.join(work, "source.bin")
    checksum = storage.make_source(source, mib)
    side = Virt(work, virtd, clients[0], ["--driver", "qemu"])
    side.start(os.path.join(work, "pids"))
    try:
        side.client(["pool-define-as", "bench", "dir", "--target", os.path.join(side.root, "pool")])
        side.client(["pool-build", "bench"])
        side.client(["pool-start", "bench"])
        side.client(["vol-create-as", "bench", "vol.img", f"{mib}M"])
        side.client(["vol-upload", "vol.img", source, "--pool", "bench"])
        back = os.path.join(side.root, "back.bin")
        for r in range(rounds):
            for vsh in clients:
                binary, _, mode = vsh.partition("@")
                env = dict(side.env, VIRT_VOLUME_TRANSFER="stream") if mode == "stream" else side.env
                for op in ops:
                    args = ["vol-download", "vol.img", back] if op == "download" else ["vol-upload", "vol.img", source]
                    argv = ["cp", source, back] if binary == "cp" else [binary, "-c", side.uri, *args, "--pool", "bench"]
                    before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    wall, _, daemon = storage.timed(argv, env, side)
                    after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    if op == "download" and storage.sha256(back) != checksum:
                        raise storage.BenchError(f"{vsh}: the downloaded file differs from the uploaded one")
                    print(f"round {r} {op:8} {vsh}: wall {wall:.2f} s, client user {after.ru_utime - before.ru_utime:.2f} s "
                          f"sys {after.ru_stime - before.ru_stime:.2f} s, daemon {daemon:.2f} s", flush=True)
    finally:
        side.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
