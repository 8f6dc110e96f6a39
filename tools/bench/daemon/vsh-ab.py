#!/usr/bin/env python3
"""Compares vsh binaries' start-up: runs each as a whole process, alternating between them run by run (ABBA), and
prints per binary the medians of wall time, CPU time (user + system, from getrusage) and minor page faults.

Usage: vsh-ab.py RUNS VSH_ARGS... -- BINARY[:VAR=VALUE,...] ...
  e.g. vsh-ab.py 40 -c virt+unix:///run/virt/virtd.sock list --all -- /tmp/vsh-main ./vsh

Page faults hardly move with the load from elsewhere on the machine, unlike times, and on a virtual machine they are
most of what a start costs (tools/bench/README.md, vsh start-up), so compare those first. Every binary must exit 0.
"""
import os
import resource
import statistics
import subprocess
import sys
import time


def parse(spec):
    binary, _, assignments = spec.partition(":")
    env = dict(os.environ)
    for assignment in filter(None, assignments.split(",")):
        name, _, value = assignment.partition("=")
        env[name] = value
    return binary, env


def main():
    if "--" not in sys.argv or len(sys.argv) < 4:
        sys.exit(__doc__)
    split = sys.argv.index("--")
    runs, args, specs = int(sys.argv[1]), sys.argv[2:split], sys.argv[split + 1:]
    samples = {spec: {"wall": [], "cpu": [], "faults": []} for spec in specs}
    for run in range(runs):
        for spec in specs if run % 2 == 0 else reversed(specs):
            binary, env = parse(spec)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall = time.perf_counter()
            subprocess.run([binary, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            wall = time.perf_counter() - wall
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            samples[spec]["wall"].append(wall * 1000)
            samples[spec]["cpu"].append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000)
            samples[spec]["faults"].append(after.ru_minflt - before.ru_minflt)
    for spec, s in samples.items():
        print(f"{spec}: wall {statistics.median(s['wall']):.2f} ms (min {min(s['wall']):.2f}), "
              f"CPU {statistics.median(s['cpu']):.2f} ms (min {min(s['cpu']):.2f}), "
              f"{statistics.median(s['faults']):.0f} page faults")


if __name__ == "__main__":
    main()
