#!/usr/bin/python3
"""Save and restore latency and image size of the heartbeat guest: Virt (vsh) against bare QEMU and libvirt.

Virt: `vsh save bench FILE` (wall time of the vsh process: pause, stream behind the header, fsync, rename, QEMU
stopped and the shut-off committed) and `vsh restore FILE` (QEMU started with -incoming defer, the stream loaded,
cont answered and committed).
Bare QEMU, the same argv virtd ran (captured from /proc on the first start): save is QMP stop, migrate-set-parameters
max-bandwidth, migrate "exec:cat > FILE", query-migrate every 10 ms until completed, then SIGTERM until reaped (the
guest is gone afterwards, as after a save); restore is spawn with -incoming defer, QMP migrate-incoming
"exec:cat FILE", query-migrate until completed, cont answered. Bare QEMU's save does not make its image durable;
Virt's does (it fsyncs before it stops the guest, as libvirt's iohelper fdatasyncs), so the fdatasync of bare QEMU's
image, timed right after its save, is printed too, with the ratio against bare + fdatasync.
libvirt (when /usr/sbin/libvirtd exists): Debian's libvirtd in session mode as nobody (tools/bench/vmm's set-up),
`virsh save` and `virsh restore` of the same guest. Every round runs the three one after another on a guest that
has run SETTLE (8 s: booted under TCG, memory settled), so load from elsewhere hits them alike. Image size: the file each wrote. Virt's own job
durations (domjobinfo --completed) are printed too: the vsh figures include its process start-up and connection.
--format F (gzip, bzip2, xz, lzop, zstd): all three compress alike, as libvirt's qemu.conf save_image_format = "F":
virtd runs with --save-image-format F, libvirtd with that line in its session qemu.conf, and bare QEMU migrates to
"exec:F -c > FILE" (xz: -c -3, as libvirt runs it) and restores from "exec:F -dc < FILE".
"""
import json, os, pwd, shutil, signal, socket, statistics, subprocess, sys, tempfile, time

def qmp(path, deadline):
    while True:
        try:
            s = socket.socket(socket.AF_UNIX); s.connect(path); break
        except OSError:
            s.close()
            if time.monotonic() > deadline: raise
            time.sleep(0.002)
    f = s.makefile("rwb", buffering=0)
    f.readline()
    def call(cmd, args=None):
        f.write(json.dumps({"execute": cmd, **({"arguments": args} if args else {})}).encode() + b"\n")
        while True:
            line = json.loads(f.readline())
            if "error" in line: raise RuntimeError(f"{cmd}: {line['error']}")
            if "return" in line: return line["return"]
    call("qmp_capabilities")
    return s, call

def wait_migrated(call):
    while True:
        status = call("query-migrate").get("status")
        if status == "completed": return
        if status in ("failed", "cancelled"): raise RuntimeError(f"migration {status}")
        time.sleep(0.01)

def bare_argv(argv, qmp_path, incoming=False):
    args = [f"socket,id=charmonitor,path={qmp_path},server=on,wait=off" if a.startswith("socket,id=charmonitor")
            else "null,id=charserial0" if a.startswith("socket,id=charserial0") else a for a in argv]
    return args + (["-incoming", "defer"] if incoming else [])

def compressor(fmt):
    """libvirt's compress and decompress commands for a save image format (qemu_saveimage.c); None for raw."""
    if fmt == "raw": return None
    return f"{fmt} -c" + (" -3" if fmt == "xz" else ""), f"{fmt} -dc" + (" --ignore-warn" if fmt == "lzop" else "")

def bare_round(argv, work, fmt):
    path, image = os.path.join(work, "bare.qmp"), os.path.join(work, "bare.save")
    p = subprocess.Popen(bare_argv(argv, path), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    s, call = qmp(path, time.monotonic() + 60)
    call("cont")
    time.sleep(SETTLE)
    t0 = time.monotonic()
    call("stop")
    call("migrate-set-parameters", {"max-bandwidth": 8796093022207 * 1024 * 1024})
    commands = compressor(fmt)
    call("migrate", {"uri": f"exec:cat > {image}" if commands is None else f"exec:{commands[0]} > {image}"})
    wait_migrated(call)
    p.send_signal(signal.SIGTERM); p.wait()
    save = time.monotonic() - t0
    s.close()
    size = os.path.getsize(image)
    # What making that image durable adds (Virt's save fsyncs before it stops the guest, as libvirt's iohelper
    # fdatasyncs): measured right after the save, so the kernel has had a few more ms of write-back than a save has.
    fd = os.open(image, os.O_WRONLY)
    t = time.monotonic(); os.fdatasync(fd); sync = time.monotonic() - t
    os.close(fd)
    t1 = time.monotonic()
    p = subprocess.Popen(bare_argv(argv, path, incoming=True), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    s, call = qmp(path, t1 + 60)
    call("migrate-incoming", {"uri": f"exec:cat {image}" if commands is None else f"exec:{commands[1]} < {image}"})
    wait_migrated(call)
    while call("query-status")["status"] in ("inmigrate", "finish-migrate", "restore-vm"):
        time.sleep(0.005)
    call("cont")
    restore = time.monotonic() - t1
    p.send_signal(signal.SIGTERM); p.wait()
    s.close()
    os.remove(image)
    return save, restore, size, sync

class Libvirt:
    """libvirtd, qemu:///session, as nobody, everything under DIR (as tools/bench/vmm/bench.py sets it up)."""

    def __init__(self, work, kernel, initrd, fmt):
        self.root = os.path.join(work, "libvirt")
        home, run = os.path.join(self.root, "home"), os.path.join(self.root, "run")
        os.makedirs(home); os.makedirs(run, mode=0o700)
        if fmt != "raw":
            # The session daemon reads $XDG_CONFIG_HOME/libvirt/qemu.conf.
            os.makedirs(os.path.join(home, ".config", "libvirt"))
            open(os.path.join(home, ".config", "libvirt", "qemu.conf"), "w").write(f'save_image_format = "{fmt}"\n')
        for f in (kernel, initrd):
            shutil.copy(f, self.root)
        env = {"HOME": home, "XDG_RUNTIME_DIR": run, "XDG_CONFIG_HOME": os.path.join(home, ".config"),
               "XDG_CACHE_HOME": os.path.join(home, ".cache"), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
        nobody = pwd.getpwnam("nobody")
        self.as_nobody = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": [], "env": env}
        os.chmod(work, 0o755)
        subprocess.run(["chown", "-R", f"{nobody.pw_uid}:{nobody.pw_gid}", self.root], check=True)
        self.log = open(os.path.join(work, "libvirtd.log"), "w")
        self.daemon = subprocess.Popen(["/usr/sbin/libvirtd"], stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                       start_new_session=True, cwd=self.root, **self.as_nobody)
        socket_path = os.path.join(run, "libvirt", "libvirt-sock")
        self.uri = f"qemu+unix:///session?socket={socket_path}"
        for _ in range(1200):
            if os.path.exists(socket_path): break
            time.sleep(0.05)
        xml = os.path.join(self.root, "g.xml")
        open(xml, "w").write(domain_xml(os.path.join(self.root, os.path.basename(kernel)), os.path.join(self.root, os.path.basename(initrd))))
        os.chmod(xml, 0o644)
        self.virsh("define", xml)

    def virsh(self, *args):
        return timed(["/usr/bin/virsh", "-c", self.uri, *args], **self.as_nobody)

    def stop(self):
        # virtlogd, which the session daemon starts beside itself, is in the same session (process group).
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.daemon.pid, sig)
            except ProcessLookupError:
                pass
            if sig == signal.SIGTERM:
                self.daemon.wait(); time.sleep(0.5)

def domain_xml(kernel, initrd):
    return f"""<domain type='qemu'><name>bench</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='q35'>hvm</type><kernel>{kernel}</kernel><initrd>{initrd}</initrd><cmdline>console=ttyS0 panic=-1</cmdline></os>
<features><acpi/></features><devices><serial type='pty'><target port='0'/></serial><memballoon model='none'/></devices></domain>"""

SETTLE = 8.0  # seconds a guest runs before it is saved: booted (TCG) and its memory settled, in all three alike

def job_ms(vsh):
    """The last ended job's own duration (domjobinfo --completed "Time elapsed"), without vsh's start-up."""
    out = subprocess.run(vsh("domjobinfo", "bench", "--completed"), check=True, capture_output=True, text=True).stdout
    return float([l for l in out.splitlines() if l.startswith("Time elapsed:")][0].split()[2])

def timed(argv, **popen):
    t0 = time.monotonic()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, **popen)
    return time.monotonic() - t0

def main():
    virtd, vshbin, kernel, initrd, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    fmt = sys.argv[sys.argv.index("--format") + 1] if "--format" in sys.argv else "raw"
    load_start = os.getloadavg()[0]
    work = tempfile.mkdtemp(prefix="vbs-")
    log = open(os.path.join(work, "virtd.log"), "w")
    d = subprocess.Popen([virtd, "--state-dir", work, "--save-image-format", fmt], stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    uri = f"virt+unix://{work}/run/virtd.sock"
    libvirt = None
    try:
        for _ in range(600):
            if os.path.exists(f"{work}/run/virtd.sock"): break
            time.sleep(0.05)
        xml = os.path.join(work, "g.xml")
        open(xml, "w").write(domain_xml(kernel, initrd))
        vsh = lambda *a: [vshbin, "-c", uri, *a]
        subprocess.run(vsh("define", xml), check=True, stdout=subprocess.DEVNULL)
        if os.path.exists("/usr/sbin/libvirtd") and "--no-libvirt" not in sys.argv:
            libvirt = Libvirt(work, kernel, initrd, fmt)
        rows = {k: [] for k in ("vsave", "vrestore", "vsize", "vsavejob", "vrestorejob", "bsave", "bsync", "brestore", "bsize", "lsave", "lrestore", "lsize")}
        argv = None
        for i in range(runs + 1):
            image = os.path.join(work, "virt.save")
            subprocess.run(vsh("start", "bench"), check=True, stdout=subprocess.DEVNULL)
            if argv is None:
                state = dict(l.split("=", 1) for l in open(f"{work}/run/qemu/" + [f for f in os.listdir(f"{work}/run/qemu") if f.endswith(".state")][0]).read().split())
                argv = open(f"/proc/{state['qemu_pid']}/cmdline").read().split("\0")[:-1]
            time.sleep(SETTLE)
            vs = timed(vsh("save", "bench", image))
            vsj = job_ms(vsh)
            vz = os.path.getsize(image)
            vr = timed(vsh("restore", image))
            vrj = job_ms(vsh)
            subprocess.run(vsh("destroy", "bench"), check=True, stdout=subprocess.DEVNULL)
            os.remove(image)
            bs, br, bz, bf = bare_round(argv, work, fmt)
            if libvirt is not None:
                limage = os.path.join(libvirt.root, "libvirt.save")
                libvirt.virsh("start", "bench")
                time.sleep(SETTLE)
                ls = libvirt.virsh("save", "bench", limage)
                lz = os.path.getsize(limage)
                lr = libvirt.virsh("restore", limage)
                libvirt.virsh("destroy", "bench")
                os.remove(limage)
            if i == 0:
                continue  # the first round warms caches (capabilities probe, page cache, JIT)
            for k, v in (("vsave", vs), ("vrestore", vr), ("vsize", vz), ("vsavejob", vsj / 1000), ("vrestorejob", vrj / 1000), ("bsave", bs), ("bsync", bf), ("brestore", br), ("bsize", bz)):
                rows[k].append(v)
            if libvirt is not None:
                for k, v in (("lsave", ls), ("lrestore", lr), ("lsize", lz)):
                    rows[k].append(v)
        med = lambda k: statistics.median(rows[k])
        r = {"runs": runs, "format": fmt, "vsh": vshbin, "virtd": virtd, "worker": os.environ.get("VIRT_VMM_BINARY", ""), "load_average_start": load_start, "load_average": os.getloadavg()[0],
             "vsh_save_ms": med("vsave") * 1000, "vsh_restore_ms": med("vrestore") * 1000, "virt_image_bytes": med("vsize"),
             "save_job_ms": med("vsavejob") * 1000, "restore_job_ms": med("vrestorejob") * 1000,
             "bare_save_ms": med("bsave") * 1000, "bare_fdatasync_ms": med("bsync") * 1000,
             "spread_ms": {k: [round(min(rows[k]) * 1000), round(max(rows[k]) * 1000)] for k in ("vsave", "vrestore", "vsavejob", "vrestorejob", "bsave", "brestore")}, "bare_restore_ms": med("brestore") * 1000, "bare_image_bytes": med("bsize")}
        r.update({"save_vs_bare": r["vsh_save_ms"] / r["bare_save_ms"], "restore_vs_bare": r["vsh_restore_ms"] / r["bare_restore_ms"],
                  "size_vs_bare": r["virt_image_bytes"] / r["bare_image_bytes"],
                  "save_job_vs_bare": r["save_job_ms"] / r["bare_save_ms"],
                  "save_vs_bare_durable": r["vsh_save_ms"] / (r["bare_save_ms"] + r["bare_fdatasync_ms"]), "restore_job_vs_bare": r["restore_job_ms"] / r["bare_restore_ms"]})
        if rows["lsave"]:
            r.update({"virsh_save_ms": med("lsave") * 1000, "virsh_restore_ms": med("lrestore") * 1000, "libvirt_image_bytes": med("lsize")})
            r.update({"save_vs_libvirt": r["vsh_save_ms"] / r["virsh_save_ms"], "restore_vs_libvirt": r["vsh_restore_ms"] / r["virsh_restore_ms"],
                      "size_vs_libvirt": r["virt_image_bytes"] / r["libvirt_image_bytes"]})
        mib = lambda b: b / 1048576
        print(json.dumps(r) if "--json" in sys.argv else "\n".join([
            f"save image format: {fmt}",
            f"save (median of {runs}): vsh save {r['vsh_save_ms']:.0f} ms, bare QEMU stop+migrate to file+reaped {r['bare_save_ms']:.0f} ms: {r['save_vs_bare']:.2f}x (target <= 1.2x)",
            f"  bare QEMU's image made durable afterwards (fdatasync) took {r['bare_fdatasync_ms']:.0f} ms more: vsh save / (bare + fdatasync) = {r['save_vs_bare_durable']:.2f}x",
            f"restore (median of {runs}): vsh restore {r['vsh_restore_ms']:.0f} ms, bare QEMU -incoming+load+cont {r['bare_restore_ms']:.0f} ms: {r['restore_vs_bare']:.2f}x (target <= 1.2x)",
            f"the jobs alone (domjobinfo --completed, without vsh's start-up): save {r['save_job_ms']:.0f} ms: {r['save_job_vs_bare']:.2f}x bare; restore {r['restore_job_ms']:.0f} ms: {r['restore_job_vs_bare']:.2f}x bare",
            f"image: Virt {mib(r['virt_image_bytes']):.2f} MiB, bare QEMU {mib(r['bare_image_bytes']):.2f} MiB: {r['size_vs_bare']:.3f}x",
        ] + ([
            f"vs libvirt (libvirtd session as nobody): virsh save {r['virsh_save_ms']:.0f} ms: {r['save_vs_libvirt']:.2f}x; virsh restore {r['virsh_restore_ms']:.0f} ms: {r['restore_vs_libvirt']:.2f}x; image {mib(r['libvirt_image_bytes']):.2f} MiB: {r['size_vs_libvirt']:.3f}x (targets <= 1x)",
        ] if rows["lsave"] else []) + [
            "spread (min-max ms): " + ", ".join(f"{k} {a}-{b}" for k, (a, b) in r["spread_ms"].items()),
            f"load average {r['load_average_start']:.1f} at the start, {r['load_average']:.1f} at the end; {virtd}; worker {os.environ.get('VIRT_VMM_BINARY', 'virt-vmm beside virtd')}; {vshbin}"]))
    finally:
        if libvirt is not None:
            libvirt.stop()
        subprocess.run([vshbin, "-c", uri, "destroy", "bench"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        d.terminate(); d.wait()
        subprocess.run(["rm", "-rf", work])

main()
