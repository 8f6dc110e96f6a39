#!/usr/bin/python3
"""Where a start through a connected vsh shell spends its time, next to bare QEMU's spawn to `cont` answered, from an
ftrace instance of its own (/sys/kernel/tracing/instances/vmmstart: a private ring buffer, clock `mono` so its times
are this script's time.monotonic(), no reader running while a start is traced, so the trace hardly moves the times;
`perf record -a` inflated them by about 10 ms).

    starttrace.py REPO ROUNDS VIRTD VIRT-VMM VSH [TRACE.txt]

Rounds alternate one start of the guest through the shell (then its destroy) and one bare QEMU with the same argv (as
bench.py: its own monitor socket, a null console). Medians in ms. Virt: read (the command line written -> vsh has
read it), call (-> the worker has read its launch spec: vsh's lookup and start calls, virtd's preparation), spawn
(-> QEMU's exec), qemu (-> QEMU's first QMP answer: its own start, which bare QEMU pays too), cont (-> cont's answer),
answer (-> virtd has read the worker's answer), back (-> the prompt read). Bare: spawn (Popen -> exec), qemu, cont,
back (-> cont's answer read). Run as root. TRACE.txt gets the raw events of every round; SCHED=1 adds thread switches,
wake-ups and writes to them.
"""
import os, re, signal, statistics, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import define_with_shell, qmp_cont, run_state, start_virtd

TRACING = "/sys/kernel/tracing/instances/vmmstart"
EVENTS = ["sched/sched_process_exec", "sched/sched_process_fork", "syscalls/sys_enter_sendmsg", "syscalls/sys_exit_read"]
# SCHED=1: every thread switch and wake-up and every write too, for reading TRACE.txt round by round (the phases stay
# comparable only between runs that both have them).
if os.environ.get("SCHED") == "1":
    EVENTS += ["sched/sched_switch", "sched/sched_wakeup", "syscalls/sys_enter_write", "syscalls/sys_enter_read"]


def tracing(path, value):
    with open(f"{TRACING}/{path}", "w") as f:
        f.write(value)


def traced(action):
    """Runs action() with the events recorded; returns (t0, t1, trace text)."""
    tracing("trace", "")
    tracing("tracing_on", "1")
    t0 = time.monotonic()
    action()
    t1 = time.monotonic()
    tracing("tracing_on", "0")
    return t0, t1, open(f"{TRACING}/trace").read()


def events(text):
    for line in text.splitlines():
        m = re.match(r"\s*(.+?)-(\d+)\s+\(\s*(\d+|-+)\)\s+\[\d+\]\s+\S+\s+([\d.]+):\s+(.*)", line)
        if m:
            yield m.group(1), m.group(2), m.group(3), float(m.group(4)), m.group(5)


def phases(text, t0, t1, virtd=None, vsh=None, worker=None):
    ev = list(events(text))
    first = lambda pred, after=0.0: next((t for c, tid, tg, t, r in ev if t > after and pred(c, tid, tg, r)), None)
    qemu, exec_at = next(((re.search(r" pid=(\d+)", r).group(1), t) for c, tid, tg, t, r in ev
                          if r.startswith("sched_process_exec") and "qemu-system" in r), (None, None))
    # The monitor's fd: where QEMU's monitor thread sends the greeting; the main thread answers commands on it.
    monitor = next((r.split(",")[0] for c, tid, tg, t, r in ev if tg == qemu and "mon_iothread" in c and r.startswith("sys_sendmsg(")), None)
    if monitor is None:
        return None
    sends = [t for c, tid, tg, t, r in ev if tid == qemu and r.startswith(monitor) and t > exec_at]
    if virtd is None:
        cont = max(t for t in sends if t < t1)
        p = {"spawn": exec_at - t0, "qemu": sends[0] - exec_at, "cont": cont - sends[0], "back": t1 - cont}
    else:
        read = first(lambda c, tid, tg, r: tg == vsh and r.startswith("sys_read -> 0x") and not r.endswith("0xfffffffffffffff5"), t0)
        spec = first(lambda c, tid, tg, r: tg == worker and r.startswith("sys_read -> 0x") and not r.endswith("0xfffffffffffffff5")
                     and int(r.split("0x")[1], 16) > 0x100, t0)
        answer = first(lambda c, tid, tg, r: tg == virtd and r.startswith("sys_read -> 0x") and not r.endswith("0xfffffffffffffff5"), sends[0])
        cont = max(t for t in sends if t < answer)
        p = {"read": read - t0, "call": spec - read, "spawn": exec_at - spec, "qemu": sends[0] - exec_at, "cont": cont - sends[0],
             "answer": answer - cont, "back": t1 - answer}
    p["total"] = t1 - t0
    return {k: v * 1000 for k, v in p.items()}


def main():
    repo, rounds, virtd, vmm, vshbin = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    dump = open(sys.argv[6], "w") if len(sys.argv) > 6 else None
    guest = subprocess.run([f"{repo}/tools/guest/build"], capture_output=True, text=True, check=True).stdout.strip()
    work = tempfile.mkdtemp(prefix="vst-")
    d, uri = start_virtd(virtd, vmm, work)
    if not os.path.isdir(TRACING):
        os.mkdir(TRACING)
    tracing("tracing_on", "0")
    tracing("trace_clock", "mono")
    tracing("buffer_size_kb", "16384")
    tracing("options/record-tgid", "1")
    tracing("events/enable", "0")  # a run killed before its clean-up left the instance with its events on
    for e in EVENTS:
        tracing(f"events/{e}/enable", "1")
    rows = {"virt": [], "bare": []}
    shell = None
    try:
        shell = define_with_shell(vshbin, uri, work, guest)
        # The first start spawns its worker and leaves a spare; the argv comes from it.
        shell.time("start bench", "started")
        argv = open(f"/proc/{run_state(work, 'qemu_pid')}/cmdline").read().split("\0")[:-1]
        time.sleep(1.0)
        shell.time("destroy bench", "destroyed")
        qmp = os.path.join(work, "bare.qmp")
        bare_argv = [f"socket,id=charmonitor,path={qmp},server=on,wait=off" if a.startswith("socket,id=charmonitor")
                     else "null,id=charserial0" if a.startswith("socket,id=charserial0") else a for a in argv]
        for i in range(rounds):
            time.sleep(1.0)
            spare = subprocess.run(["pgrep", "-P", str(d.pid)], capture_output=True, text=True).stdout.split()[0]
            t0, t1, text = traced(lambda: shell.time("start bench", "started"))
            rows["virt"].append(phases(text, t0, t1, str(d.pid), str(shell.p.pid), spare))
            if dump:
                dump.write(f"=== virt {i} virtd {d.pid} vsh {shell.p.pid} worker {spare} t0 {t0:.6f} t1 {t1:.6f}\n{text}")
            time.sleep(1.0)
            shell.time("destroy bench", "destroyed")
            time.sleep(1.0)
            bare = {}
            t0, t1, text = traced(lambda: bare.update(p=subprocess.Popen(bare_argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
                                                        s=qmp_cont(qmp, time.monotonic() + 60)))
            rows["bare"].append(phases(text, t0, t1))
            if dump:
                dump.write(f"=== bare {i} t0 {t0:.6f} t1 {t1:.6f}\n{text}")
            time.sleep(1.0)
            bare["p"].send_signal(signal.SIGTERM)
            bare["p"].wait()
            bare["s"].close()
        for side, rs in rows.items():
            rs = [r for r in rs if r]
            print(f"{side}: " + "  ".join(f"{k} {statistics.median(r[k] for r in rs):6.2f}" for k in rs[0]) + f"  (medians of {len(rs)}, ms)")
        print("load average", os.getloadavg())
    finally:
        if shell is not None:
            shell.close()
        tracing("tracing_on", "0")
        tracing("events/enable", "0")
        os.rmdir(TRACING)
        d.terminate()
        d.wait()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
