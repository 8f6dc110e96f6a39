#!/usr/bin/python3
"""Live migration through virtd + vsh against bare QEMU, on two network namespaces joined by a veth pair.

Virt: two virtd as installed (NativeAOT, with the NativeAOT virt-vmm: tools/bench/migrate/run publishes them) with
--listen-peer on each end of the veth, the heartbeat guest defined and started on A. Each round migrates it live A -> B
with a `vsh --json migrate --live` process (its wall time: Begin, Prepare with the destination's worker and QEMU
start, the stream, Finish with the destination's cont, Confirm with the source's QEMU stopped, plus vsh's start and
connection) and back B -> A through a vsh shell already connected to B (a command line written to its stdin until the
next prompt: no client start-up, as bare QEMU has none). QEMU's own total-time and downtime come from the source's
query-migrate (Virt puts them in the job's final statistics: vsh --json).
Bare QEMU: the same argv virtd ran (read from /proc), monitor and console sockets replaced by our own; the source in
A (cont), the destination in B with -incoming defer; per run the same span: from spawning the destination QEMU to its
cont answered after completion, with the same parameters (downtime-limit 300 ms, bandwidth unlimited, QMP events on),
waiting on QEMU's MIGRATION events (no polling), and QEMU's total-time and downtime.
"""
import importlib.util, json, os, signal, socket, statistics, subprocess, sys, tempfile, time

# bench/vmm's Shell (a line in, the next prompt out); loaded by path, as this file is a bench.py too.
_vmm = importlib.util.spec_from_file_location("vmm_bench", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vmm", "bench.py"))
vmm_bench = importlib.util.module_from_spec(_vmm)
_vmm.loader.exec_module(vmm_bench)
Shell = vmm_bench.Shell

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
        self.events = []
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
            if "event" in line: self.events.append(line)

    def migration_ended(self):
        """Blocks until QEMU's MIGRATION event says the stream ended (the events capability must be on)."""
        while True:
            ended = [e["data"]["status"] for e in self.events if e["event"] == "MIGRATION" and e["data"]["status"] in ("completed", "failed", "cancelled")]
            if ended: return ended[0]
            line = self.f.readline()
            if not line: raise RuntimeError("QMP closed before the migration ended")
            line = json.loads(line)
            if "event" in line: self.events.append(line)

    def close(self): self.s.close()

def wait_beats(log, above, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(log):
            beats = [int(l.split()[-1]) for l in open(log, errors="replace") if l.strip().startswith("HEARTBEAT")]
            if beats and beats[-1] > above: return beats[-1]
        time.sleep(0.1)
    raise TimeoutError(f"no heartbeat above {above} in {log}")

class BareGuest:
    """The heartbeat guest on bare QEMU, migrated back and forth between the namespaces as Virt's is (so both sides
    move a guest that already arrived by migration, not a freshly booted one): virtd's argv with our own monitor
    socket and a console file."""

    def __init__(self, argv, namespaces, addresses, work):
        self.argv, self.namespaces, self.addresses, self.work, self.count = argv, namespaces, addresses, work, 0
        self.side = 0
        self.p, self.qmp, self.log = self.spawn(0, [])
        self.qmp.cmd("cont")
        wait_beats(self.log, 5)

    def spawn(self, side, extra):
        self.count += 1
        qmp = os.path.join(self.work, f"bare{self.count}.qmp"); log = os.path.join(self.work, f"bare{self.count}.console")
        args = [f"socket,id=charmonitor,path={qmp},server=on,wait=off" if a.startswith("socket,id=charmonitor")
                else f"file,id=charserial0,path={log}" if a.startswith("socket,id=charserial0") else a for a in self.argv]
        p = subprocess.Popen(["ip", "netns", "exec", self.namespaces[side], *args, *extra], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return p, Qmp(qmp, time.monotonic() + 60), log

    def migrate(self):
        """One live migration to the other namespace: (seconds from spawning the destination QEMU to its cont
        answered, QEMU's total-time, QEMU's downtime)."""
        there = 1 - self.side
        s = self.qmp
        t0 = time.monotonic()
        p, d, log = self.spawn(there, ["-incoming", "defer"])
        events = {"capabilities": [{"capability": "events", "state": True}]}
        d.cmd("migrate-set-capabilities", **events)
        d.cmd("migrate-incoming", uri=f"tcp:{self.addresses[there]}:0")
        port = d.cmd("query-migrate")["socket-address"][0]["port"]
        s.cmd("migrate-set-parameters", **{"downtime-limit": 300, "max-bandwidth": 8796093022207 * 1024 * 1024})
        s.cmd("migrate-set-capabilities", **events)
        s.cmd("migrate", uri=f"tcp:{self.addresses[there]}:{port}")
        # Woken by QEMU's MIGRATION events, as Virt's Perform and Finish are: the source's stream ended, then the
        # destination's load (QEMU emits it once it has left inmigrate).
        if (status := s.migration_ended()) != "completed": raise RuntimeError(f"bare migration {status}")
        if (status := d.migration_ended()) != "completed": raise RuntimeError(f"bare incoming migration {status}")
        d.cmd("cont")
        wall = time.monotonic() - t0
        # cont during inmigrate only arms autostart: the guest must really run now, or the span ended too early.
        if (state := d.cmd("query-status")["status"]) != "running": raise RuntimeError(f"bare destination {state} after cont")
        info = s.cmd("query-migrate")
        while "downtime" not in info or "total-time" not in info:  # QEMU 7.2 may say completed before it fills them in
            time.sleep(0.005); info = s.cmd("query-migrate")
        wait_beats(log, wait_beats(self.log, 0))  # the counter continues on the destination
        self.p.send_signal(signal.SIGKILL); self.p.wait(); s.close()
        self.p, self.qmp, self.log, self.side = p, d, log, there
        return wall, info["total-time"], info["downtime"]

    def stop(self):
        self.p.send_signal(signal.SIGKILL); self.p.wait(); self.qmp.close()

def main():
    virtd, vsh, vmm, kernel, initrd, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
    as_json = "--json" in sys.argv
    tag = f"{os.getpid() % 100000}"
    ns = (f"vbma{tag}", f"vbmb{tag}")
    addr = ("10.214.0.1", "10.214.0.2")
    work = tempfile.mkdtemp(prefix="vbm-")
    daemons, shells, bare_guest = [], [], None
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
                                            stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=dict(os.environ, VIRT_VMM_BINARY=vmm)))
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
        # One shell per host, connected before anything is timed (bench/vmm's Shell: a line in, the next prompt out).
        shells = [Shell([vsh, "--json", "-c", uris[k]], "vsh # ") for k in (0, 1)]
        for sh in shells:
            sh.time("list --all", "domains")
        bare_guest = BareGuest(argv, ns, addr, work)
        virt, shell, bare = [], [], []
        for i in range(runs + 1):
            t0 = time.monotonic()
            out = vshrun(0, "--json", "migrate", "--live", "bench", f"virt+tcp://{addr[1]}:16509/")
            wall = time.monotonic() - t0
            doc = json.loads(out.splitlines()[0])
            time.sleep(1)
            there = bare_guest.migrate()
            time.sleep(1)
            back = shells[1].time(f"migrate --live bench virt+tcp://{addr[0]}:16509/", '"result":"migrated"')
            answer = shells[1].output
            sdoc = json.loads(answer[answer.index(b"{"):answer.rindex(b"}") + 1])
            time.sleep(1)
            home = bare_guest.migrate()
            time.sleep(1)
            if i > 0:  # the first round warms caches (capabilities probe, page cache)
                virt.append((wall * 1000, doc["total_ms"], doc["downtime_ms"]))
                shell.append((back * 1000, sdoc["total_ms"], sdoc["downtime_ms"]))
                bare.extend((b[0] * 1000, b[1], b[2]) for b in (there, home))
        med = lambda rows, j: statistics.median(r[j] for r in rows)
        side = lambda rows: {"wall_ms": med(rows, 0), "qemu_total_ms": med(rows, 1), "downtime_ms": med(rows, 2)}
        result = {"runs": runs, "virt": side(virt), "virt_shell": side(shell), "bare_qemu": side(bare), "libvirt": None,
                  "load_average": os.getloadavg()[0], "samples": {"virt": virt, "virt_shell": shell, "bare_qemu": bare}}
        ratio = lambda a, b: a / b if b else None
        result["ratios"] = {k: ratio(result["virt"][k], result["bare_qemu"][k]) for k in ("wall_ms", "qemu_total_ms", "downtime_ms")}
        result["shell_ratios"] = {k: ratio(result["virt_shell"][k], result["bare_qemu"][k]) for k in ("wall_ms", "qemu_total_ms", "downtime_ms")}
        if as_json:
            print(json.dumps(result))
        else:
            print(f"live migration, heartbeat guest (128 MiB, TCG), veth between two netns; medians of {runs} rounds "
                  f"(each: a vsh process A->B, a connected vsh shell B->A, bare QEMU both ways)")
            print(f"{'':28}{'vsh process':>12}{'ratio':>8}{'vsh shell':>12}{'ratio':>8}{'bare QEMU':>12}")
            for k, label in (("wall_ms", "end to end (ms)"), ("qemu_total_ms", "QEMU total-time (ms)"), ("downtime_ms", "QEMU downtime (ms)")):
                fmt = lambda r: f"{r:.2f}x" if r else "-"
                print(f"{label:28}{result['virt'][k]:>12.0f}{fmt(result['ratios'][k]):>8}{result['virt_shell'][k]:>12.0f}{fmt(result['shell_ratios'][k]):>8}"
                      f"{result['bare_qemu'][k]:>12.0f}")
            print(f"load average {result['load_average']:.2f}; libvirt: not run (see tools/bench/README.md, Migration)")
    finally:
        if bare_guest is not None:
            bare_guest.stop()
        for sh in shells:
            sh.close()
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
