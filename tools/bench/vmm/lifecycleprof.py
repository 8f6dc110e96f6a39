#!/usr/bin/python3
"""Where the CPU and the wake-ups of starts or destroys through a connected vsh shell go, process by process:
`perf record -a` around N of them (a destroy 1 s after its guest's start, a start 1 s after the last destroy), keeping
each one's window (command line written to prompt read) so that only what happened inside the windows is reported.

    lifecycleprof.py record cpu|sched OUT REPO VIRTD VIRT-VMM VSH ROUNDS [destroy|start]
        cpu: call stacks at 15 kHz (FREQ=... to change); sched: sched_switch, sched_wakeup, process exits and the kill.
        Writes OUT.data (perf) and OUT.json (windows, pids, walls). Destroys unless told otherwise.
    lifecycleprof.py report OUT [PROCESS [N]]       samples per operation by process; PROCESS's top self and inclusive frames
    lifecycleprof.py callees OUT PROCESS FRAME      what FRAME's samples were in, one frame down
    lifecycleprof.py timeline OUT ROUND             one operation, event by event, per CPU, ms from its start (sched only)

PROCESS is virtd, vsh, worker or qemu. Run as root. For symbols, profile binaries published with
`-p:StripSymbols=false`. Each window is one operation, so a frame's share of a process's samples times that process's
samples per operation, over the sampling rate, is its CPU per operation. tools/bench/README.md (sixteenth session) has
what this showed.
"""
import collections, json, os, re, signal, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import define_with_shell, run_state, start_virtd

SCHED = "sched:sched_switch,sched:sched_wakeup,sched:sched_process_exit,syscalls:sys_enter_pidfd_send_signal,syscalls:sys_enter_kill"


def record(mode, out, repo, virtd, vmm, vsh, rounds, operation="destroy"):
    guest = subprocess.run([f"{repo}/tools/guest/build"], capture_output=True, text=True, check=True).stdout.strip()
    work = tempfile.mkdtemp(prefix="vprof-")
    daemon, uri = start_virtd(virtd, vmm, work)
    windows, walls, perf, shell = [], [], None, None
    pids = {"virtd": daemon.pid}
    try:
        shell = define_with_shell(vsh, uri, work, guest)
        pids["vsh"] = shell.p.pid
        # One start and destroy before recording: first uses (the capabilities probe, page cache) are not what is measured.
        shell.time("start bench", "started"); time.sleep(1); shell.time("destroy bench", "destroyed")
        events = ["-g", "-F", os.environ.get("FREQ", "15000")] if mode == "cpu" else ["-e", SCHED]
        perf = subprocess.Popen(["perf", "record", "-q", "-a", *events, "-k", "CLOCK_MONOTONIC", "-o", out + ".data"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        for _ in range(rounds):
            if operation == "start":
                time.sleep(1.0)
                t0 = time.monotonic(); walls.append(shell.time("start bench", "started")); t1 = time.monotonic()
                windows.append((t0, t1, run_state(work, "worker_pid"), run_state(work, "qemu_pid")))
                time.sleep(1.0); shell.time("destroy bench", "destroyed")
            else:
                shell.time("start bench", "started"); time.sleep(1.0)
                worker, qemu = run_state(work, "worker_pid"), run_state(work, "qemu_pid")
                t0 = time.monotonic(); walls.append(shell.time("destroy bench", "destroyed")); t1 = time.monotonic()
                windows.append((t0, t1, worker, qemu))
    finally:
        if perf is not None:
            time.sleep(0.2); perf.send_signal(signal.SIGINT); perf.wait()
        if shell is not None:
            shell.close()
        daemon.terminate(); daemon.wait()
        subprocess.run(["rm", "-rf", work])
    json.dump({"windows": windows, "pids": pids, "walls": walls, "operation": operation}, open(out + ".json", "w"))
    print(f"{len(walls)} {operation}s, median wall {sorted(walls)[len(walls) // 2] * 1000:.2f} ms")


def load(out, fields):
    meta = json.load(open(out + ".json"))
    text = subprocess.run(["perf", "script", "-i", out + ".data", "-F", fields], capture_output=True, text=True).stdout
    return meta, text


def owner(meta, window, pid, comm):
    names = {meta["pids"]["virtd"]: "virtd", meta["pids"]["vsh"]: "vsh", window[2]: "worker", window[3]: "qemu"}
    return names.get(pid, "idle" if pid == 0 else "other:" + comm)


def samples(out):
    """The number of windows, and (process, stack with the leaf first) of every sample inside one."""
    meta, text = load(out, "comm,pid,tid,time,ip,sym")
    found = []
    for block in text.split("\n\n"):
        lines = block.strip().split("\n")
        head = re.match(r"\s*(.+?)\s+(\d+)/(\d+)\s+([\d.]+):", lines[0]) if lines[0].strip() else None
        if head is None: continue
        t = float(head.group(4))
        window = next((w for w in meta["windows"] if w[0] <= t <= w[1]), None)
        if window is None: continue
        stack = [re.sub(r"\+0x[0-9a-f]+", "", (l.strip().split(None, 1) + ["?"])[1]) for l in lines[1:]]
        found.append((owner(meta, window, int(head.group(2)), head.group(1)), stack))
    return len(meta["windows"]), found


def report(out, process=None, top=40):
    by_process, leaf, inclusive = collections.Counter(), collections.defaultdict(collections.Counter), collections.defaultdict(collections.Counter)
    n, found = samples(out)
    for who, stack in found:
        by_process[who] += 1
        if stack:
            leaf[who][stack[0]] += 1
            for frame in set(stack): inclusive[who][frame] += 1
    per = json.load(open(out + ".json")).get("operation", "destroy")
    print(f"samples per {per}:", {k: round(v / n, 1) for k, v in by_process.most_common(10)})
    for who in [process] if process else ["virtd", "vsh", "worker"]:
        total = by_process[who] or 1
        print(f"\n{who}: {by_process[who] / n:.1f} samples per {per}; self")
        for frame, c in leaf[who].most_common(top // 2): print(f"  {100 * c / total:5.1f}%  {frame[:150]}")
        print(f"{who}: inclusive")
        for frame, c in inclusive[who].most_common(top): print(f"  {100 * c / total:5.1f}%  {frame[:150]}")


def callees(out, process, frame):
    below, hits, total = collections.Counter(), 0, 0
    for who, stack in samples(out)[1]:
        if who != process: continue
        total += 1
        at = next((i for i, f in enumerate(stack) if frame in f), None)
        if at is None: continue
        hits += 1
        below[stack[at - 1] if at > 0 else "(self)"] += 1
    print(f"{hits} of {total} {process} samples are in {frame}")
    for f, c in below.most_common(25): print(f"  {c:5d}  {f[:160]}")


def timeline(out, round_index):
    meta, text = load(out, "comm,pid,tid,cpu,time,event,trace")
    window = meta["windows"][round_index]
    for line in text.splitlines():
        m = re.match(r"\s*(.+?)\s+(\d+)/(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+(\S+):\s*(.*)", line)
        if not m: continue
        comm, pid, tid, cpu, t, event, detail = m.groups()
        t = float(t)
        if not window[0] - 0.0002 <= t <= window[1] + 0.0002: continue
        event = event.split(":")[-1]
        if event == "sched_switch":
            s = re.search(r"prev_comm=(.+?) prev_pid=(\d+) .*prev_state=(\S+) ==> next_comm=(.+?) next_pid=(\d+)", detail)
            detail = f"{s.group(1)}/{s.group(2)} [{s.group(3)}] -> {s.group(4)}/{s.group(5)}"
        elif event == "sched_wakeup":
            s = re.search(r"comm=(.+?) pid=(\d+) .*target_cpu=(\d+)", detail)
            detail = f"wakes {s.group(1)}/{s.group(2)} on cpu{s.group(3)}"
        print(f"{(t - window[0]) * 1000:8.3f} cpu{cpu} {owner(meta, window, int(pid), comm):8s} {comm}/{tid}: {event} {detail[:110]}")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    command, args = sys.argv[1], sys.argv[2:]
    if command == "record": record(args[0], args[1], *args[2:6], int(args[6]), *args[7:8])
    elif command == "report": report(args[0], *(args[1:2]), *([int(args[2])] if len(args) > 2 else []))
    elif command == "callees": callees(*args[:3])
    elif command == "timeline": timeline(args[0], int(args[1]))
    else: sys.exit(__doc__)
