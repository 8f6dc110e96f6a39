#!/usr/bin/python3
"""A/B of two builds' saves, alternated in one script: bench.py (Virt, bare QEMU, bare QEMU + fdatasync, so each run
has its own reference) for build A, then B, ROUNDS times, with `uptime` before each run; then the medians of the
ratios per side.

    tools/bench/save/ab.py ROUNDS RUNS A_VIRTD A_VMM B_VIRTD B_VMM VSH [bench.py options, e.g. --no-libvirt]
"""
import json, os, statistics, subprocess, sys, time

bench = os.path.dirname(os.path.abspath(__file__))
rounds, runs, sides, vsh, extra = int(sys.argv[1]), sys.argv[2], {"A": sys.argv[3:5], "B": sys.argv[5:7]}, sys.argv[7], sys.argv[8:]
guest = subprocess.run([os.path.join(bench, "..", "..", "guest", "build")], capture_output=True, text=True, check=True).stdout.strip()
ratios = {"A": [], "B": []}
for i in range(1, rounds + 1):
    for side, (virtd, vmm) in sides.items():
        uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        print(f"== {side} round {i} {time.strftime('%H:%M:%S', time.gmtime())} UTC; {uptime[uptime.index('load'):]}", flush=True)
        out = subprocess.run(["/usr/bin/python3", os.path.join(bench, "bench.py"), virtd, vsh, f"{guest}/vmlinuz", f"{guest}/initrd.img", runs, "--json", *extra],
                             env=dict(os.environ, VIRT_VMM_BINARY=vmm), capture_output=True, text=True, check=True).stdout
        r = json.loads(out)
        ratios[side].append((r["save_vs_bare"], r["save_vs_bare_durable"], r["save_job_vs_bare"]))
        print(f"   save {r['vsh_save_ms']:.0f} ms (job {r['save_job_ms']:.0f}); bare {r['bare_save_ms']:.0f} ms + fdatasync {r['bare_fdatasync_ms']:.0f} ms: "
              f"{r['save_vs_bare']:.2f}x bare, {r['save_vs_bare_durable']:.2f}x bare+fdatasync, job {r['save_job_vs_bare']:.2f}x; restore {r['restore_vs_bare']:.2f}x bare; "
              f"image {r['size_vs_bare']:.3f}x; spread {r['spread_ms']}", flush=True)
for side, (virtd, _) in sides.items():
    med = lambda k: statistics.median(x[k] for x in ratios[side])
    print(f"{side} ({virtd}): save / bare {med(0):.2f}x, / (bare + fdatasync) {med(1):.2f}x, job / bare {med(2):.2f}x (medians of {rounds} runs of {runs})")
