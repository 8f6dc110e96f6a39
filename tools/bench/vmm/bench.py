#!/usr/bin/python3
"""Start/destroy latency of a guest through virtd + vsh + virt-vmm against bare QEMU, and the worker's RSS.

Bare QEMU: spawn qemu-system-x86_64 with the argv virtd would use (-S, QMP socket), connect to QMP, send
qmp_capabilities and cont; "running" is cont answered. Destroy: SIGTERM until the process is reaped, after the
guest ran as long as every other side's guest does before its destroy (GUEST_AGE).
Virt: virtd as installed (NativeAOT, tools/bench/vmm/run publishes it), `vsh start` (returns once the guest runs: worker up, QMP connected, cont answered and committed) and
`vsh destroy` (returns once QEMU is reaped and the shut-off committed), wall time of the vsh process.
Worker RSS: VmRSS of virt-vmm (QEMU excluded) with the guest running and its console attached once.
libvirt (when /usr/sbin/libvirtd exists): Debian's libvirtd in session mode (qemu:///session) as nobody with its
HOME and XDG directories in the work directory (a privileged libvirtd needs libvirt-daemon-system's users and
directories; see tools/bench/daemon), the same guest (type 'qemu', TCG), `virsh start` and `virsh destroy`.
Every round runs Virt, bare QEMU and libvirt one after another, so load from elsewhere hits all three alike.
Each client is timed twice: as a process (spawn to exit), and as one shell already connected (a command line written
to its stdin until the next prompt), which is what bare QEMU's figures are: no client start-up (tools/bench/README.md).
"""
import json, os, pwd, resource, shutil, signal, socket, statistics, subprocess, sys, tempfile, time

# How long every guest runs between its start and its destroy, on every side alike.
GUEST_AGE = 1.0

def qmp_cont(path, deadline):
    while True:
        try:
            s = socket.socket(socket.AF_UNIX); s.connect(path); break
        except OSError:
            s.close()
            if time.monotonic() > deadline: raise
            time.sleep(0.002)
    f = s.makefile("rwb", buffering=0)
    f.readline()
    for cmd in ("qmp_capabilities", "cont"):
        f.write(json.dumps({"execute": cmd}).encode() + b"\n")
        while True:
            line = json.loads(f.readline())
            if "return" in line or "error" in line: break
    return s

def bare(argv, work):
    qmp = os.path.join(work, "bare.qmp")
    # The same argv, with its own monitor socket and the console on a null chardev (no worker reads it here).
    args = [f"socket,id=charmonitor,path={qmp},server=on,wait=off" if a.startswith("socket,id=charmonitor")
            else "null,id=charserial0" if a.startswith("socket,id=charserial0") else a for a in argv]
    t0 = time.monotonic()
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    s = qmp_cont(qmp, t0 + 60)
    start = time.monotonic() - t0
    # As long as Virt's guests run before their destroy: QEMU's exit unmaps what the guest and TCG touched so far.
    time.sleep(GUEST_AGE)
    t1 = time.monotonic()
    p.send_signal(signal.SIGTERM); p.wait()
    destroy = time.monotonic() - t1
    s.close()
    return start, destroy

def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime

def vsh(vshbin, uri, *args, **popen):
    """Wall time of one client process; its CPU time is added to CPU[args[0]]."""
    c0, t0 = children_cpu(), time.monotonic()
    subprocess.run([vshbin, "-c", uri, *args], check=True, stdout=subprocess.DEVNULL, **popen)
    wall = time.monotonic() - t0
    CPU.setdefault(os.path.basename(vshbin) + " " + args[0], []).append(children_cpu() - c0)
    return wall

CPU = {}

class Shell:
    """One client process in its shell mode (vsh's or virsh's), connected once, as bare QEMU's figures are taken from one
    process that is already running: a command's time is from writing its line to the next prompt. Its stderr goes to a
    file, read only when a command fails, so the error it printed comes with the failure."""

    def __init__(self, argv, prompt, **popen):
        self.prompt = prompt.encode()
        self.errors = tempfile.TemporaryFile()
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors, **popen)
        self.buffer = b""
        self.wait_prompt()

    def wait_prompt(self):
        deadline = time.monotonic() + 120
        while self.prompt not in self.buffer:
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk or time.monotonic() > deadline:
                raise RuntimeError(f"shell ended or hung; it said: {self.buffer[-500:]!r}; on stderr: {self.error_tail()!r}")
            self.buffer += chunk
        out, self.buffer = self.buffer, b""
        return out

    def time(self, line, expect):
        """Seconds from writing the line to the next prompt; what the command printed is kept in self.output."""
        t0 = time.monotonic()
        self.p.stdin.write(line.encode() + b"\n"); self.p.stdin.flush()
        out = self.wait_prompt()
        wall = time.monotonic() - t0
        if expect.encode() not in out:
            raise RuntimeError(f"{line!r} said {out!r}; on stderr: {self.error_tail()!r}")
        self.output = out
        return wall

    def error_tail(self):
        self.errors.seek(0)
        return self.errors.read()[-1000:]

    def close(self):
        try:
            self.p.stdin.write(b"quit\n"); self.p.stdin.close()
        except OSError:
            pass
        self.p.wait()
        self.errors.close()

class Libvirt:
    """libvirtd, qemu:///session, as nobody, everything under DIR (see the module comment)."""

    def __init__(self, work, kernel, initrd):
        self.root = os.path.join(work, "libvirt")
        home, run = os.path.join(self.root, "home"), os.path.join(self.root, "run")
        os.makedirs(home); os.makedirs(run, mode=0o700)
        for f in (kernel, initrd):
            shutil.copy(f, self.root)
        self.env = {"HOME": home, "XDG_RUNTIME_DIR": run, "XDG_CONFIG_HOME": os.path.join(home, ".config"),
                    "XDG_CACHE_HOME": os.path.join(home, ".cache"), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
        nobody = pwd.getpwnam("nobody")
        self.as_nobody = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": [], "env": self.env}
        os.chmod(work, 0o755)
        subprocess.run(["chown", "-R", f"{nobody.pw_uid}:{nobody.pw_gid}", self.root], check=True)
        self.log = open(os.path.join(work, "libvirtd.log"), "w")
        self.daemon = subprocess.Popen(["/usr/sbin/libvirtd"], stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                       start_new_session=True, cwd=self.root, **self.as_nobody)
        self.socket = os.path.join(run, "libvirt", "libvirt-sock")
        self.uri = f"qemu+unix:///session?socket={self.socket}"
        for _ in range(1200):
            if os.path.exists(self.socket): break
            time.sleep(0.05)
        xml = os.path.join(self.root, "g.xml")
        open(xml, "w").write(domain_xml(os.path.join(self.root, os.path.basename(kernel)), os.path.join(self.root, os.path.basename(initrd))))
        os.chmod(xml, 0o644)
        self.virsh("define", xml)

    def virsh(self, *args):
        return vsh("/usr/bin/virsh", self.uri, *args, **self.as_nobody)

    def shell(self):
        return Shell(["/usr/bin/virsh", "-c", self.uri], "virsh # ", **self.as_nobody)

    def stop(self):
        # virtlogd, which the session daemon starts beside itself, is in the same session (process group).
        try:
            os.killpg(self.daemon.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        self.daemon.wait()
        time.sleep(0.5)
        try:
            os.killpg(self.daemon.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

def run_state(work, key):
    """A number from the running guest's state file, which the worker keeps in virtd's run directory (qemu_pid, worker_pid)."""
    w = f"{work}/run/qemu"; st = [f for f in os.listdir(w) if f.endswith(".state")][0]
    return int(dict(l.split("=", 1) for l in open(f"{w}/{st}").read().split())[key])

def start_virtd(virtd, vmm, work):
    """virtd on the state directory WORK with VMM as its worker, once its admin socket is there: (process, URI)."""
    log = open(os.path.join(work, "virtd.log"), "w")
    daemon = subprocess.Popen([virtd, "--state-dir", work], stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                              env=dict(os.environ, VIRT_VMM_BINARY=vmm))
    for _ in range(600):
        if os.path.exists(f"{work}/run/virtd.sock"): break
        time.sleep(0.05)
    return daemon, f"virt+unix://{work}/run/virtd.sock"

def in_turn(configurations, round_index):
    """The configurations in this round's order: every other round reversed, so that none is always the one started
    right behind another's destroy (which ran destroys about 0.5 ms slower, tools/bench/README.md, seventeenth session)."""
    configurations = list(configurations)
    return configurations if round_index % 2 == 0 else configurations[::-1]

def define_with_shell(vsh, uri, work, guest):
    """The bench guest (GUEST: tools/guest/build's directory) defined through vsh, and a vsh shell connected to URI."""
    open(f"{work}/g.xml", "w").write(domain_xml(f"{guest}/vmlinuz", f"{guest}/initrd.img"))
    subprocess.run([vsh, "-c", uri, "define", f"{work}/g.xml"], check=True, stdout=subprocess.DEVNULL)
    shell = Shell([vsh, "-c", uri], "vsh # ")
    shell.time("domstate bench", "shut off")
    return shell

def domain_xml(kernel, initrd):
    return f"""<domain type='qemu'><name>bench</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='q35'>hvm</type><kernel>{kernel}</kernel><initrd>{initrd}</initrd><cmdline>console=ttyS0 panic=-1</cmdline></os>
<features><acpi/></features><devices><serial type='pty'><target port='0'/></serial><memballoon model='none'/></devices></domain>"""

def main():
    virtd, vshbin, vmm, kernel, initrd, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
    work = tempfile.mkdtemp(prefix="vb-")
    libvirt = None
    d, uri = start_virtd(virtd, vmm, work)
    try:
        xml = os.path.join(work, "g.xml")
        open(xml, "w").write(domain_xml(kernel, initrd))
        libvirt = Libvirt(work, kernel, initrd) if os.path.exists("/usr/sbin/libvirtd") and "--no-libvirt" not in sys.argv else None
        subprocess.run([vshbin, "-c", uri, "define", xml], check=True, stdout=subprocess.DEVNULL)
        shell = Shell([vshbin, "-c", uri], "vsh # ")
        lshell = libvirt.shell() if libvirt is not None else None
        for sh in (shell, lshell):
            if sh is not None:  # connect now: the connection is not part of any timed command
                sh.time("domstate bench", "shut off")
        series = {k: [] for k in ("vsh_start", "vsh_destroy", "shell_start", "shell_destroy", "bare_start", "bare_destroy",
                                  "virsh_start", "virsh_destroy", "virsh_shell_start", "virsh_shell_destroy")}
        rss = []
        argv = None
        for i in range(runs + 1):
            r = {}
            r["vsh_start"] = vsh(vshbin, uri, "start", "bench")
            if argv is None:
                argv = open(f"/proc/{run_state(work, 'qemu_pid')}/cmdline").read().split("\0")[:-1]
            time.sleep(GUEST_AGE)
            rss.append(int([l for l in open(f"/proc/{run_state(work, 'worker_pid')}/status") if l.startswith("VmRSS")][0].split()[1]))
            r["vsh_destroy"] = vsh(vshbin, uri, "destroy", "bench")
            r["shell_start"] = shell.time("start bench", "started")
            time.sleep(GUEST_AGE)
            r["shell_destroy"] = shell.time("destroy bench", "destroyed")
            r["bare_start"], r["bare_destroy"] = bare(argv, work)
            if libvirt is not None:
                r["virsh_start"] = libvirt.virsh("start", "bench")
                time.sleep(GUEST_AGE)
                r["virsh_destroy"] = libvirt.virsh("destroy", "bench")
                r["virsh_shell_start"] = lshell.time("start bench", "started")
                time.sleep(GUEST_AGE)
                r["virsh_shell_destroy"] = lshell.time("destroy bench", "destroyed")
            if i > 0:  # the first round warms caches (capabilities probe, page cache)
                for k, v in r.items():
                    series[k].append(v)
            else:
                CPU.clear()
        shell.close()
        if lshell is not None:
            lshell.close()
        med = {k: statistics.median(v) * 1000 for k, v in series.items() if v}
        result = {
            "runs": runs,
            **{k + "_ms": v for k, v in med.items()},
            "start_ratio": med["vsh_start"] / med["bare_start"], "destroy_ratio": med["vsh_destroy"] / med["bare_destroy"],
            "shell_start_ratio": med["shell_start"] / med["bare_start"], "shell_destroy_ratio": med["shell_destroy"] / med["bare_destroy"],
            "worker_rss_kib_max": max(rss), "worker": vmm, "vsh": vshbin,
            "client_cpu_ms": {k: statistics.median(v) * 1000 for k, v in CPU.items()},
            "load_average": os.getloadavg()[0],
        }
        if libvirt is not None:
            result.update({"start_vs_libvirt": med["vsh_start"] / med["virsh_start"], "destroy_vs_libvirt": med["vsh_destroy"] / med["virsh_destroy"],
                           "shell_start_vs_libvirt": med["shell_start"] / med["virsh_shell_start"],
                           "shell_destroy_vs_libvirt": med["shell_destroy"] / med["virsh_shell_destroy"]})
        r = result
        print(json.dumps(r) if "--json" in sys.argv else "\n".join([
            f"medians of {runs} runs; bare QEMU: spawn -> QMP cont answered, SIGTERM -> reaped, from one running process",
            f"start, vsh process:          {r['vsh_start_ms']:6.0f} ms vs bare QEMU {r['bare_start_ms']:4.0f} ms: {r['start_ratio']:5.2f}x (target <= 1.2x)",
            f"start, connected vsh shell:  {r['shell_start_ms']:6.0f} ms vs bare QEMU {r['bare_start_ms']:4.0f} ms: {r['shell_start_ratio']:5.2f}x (target <= 1.2x)",
            f"destroy, vsh process:        {r['vsh_destroy_ms']:6.0f} ms vs bare QEMU {r['bare_destroy_ms']:4.0f} ms: {r['destroy_ratio']:5.2f}x (target <= 1.2x)",
            f"destroy, connected vsh shell:{r['shell_destroy_ms']:6.0f} ms vs bare QEMU {r['bare_destroy_ms']:4.0f} ms: {r['shell_destroy_ratio']:5.2f}x (target <= 1.2x)",
            f"worker RSS, QEMU excluded: {max(rss) / 1024:.1f} MiB max over {len(rss)} guests (target <= 20 MiB) [{vmm}]",
        ] + ([
            f"vs libvirt (libvirtd session as nobody), target <= 0.5x: virsh start {r['virsh_start_ms']:.0f} ms ({r['start_vs_libvirt']:.2f}x), "
            f"virsh destroy {r['virsh_destroy_ms']:.0f} ms ({r['destroy_vs_libvirt']:.2f}x); "
            f"virsh shell start {r['virsh_shell_start_ms']:.0f} ms ({r['shell_start_vs_libvirt']:.2f}x), virsh shell destroy {r['virsh_shell_destroy_ms']:.0f} ms ({r['shell_destroy_vs_libvirt']:.2f}x)",
        ] if libvirt is not None else []) + [
            "client CPU per process (median ms): " + ", ".join(f"{k} {v:.0f}" for k, v in r["client_cpu_ms"].items()) + f"; load average {r['load_average']:.1f}",
        ]))
    finally:
        if libvirt is not None:
            libvirt.stop()
        d.terminate(); d.wait()
        subprocess.run(["rm", "-rf", work])

if __name__ == "__main__":
    main()
