#!/usr/bin/env python3
"""A/B of virtd binaries on the daemon bench's RSS row (as root): rss-ab.py VSH ROUNDS NAME=VIRTD [NAME=VIRTD...]

Each round starts each virtd in turn, as bench.py does (unprivileged as nobody, private state and run directories),
and takes it through the RSS row's steps: a define + undefine warm-up, 3 s quiet (idle), 1,000 defines from one vsh
shell and three `list --all` (busy), 3 s quiet (at rest). It prints the three VmRSS readings and, at rest, the
largest parts of the RSS by mapping (smaps: the executable's code and read-only data, anonymous memory, ...), so a
change to the binary or the heap can be told apart from the machine's noise by alternating the binaries.
"""
import collections
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def rss_by_mapping(pid):
    """KiB of RSS per (file name, permissions) of /proc/PID/smaps; anonymous mappings count together."""
    groups = collections.Counter()
    name = None
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            parts = line.split()
            if not line[0].isupper() or ":" not in parts[0]:
                name = (os.path.basename(parts[5]) if len(parts) > 5 else "[anon]") + ":" + parts[1]
            elif parts[0] == "Rss:":
                groups[name] += int(parts[1])
    return groups


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    vsh, rounds = sys.argv[1], int(sys.argv[2])
    binaries = dict(argument.split("=", 1) for argument in sys.argv[3:])
    work = tempfile.mkdtemp(prefix="rss-ab-")
    os.chmod(work, 0o755)  # nobody must reach its directories and the definition files
    try:
        xml = os.path.join(work, "xml")
        os.makedirs(xml)
        warm = bench.write_definitions(xml, ["bench-warmup"])
        many = bench.write_definitions(xml, [f"bench-{i:04d}" for i in range(1000)])
        for round_number in range(rounds):
            for name, virtd in binaries.items():
                side = bench.Virt(os.path.join(work, f"{name}-{round_number}"), virtd, vsh, [])
                side.start(os.path.join(work, "pids"))
                try:
                    side.shell([f"define {warm[0]}", "undefine bench-warmup"])
                    time.sleep(bench.SETTLE_SECONDS)
                    idle = side.memory_kib()["VmRSS"]
                    side.shell([f"define {path}" for path in many])
                    for _ in range(3):
                        side.client(["list", "--all"])
                    busy = side.memory_kib()["VmRSS"]
                    time.sleep(bench.SETTLE_SECONDS)
                    rest = side.memory_kib()["VmRSS"]
                    parts = rss_by_mapping(side.process.pid).most_common(6)
                finally:
                    side.stop()
                print(f"{name} round {round_number}: idle {idle / 1024:.1f}, busy {busy / 1024:.1f}, at rest "
                      f"{rest / 1024:.1f} MiB (load {os.getloadavg()[0]:.1f})", flush=True)
                print("    " + ", ".join(f"{part} {kib / 1024:.1f}" for part, kib in parts), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
