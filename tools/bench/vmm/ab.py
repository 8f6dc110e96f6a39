#!/usr/bin/python3
"""A/B of start and destroy through a connected vsh shell: several virtd/virt-vmm pairs side by side, one guest and one shell
each, rounds interleaved with bare QEMU (spawn to cont answered; SIGTERM to reaped, 1 s and 0.5 s after cont), so load from elsewhere falls
on all alike; the configurations take turns at going first. Per destroy it also reads virtd's on-CPU and run-queue time and the on-CPU time of vsh and of the guest's
worker (/proc/PID/task/*/schedstat, ns, summed over the threads present at both readings: a worker's monitor and
console readers end with QEMU, so their share of the destroy is not in it), which move far less with other load than
wall time does.

    ab.py REPO ROUNDS '{"before": ["/path/virtd", "/path/virt-vmm"], "after": ["/path/virtd", "/path/virt-vmm", "/path/vsh"]}'

A configuration's third binary is its vsh (REPO's published one by default).

Keep copies of the binaries to compare (a publish overwrites them), and copy every configuration's at the same time,
then drop the page cache (`sync; echo 3 > /proc/sys/vm/drop_caches`) before the run: a copy that had been on the
machine for an hour ran its destroys with 0.2 ms less CPU than a byte-identical fresh copy of it (tools/bench/README.md,
fifteenth session). tools/bench/README.md has what it showed.
"""
import os, sys, time, subprocess, signal, statistics, json
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import define_with_shell, in_turn, qmp_cont, run_state, start_virtd
repo = sys.argv[1]; rounds = int(sys.argv[2]); configs = json.loads(sys.argv[3])
vsh = f"{repo}/src/Virt.Cli/bin/Release/net10.0/linux-x64/publish/vsh"
guest = subprocess.run([f"{repo}/tools/guest/build"], capture_output=True, text=True, check=True).stdout.strip()
import tempfile
base = tempfile.mkdtemp(prefix="vab-")
daemons, shells, argv = {}, {}, None
def sched(pid):
    """Each thread's on-CPU and run-queue time (ns) by thread id."""
    threads = {}
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return threads  # gone: a released worker can exit before the prompt is read
    for t in tasks:
        try:
            a, b, _ = open(f"/proc/{pid}/task/{t}/schedstat").read().split()
            threads[t] = (int(a), int(b))
        except OSError: pass
    return threads
def spent(before, after):
    """On-CPU and run-queue ms between two sched() readings, over the threads in both (one that ended in between is
    not counted: its total would come off the sum as a whole)."""
    both = before.keys() & after.keys()
    if not both:
        return (float("nan"), float("nan"))
    return (sum(after[t][0] - before[t][0] for t in both) / 1e6, sum(after[t][1] - before[t][1] for t in both) / 1e6)
def bare(age):
    qmp = os.path.join(base, "bare.qmp")
    args = [f"socket,id=charmonitor,path={qmp},server=on,wait=off" if a.startswith("socket,id=charmonitor") else "null,id=charserial0" if a.startswith("socket,id=charserial0") else a for a in argv]
    t0 = time.monotonic()
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    s = qmp_cont(qmp, t0 + 60); start = time.monotonic() - t0; time.sleep(age)
    t1 = time.monotonic(); p.send_signal(signal.SIGTERM); p.wait(); d = time.monotonic() - t1
    s.close(); return d, start
try:
    for name, cfg in configs.items():
        virtd, vmm = cfg[0], cfg[1]; cvsh = cfg[2] if len(cfg) > 2 else vsh
        work = f"{base}/{name}"; os.makedirs(work)
        daemons[name], uri = start_virtd(virtd, vmm, work)
        shells[name] = define_with_shell(cvsh, uri, work, guest)
    series = {k: [] for k in [c + x for c in configs for x in ("", ".virtd_cpu", ".virtd_runq", ".vsh_cpu", ".worker_cpu", ".start")] + ["bare_1.0", "bare_0.5", "bare_start"]}
    for i in range(rounds + 1):
        r = {}
        for name, sh in in_turn(shells.items(), i):
            r[name + ".start"] = sh.time("start bench", "started")
            if argv is None:
                argv = open(f"/proc/{run_state(f'{base}/{name}', 'qemu_pid')}/cmdline").read().split("\0")[:-1]
            time.sleep(1.0)
            worker = run_state(f"{base}/{name}", "worker_pid")
            d0, v0, w0 = sched(daemons[name].pid), sched(sh.p.pid), sched(worker)
            r[name] = sh.time("destroy bench", "destroyed")
            d1, v1, w1 = sched(daemons[name].pid), sched(sh.p.pid), sched(worker)
            r[name + ".virtd_cpu"], r[name + ".virtd_runq"] = (x / 1000 for x in spent(d0, d1))
            # Threads that ended in between are not counted, nor a worker that virtd released and that exited before the
            # prompt was read (NaN, left out below).
            r[name + ".vsh_cpu"] = spent(v0, v1)[0] / 1000; r[name + ".worker_cpu"] = spent(w0, w1)[0] / 1000
        r["bare_1.0"], r["bare_start"] = bare(1.0); r["bare_0.5"], _ = bare(0.5)
        if i > 0:
            for k, v in r.items(): series[k].append(v * 1000)
    series = {k: sorted(x for x in v if x == x) for k, v in series.items()}
    for k, v in series.items():
        print(f"{k:20s} mean {statistics.mean(v):6.2f} median {statistics.median(v):6.2f} ms  min {v[0]:6.2f}  p25 {v[len(v)//4]:6.2f}  p75 {v[3*len(v)//4]:6.2f}")
    med = {k: statistics.median(v) for k, v in series.items()}
    for k in configs: print(f"{k:14s} destroy / bare_1.0 = {med[k]/med['bare_1.0']:.2f}x   / bare_0.5 = {med[k]/med['bare_0.5']:.2f}x   start / bare_start = {med[k + '.start']/med['bare_start']:.2f}x")
    print("load average", os.getloadavg())
finally:
    for sh in shells.values(): sh.close()
    for d in daemons.values(): d.terminate(); d.wait()
    subprocess.run(["rm", "-rf", base])
