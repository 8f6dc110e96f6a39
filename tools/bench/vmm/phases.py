#!/usr/bin/python3
"""Where a destroy through a connected vsh shell spends its time, next to bare QEMU's SIGTERM to reaped, from a light
`perf record -a` trace of each destroy (the kill syscall, QEMU's exit, the wait that sees it, and this script's own
write of the command line and read of the prompt: a handful of events, so the trace hardly moves the times).

    [AGE=SECONDS] phases.py REPO ROUNDS '{"before": ["/path/virtd", "/path/virt-vmm", "/path/vsh"], "after": [...]}' [ROWS.json]

AGE is how long each guest runs before its destroy (0.3 s by default; Virt's and bare QEMU's alike).

Per configuration (virtd, virt-vmm and vsh side by side, one guest and one shell each, taking turns at going first,
rounds interleaved with bare QEMU), medians in ms: front (command line written -> SIGTERM sent), exit (SIGTERM -> QEMU's last thread exits),
teardown (-> the wait returns: QEMU's memory is released in between), back (-> the next prompt read), total, wall;
then the means of the middle half of each (these add up, medians do not). ROWS.json gets every round's figures.
Run as root (perf). On a shared machine, `chrt -r 1` in front of it keeps the other users' builds off the measured
path: this script then starts everything at normal priority (SCHED_RESET_ON_FORK) and raises only the processes on
the measured path (itself, perf, each virtd, the guest's worker and vsh, every thread) to that policy before each
destroy. QEMU, bare or under Virt, stays at normal priority: a real-time vCPU thread that spins from `cont` to the
SIGTERM runs into the kernel's real-time throttling and makes QEMU's own exit bimodal. The price: a thread that one of
the raised processes starts later (a new thread-pool worker) runs at normal priority, and a real-time thread that
spins waiting for it keeps a CPU from everything at normal priority, QEMU included, for up to the throttling's
second, so some rounds' walls (bare QEMU's too) are outliers of about 1 s: compare front and back, which such rounds
hardly move, and take walls from bench.py (tools/bench/README.md). Keep copies of the binaries to compare (a
publish overwrites them), all copied at the same time with the page cache dropped after (as ab.py says why).
"""
import os, sys, time, subprocess, signal, tempfile, json, re, statistics
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import define_with_shell, in_turn, qmp_cont, run_state, start_virtd
repo = sys.argv[1]; rounds = int(sys.argv[2]); configs = json.loads(sys.argv[3])
age = float(os.environ.get("AGE", "0.3"))
vsh = f"{repo}/src/Virt.Cli/bin/Release/net10.0/linux-x64/publish/vsh"
guest = subprocess.run([f"{repo}/tools/guest/build"], capture_output=True, text=True, check=True).stdout.strip()
base = tempfile.mkdtemp(prefix="vph-")
me = os.getpid()
# Under `chrt -r N`: children start at normal priority; boost puts the measured processes back at this policy.
RT = os.sched_getscheduler(0) in (os.SCHED_RR, os.SCHED_FIFO)
if RT:
    rt_policy, rt_param = os.sched_getscheduler(0) | os.SCHED_RESET_ON_FORK, os.sched_getparam(0)
    os.sched_setscheduler(0, rt_policy, rt_param)
def boost(*pids):
    for pid in pids if RT else ():
        for tid in os.listdir(f"/proc/{pid}/task"):
            try: os.sched_setscheduler(int(tid), rt_policy, rt_param)
            except OSError: pass  # a thread that ended meanwhile
# The worker signals QEMU through a pidfd (pidfd_send_signal, which names no pid: the state file's qemu_pid is the
# target); bare QEMU and older workers with kill(2).
EV = ["syscalls:sys_enter_kill", "syscalls:sys_enter_pidfd_send_signal", "sched:sched_process_exit", "syscalls:sys_exit_waitid", "syscalls:sys_exit_wait4"]
def perf_start(out):
    p = subprocess.Popen(["perf", "record", "-q", "-a", "-e", ",".join(EV), "--exclude-perf",
                          "-e", "syscalls:sys_enter_write,syscalls:sys_exit_read", "--filter", f"common_pid == {me}", "-o", out], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    boost(p.pid); time.sleep(0.7); return p
def perf_stop(p): time.sleep(0.1); p.send_signal(signal.SIGINT); p.wait()
def parse(out, bare=False, qemu=None):
    lines = subprocess.run(["perf", "script", "-i", out, "-F", "comm,pid,tid,time,event,trace"], capture_output=True, text=True).stdout.splitlines()
    T = {}
    for l in lines:
        m = re.match(r"\s*(.+?)\s+(\d+)/(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)", l)
        if not m: continue
        comm, pid, tid, t, ev, tr = m.groups(); t = float(t)
        if not bare:
            if pid == str(me) and ev.endswith("sys_enter_write") and "start" not in T: T["start"] = t
            if "start" in T and pid == str(me) and ev.endswith("sys_exit_read") and "end" not in T: T["end"] = t
        if ev.endswith("sys_enter_kill") and "sig: 0x0000000f" in tr and "kill" not in T:
            T["kill"] = t; target = int(re.search(r"pid: (0x[0-9a-f]+)", tr).group(1), 16)
        if ev.endswith("sys_enter_pidfd_send_signal") and "sig: 0x0000000f" in tr and "kill" not in T:
            T["kill"] = t; target = qemu
        # QEMU's last thread, whichever it is (with debug-threads=on it is often "CPU 0/TCG", not "qemu-system-x86").
        if "kill" in T and ev.endswith("sched_process_exit") and int(pid) == target and "group_dead=true" in tr and "dead" not in T: T["dead"] = t
        # The wait that sees QEMU gone: the worker's exit thread (waitid without reaping, 0), .NET's SIGCHLD thread
        # (wait4, QEMU's pid) in an older worker, or this script's own wait4 for bare QEMU.
        waiter = comm == "qemu exit" or comm.startswith(".NET SigHandler") or pid == str(me)
        if "kill" in T and "reap" not in T and waiter and (ev.endswith("sys_exit_waitid") and comm == "qemu exit" and tr.strip() == "0x0"
                                                            or ev.endswith("sys_exit_wait4") and 0 < int(tr.strip(), 16) < 2**31):
            T["reap"] = t
    ms = lambda a, b: round((T[b] - T[a]) * 1000, 2) if a in T and b in T else float('nan')
    return {"front": ms("start", "kill"), "exit": ms("kill", "dead"), "teardown": ms("dead", "reap"), "back": ms("reap", "end"), "total": ms("start", "end")} if not bare else {"exit": ms("kill", "dead"), "teardown": ms("dead", "reap")}
daemons, shells, argv = {}, {}, None
try:
    vshs = {}
    for name, cfg in configs.items():
        virtd, vmm = cfg[0], cfg[1]; vshs[name] = cfg[2] if len(cfg) > 2 else vsh
        work = f"{base}/{name}"; os.makedirs(work)
        daemons[name], uri = start_virtd(virtd, vmm, work)
        shells[name] = define_with_shell(vshs[name], uri, work, guest)
    res = {k: [] for k in list(configs) + ["bare"]}
    for i in range(rounds + 1):
        for name, sh in in_turn(shells.items(), i):
            sh.time("start bench", "started")
            qemu = run_state(f"{base}/{name}", "qemu_pid")
            if argv is None:
                argv = open(f"/proc/{qemu}/cmdline").read().split("\0")[:-1]
            time.sleep(age); boost(daemons[name].pid, run_state(f"{base}/{name}", "worker_pid"), sh.p.pid); p = perf_start(f"{base}/p.data")
            wall = sh.time("destroy bench", "destroyed"); perf_stop(p)
            ph = parse(f"{base}/p.data", qemu=qemu); ph["wall"] = round(wall * 1000, 2)
            if i > 0: res[name].append(ph)
        qmp = os.path.join(base, "bare.qmp")
        args = [f"socket,id=charmonitor,path={qmp},server=on,wait=off" if a.startswith("socket,id=charmonitor") else "null,id=charserial0" if a.startswith("socket,id=charserial0") else a for a in argv]
        q = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        s = qmp_cont(qmp, time.monotonic() + 60); time.sleep(age); p = perf_start(f"{base}/b.data")
        t1 = time.monotonic(); q.send_signal(signal.SIGTERM); q.wait(); d = time.monotonic() - t1; perf_stop(p); s.close()
        ph = parse(f"{base}/b.data", bare=True); ph["wall"] = round(d * 1000, 2)
        if i > 0: res["bare"].append(ph)
    for name, rows in res.items():
        keys = rows[0].keys()
        print(f"{name:8s}", "  ".join(f"{k} {statistics.median([r[k] for r in rows if r[k] == r[k]] or [float('nan')]):6.2f}" for k in keys))
    # Medians of the parts do not add up to the median of the whole; means of the middle half do, nearly.
    def trimmed(v):
        v = sorted(x for x in v if x == x); q = len(v) // 4
        return statistics.mean(v[q:len(v) - q]) if v else float('nan')
    for name, rows in res.items():
        print(f"{name:8s}", "  ".join(f"{k} {trimmed([r[k] for r in rows]):6.2f}" for k in rows[0].keys()), "(interquartile means)")
    if len(sys.argv) > 4: json.dump(res, open(sys.argv[4], "w"))
    print("load", os.getloadavg())
finally:
    for sh in shells.values(): sh.close()
    for d in daemons.values(): d.terminate(); d.wait()
    subprocess.run(["rm", "-rf", base])
