#!/usr/bin/python3
"""Live migration through virtd + vsh against bare QEMU, on two network namespaces joined by a veth pair.

Virt: two virtd (--listen-peer on each end of the veth), the heartbeat guest defined and started on A, then
`vsh migrate --live` back and forth. Per run: the wall time of the vsh process (Begin, Prepare with the destination's
QEMU start, the stream, Finish with the destination's cont, Confirm with the source's QEMU killed) and QEMU's own
total-time and downtime from the source's query-migrate (Virt puts them in the job's final statistics: vsh --json).
Bare QEMU: the same argv virtd ran (read from /proc), monitor and console sockets replaced by our own; the source in
A (cont), the destination in B with -incoming defer; per run the same span: from spawning the destination QEMU to its
cont answered after completion, with the same parameters (downtime-limit 300 ms, bandwidth unlimited), and QEMU's
total-time and downtime.
"""
import json, os, signal, socket, statistics, subprocess, sys, tempfile, time

def ip(*args):
    subprocess.run(["ip", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

class Qmp:
    def __init__(self, path, deadline):
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX); self.s.connect(path); break
            except OSError:
                self.s.close()
                if time.monotonic() > deadline: raise
                time.sleep(0.002)
        self.f = self.s.makefile("rwb", buffering=0)
        self.f.readline()
        self.cmd("qmp_capabilities")

    def cmd(self, name, **arguments):
        msg = {"execute": name}
        if arguments: msg["arguments"] = arguments
        self.f.write(json.dumps(msg).encode() + b"\n")
        while True:
            line = json.loads(self.f.readline())
            if "return" in line: return line["return"]
            if "error" in line: raise RuntimeError(f"{name}: {line['error']}")

    def close(self): self.s.close()

def wait_beats(log, above, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(log):
            beats = [int(l.split()[-1]) for l in open(log, errors="replace") if l.strip().startswith("HEARTBEAT")]
            if beats and beats[-1] > above: return beats[-1]
        time.sleep(0.1)
    raise TimeoutError(f"no heartbeat above {above} in {log}")

def bare_run(argv, ns_a, ns_b, addr_b, work, i):
    def spawn(ns, name, extra):
        qmp = os.path.join(work, f"{name}{i}.qmp"); log = os.path.join(work, f"{name}{i}.console")
        args = [f"socket,id=charmonitor,path={qmp},server=on,wait=off" if a.startswith("socket,id=charmonitor")
                else f"file,id=charserial0,path={log}" if a.startswith("socket,id=charserial0") else a for a in argv]
        p = subprocess.Popen(["ip", "netns", "exec", ns, *args, *extra], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return p, qmp, log
    src, sq, slog = spawn(ns_a, "src", [])
    s = Qmp(sq, time.monotonic() + 60); s.cmd("cont")
    wait_beats(slog, 5)
    t0 = time.monotonic()
    dst, dq, dlog = spawn(ns_b, "dst", ["-incoming", "defer"])
    d = Qmp(dq, time.monotonic() + 60)
    d.cmd("migrate-incoming", uri=f"tcp:{addr_b}:0")
    port = d.cmd("query-migrate")["socket-address"][0]["port"]
    s.cmd("migrate-set-parameters", **{"downtime-limit": 300, "max-bandwidth": 8796093022207 * 1024 * 1024})
    s.cmd("migrate", uri=f"tcp:{addr_b}:{port}")
    while True:
        info = s.cmd("query-migrate")
        if info["status"] in ("completed", "failed", "cancelled"): break
        time.sleep(0.05)
    if info["status"] != "completed": raise RuntimeError(f"bare migration {info['status']}")
    while d.cmd("query-status")["status"] in ("inmigrate", "finish-migrate"): time.sleep(0.05)
    d.cmd("cont")
    wall = time.monotonic() - t0
    before = wait_beats(slog, 0)
    wait_beats(dlog, before)  # the counter continues on the destination
    for p in (src, dst):
        p.send_signal(signal.SIGKILL); p.wait()
    s.close(); d.close()
    return wall, info["total-time"], info["downtime"]

def main():
    virtd, vsh, kernel, initrd, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    as_json = "--json" in sys.argv
    tag = f"{os.getpid() % 100000}"
    ns = (f"vbma{tag}", f"vbmb{tag}")
    addr = ("10.214.0.1", "10.214.0.2")
    work = tempfile.mkdtemp(prefix="vbm-")
    daemons = []
    try:
        ip("netns", "add", ns[0]); ip("netns", "add", ns[1])
        ip("link", "add", f"vma{tag}", "netns", ns[0], "type", "veth", "peer", "name", f"vmb{tag}", "netns", ns[1])
        for n, link, a in ((ns[0], f"vma{tag}", addr[0]), (ns[1], f"vmb{tag}", addr[1])):
            ip("-n", n, "addr", "add", a + "/30", "dev", link); ip("-n", n, "link", "set", link, "up"); ip("-n", n, "link", "set", "lo", "up")
        uris = []
        for k in (0, 1):
            state = os.path.join(work, f"host{k}")
            log = open(state + ".log", "w")
            daemons.append(subprocess.Popen(["ip", "netns", "exec", ns[k], virtd, "--state-dir", state, "--listen-peer", f"{addr[k]}:16509"],
                                            stdout=log, stderr=log, stdin=subprocess.DEVNULL))
            uris.append(f"virt+unix://{state}/run/virtd.sock")
        for k in (0, 1):
            for _ in range(600):
                if os.path.exists(uris[k][len("virt+unix://"):]): break
                time.sleep(0.05)
        xml = os.path.join(work, "g.xml")
        open(xml, "w").write(f"""<domain type='qemu'><name>bench</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='q35'>hvm</type><kernel>{kernel}</kernel><initrd>{initrd}</initrd><cmdline>console=ttyS0 panic=-1</cmdline></os>
<features><acpi/></features><devices><serial type='pty'><target port='0'/></serial></devices></domain>""")
        vshrun = lambda k, *a: subprocess.run([vsh, "-c", uris[k], *a], check=True, capture_output=True, text=True).stdout
        vshrun(0, "create", xml)
        uuid = vshrun(0, "domuuid", "bench").strip()
        qemu_pid = dict(l.split("=", 1) for l in open(os.path.join(work, "host0", "run", "qemu", uuid + ".state")).read().split())["qemu_pid"]
        argv = open(f"/proc/{qemu_pid}/cmdline").read().split("\0")[:-1]
        wait_beats(os.path.join(work, "host0", "qemu", "log", uuid + ".console.log"), 5)
        virt, bare = [], []
        here = 0
        for i in range(runs + 1):
            there = 1 - here
            t0 = time.monotonic()
            out = vshrun(here, "--json", "migrate", "--live", "bench", f"virt+tcp://{addr[there]}:16509/")
            wall = time.monotonic() - t0
            doc = json.loads(out.splitlines()[0])
            b = bare_run(argv, ns[0], ns[1], addr[1], work, i)
            if i > 0:  # the first round warms caches (capabilities probe, page cache, JIT)
                virt.append((wall * 1000, doc["total_ms"], doc["downtime_ms"])); bare.append((b[0] * 1000, b[1], b[2]))
            here = there
            time.sleep(1)
        med = lambda rows, j: statistics.median(r[j] for r in rows)
        result = {"runs": runs, "virt": {"wall_ms": med(virt, 0), "qemu_total_ms": med(virt, 1), "downtime_ms": med(virt, 2)},
                  "bare_qemu": {"wall_ms": med(bare, 0), "qemu_total_ms": med(bare, 1), "downtime_ms": med(bare, 2)},
                  "libvirt": None}
        result["ratios"] = {k: result["virt"][k] / result["bare_qemu"][k] if result["bare_qemu"][k] else None for k in ("wall_ms", "qemu_total_ms", "downtime_ms")}
        if as_json:
            print(json.dumps(result))
        else:
            print(f"live migration, heartbeat guest (128 MiB, TCG), veth between two netns, median of {runs}")
            print(f"{'':28}{'virtd + vsh':>14}{'bare QEMU':>14}{'ratio':>9}")
            for k, label in (("wall_ms", "end to end (ms)"), ("qemu_total_ms", "QEMU total-time (ms)"), ("downtime_ms", "QEMU downtime (ms)")):
                r = result["ratios"][k]
                print(f"{label:28}{result['virt'][k]:>14.0f}{result['bare_qemu'][k]:>14.0f}{(f'{r:.2f}x' if r else '-'):>9}")
            print("libvirt: not run (see tools/bench/README.md, Migration)")
    finally:
        for d in daemons:
            d.send_signal(signal.SIGTERM)
            try: d.wait(timeout=15)
            except subprocess.TimeoutExpired: d.kill(); d.wait()
        for k in (0, 1):
            qdir = os.path.join(work, f"host{k}", "run", "qemu")
            for f in (os.listdir(qdir) if os.path.isdir(qdir) else []):
                if f.endswith(".state"):
                    st = dict(l.split("=", 1) for l in open(os.path.join(qdir, f)).read().split())
                    for pid in (st.get("worker_pid"), st.get("qemu_pid")):
                        try: os.kill(int(pid), signal.SIGKILL)
                        except (TypeError, ValueError, ProcessLookupError): pass
        for n in ns:
            subprocess.run(["ip", "netns", "delete", n], stderr=subprocess.DEVNULL)
        subprocess.run(["rm", "-rf", work])

main()
