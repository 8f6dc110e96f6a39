#!/usr/bin/python3
"""What a durable save's stream costs, on bare QEMU: how QEMU writes the image and how it is made durable, in turn.

    durable.py KERNEL INITRD [ROUNDS] [VARIANT...]

One bare QEMU runs the heartbeat guest (128 MiB, TCG) for 8 s; then, ROUNDS times, each variant saves it once (QMP
stop, unlimited max-bandwidth, migrate, query-migrate every 1 ms until completed, the writer's end awaited), the
image is made durable as the variant says, and the guest is continued for the next one; variants alternate, so load
from elsewhere hits them alike. Every image gets a 4 KiB header first, as Virt's. Variants (default: all):
  cat:nosync        migrate exec:cat >> FILE, nothing made durable: the bench's bare QEMU reference (tools/bench/save)
  cat:none          exec:cat, then one fdatasync: bare QEMU + fdatasync
  cat:fds20         exec:cat, fdatasync every 20 ms while it streams, then one more (Virt's SyncBehind before 2026-12-01)
  cat:sfr+fds20     exec:cat, sync_file_range(WRITE) of each whole MiB appended (looked at every 2 ms) and fdatasync
                    every 20 ms while it streams, then one more (SyncBehind since)
  fd:nosync, fd:none, fd:fds20, fd:sfr+fds20   the same with QEMU writing the file itself (getfd + migrate fd:, the
                    file opened O_APPEND and passed over QMP), as Virt's raw save does since 2026-12-01
Prints per variant the medians of: the stream (migrate until completed and the writer done), the sync after it, and
the total, with every round's total and the ratio of each total to cat:nosync's.
"""
import ctypes, json, os, shutil, socket, statistics, subprocess, sys, tempfile, threading, time

libc = ctypes.CDLL("libc.so.6", use_errno=True)
libc.sync_file_range.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
SYNC_FILE_RANGE_WRITE = 2
VARIANTS = ["cat:nosync", "cat:none", "cat:fds20", "cat:sfr+fds20", "fd:nosync", "fd:none", "fd:fds20", "fd:sfr+fds20"]


class Qemu:
    def __init__(self, work, kernel, initrd):
        path = os.path.join(work, "qmp")
        self.process = subprocess.Popen(["qemu-system-x86_64", "-machine", "q35,usb=off", "-accel", "tcg", "-m", "128", "-smp", "1",
                                         "-display", "none", "-nodefaults", "-no-user-config", "-kernel", kernel, "-initrd", initrd,
                                         "-append", "console=ttyS0 panic=-1", "-chardev", f"socket,id=mon,path={path},server=on,wait=off",
                                         "-mon", "chardev=mon,mode=control", "-serial", "null"],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(3000):
            try:
                self.socket = socket.socket(socket.AF_UNIX); self.socket.connect(path); break
            except OSError:
                self.socket.close(); time.sleep(0.01)
        self.file = self.socket.makefile("rwb", buffering=0)
        self.file.readline()
        self.call("qmp_capabilities")

    def call(self, command, arguments=None, fd=None):
        data = json.dumps({"execute": command, **({"arguments": arguments} if arguments else {})}).encode() + b"\n"
        if fd is None:
            self.file.write(data)
        else:
            socket.send_fds(self.socket, [data], [fd])
        while True:
            line = json.loads(self.file.readline())
            if "error" in line: raise RuntimeError(f"{command}: {line['error']}")
            if "return" in line: return line["return"]


class Behind:
    """The sync-behind thread of a variant: fds20 or sfr+fds20."""

    def __init__(self, fd, mode):
        self.fd, self.mode, self.stop = fd, mode, threading.Event()
        self.thread = threading.Thread(target=self.run); self.thread.start()

    def run(self):
        started, last_sync = 0, time.monotonic()
        while not self.stop.wait(0.02 if self.mode == "fds20" else 0.002):
            if self.mode == "sfr+fds20":
                whole = os.fstat(self.fd).st_size & ~((1 << 20) - 1)
                if whole > started:
                    libc.sync_file_range(self.fd, started, whole - started, SYNC_FILE_RANGE_WRITE)
                    started = whole
            if self.mode == "fds20" or time.monotonic() - last_sync >= 0.02:
                os.fdatasync(self.fd); last_sync = time.monotonic()


def save(qemu, work, variant):
    image, closed = os.path.join(work, "image"), os.path.join(work, "image.closed")
    for path in (image, closed):
        if os.path.exists(path): os.remove(path)
    fd = os.open(image, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.write(fd, b"\0" * 4096)
    writer, mode = variant.split(":")
    t0 = time.monotonic()
    qemu.call("stop")
    qemu.call("migrate-set-parameters", {"max-bandwidth": 8796093022207 * 1024 * 1024})
    behind = Behind(fd, mode) if mode in ("fds20", "sfr+fds20") else None
    if writer == "fd":
        qemu.call("getfd", {"fdname": "image"}, fd=fd)
        qemu.call("migrate", {"uri": "fd:image"})
    else:
        qemu.call("migrate", {"uri": f"exec:cat >> {image} && : > {closed}"})
    while (status := qemu.call("query-migrate")["status"]) != "completed":
        if status in ("failed", "cancelled"): raise RuntimeError(f"{variant}: {status}")
        time.sleep(0.001)
    delay = 0.001
    while writer == "cat" and not os.path.exists(closed):
        time.sleep(delay); delay = min(delay * 2, 0.05)
    t1 = time.monotonic()
    if behind: behind.stop.set()  # the final fdatasync does not wait for one in progress (as SyncBehind.Stop)
    if mode != "nosync": os.fdatasync(fd)
    t2 = time.monotonic()
    if behind: behind.thread.join()
    os.close(fd)
    qemu.call("cont")
    return (t1 - t0) * 1000, (t2 - t1) * 1000, (t2 - t0) * 1000


def main():
    kernel, initrd = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    variants = sys.argv[4:] or VARIANTS
    load = os.getloadavg()[0]
    work = tempfile.mkdtemp(prefix="vdur-", dir=os.environ.get("TMPDIR", "/var/tmp"))
    qemu = Qemu(work, kernel, initrd)
    try:
        qemu.call("cont"); time.sleep(8)
        results = {v: [] for v in variants}
        for _ in range(rounds):
            for variant in variants:
                time.sleep(1)
                results[variant].append(save(qemu, work, variant))
        med = lambda v, i: statistics.median(r[i] for r in results[v])
        reference = med(variants[0], 2)
        for v in variants:
            print(f"{v:14s} stream {med(v, 0):6.1f} ms  sync after {med(v, 1):5.1f} ms  total {med(v, 2):6.1f} ms  "
                  f"{med(v, 2) / reference:.2f}x {variants[0]}  (totals {' '.join(f'{r[2]:.0f}' for r in results[v])})")
        print(f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; {rounds} rounds; images in {os.path.dirname(work)}")
    finally:
        qemu.process.terminate(); qemu.process.wait()
        shutil.rmtree(work)


main()
