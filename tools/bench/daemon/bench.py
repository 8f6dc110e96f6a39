#!/usr/bin/python3
"""Measures virtd + vsh next to Debian's libvirtd + virsh on this machine (see tools/bench/README.md).

Usage: bench.py --work DIR [--json] [--runs N] [--count N] [--few N] [--virtd PATH --vsh PATH | --virt-missing WHY]

Both daemons run side by side, unprivileged, as the user nobody, with every file they write inside DIR: libvirtd in
its session mode (HOME and the XDG directories point into DIR), virtd with --state-dir and --run-dir in DIR. Every
client process runs as nobody too. `run` builds virtd and vsh and calls this; DIR is its temporary directory.
"""

import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time

NOBODY = 65534
AS_NOBODY = {"user": NOBODY, "group": NOBODY, "extra_groups": []}

# The targets (tools/bench/README.md).
TARGET_LIST_RATIO_MAX = 0.5     # vsh list --all takes at most half of virsh list --all's time
TARGET_DEFINE_SPEEDUP_MIN = 3.0  # defining 1,000 domains at least 3x faster
TARGET_LIST_MANY_RATIO_MAX = 1.0  # list --all with 1,000 defined: faster than virsh
TARGET_RSS_RATIO_MAX = 1.0      # virtd's RSS with 1,000 definitions no more than libvirtd's
SETTLE_SECONDS = 3              # how long both daemons are left alone before their RSS is read

# A small x86_64 guest that libvirt's QEMU driver accepts as a definition without starting it: type 'qemu' (TCG, no
# /dev/kvm), a qcow2 disk whose file need not exist, user networking and a serial console.
DOMAIN_XML = """<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/virt-bench/{name}.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='user'>
      <model type='virtio'/>
    </interface>
    <console type='pty'/>
  </devices>
</domain>
"""


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


class Side:
    """One daemon and its CLI: how to start the daemon and how to run the client against it."""

    def __init__(self, name, work):
        self.name = name
        self.root = os.path.join(work, name)
        self.home = os.path.join(self.root, "home")
        self.process = None
        self.log_path = os.path.join(self.root, "daemon.log")
        os.makedirs(self.home)
        self.env = {
            "HOME": self.home,
            "XDG_CONFIG_HOME": os.path.join(self.home, ".config"),
            "XDG_CACHE_HOME": os.path.join(self.home, ".cache"),
            "XDG_DATA_HOME": os.path.join(self.home, ".local", "share"),
            "XDG_STATE_HOME": os.path.join(self.home, ".local", "state"),
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG": "C.UTF-8",
        }

    def start(self, pidfile):
        os.makedirs(self.socket_dir, exist_ok=True)
        subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", self.root], check=True)
        with open(self.log_path, "w") as daemon_log:
            self.process = subprocess.Popen(self.daemon_argv(), env=self.env, stdin=subprocess.DEVNULL,
                                            stdout=daemon_log, stderr=subprocess.STDOUT, start_new_session=True,
                                            **AS_NOBODY)
        with open(pidfile, "a") as pids:  # `run` kills these if this script dies without cleaning up
            pids.write(f"{self.process.pid}\n")
        deadline = time.monotonic() + 60
        while not os.path.exists(self.socket):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"{self.daemon_argv()[0]} did not create {self.socket}: {self.daemon_log_tail()}")
            time.sleep(0.05)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def daemon_log_tail(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-1500:].strip() or "(no output)"
        except OSError:
            return "(no log)"

    def memory_kib(self):
        """VmRSS and VmHWM of the daemon process, in KiB, from /proc/PID/status."""
        fields = {}
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    fields[key] = int(value.split()[0])
        return fields

    def client(self, args, stdin_text=None, check=True):
        """Runs the CLI as nobody and returns (seconds from spawn to exit, completed process)."""
        argv = self.client_argv(args)
        started = time.perf_counter()
        result = subprocess.run(argv, env=self.env, input=stdin_text, capture_output=True, text=True, **AS_NOBODY)
        elapsed = time.perf_counter() - started
        if check and (result.returncode != 0 or "error:" in result.stderr):
            raise BenchError(f"{' '.join(argv)} exited {result.returncode}: {result.stderr.strip()[-1500:]}")
        return elapsed, result

    def daemon_cpu_seconds(self):
        """User + system CPU time the daemon has used so far (/proc/PID/stat, in clock ticks)."""
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def timed_quiet(self, args):
        """Times one whole client process with its output thrown away (so no reader in this script slows it).
        Returns (wall seconds, the client's CPU seconds)."""
        argv = self.client_argv(args)
        before = children_cpu_seconds()
        started = time.perf_counter()
        code = subprocess.run(argv, env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, **AS_NOBODY).returncode
        elapsed = time.perf_counter() - started
        if code != 0:
            raise BenchError(f"{' '.join(argv)} exited {code}")
        return elapsed, children_cpu_seconds() - before

    def shell(self, commands):
        """One client process, fed the commands on standard input (virsh's and vsh's shell mode)."""
        return self.client([], stdin_text="".join(f"{command}\n" for command in commands) + "quit\n")

    def domain_names(self):
        _, result = self.client(["list", "--all", "--name"])
        return [line.strip() for line in result.stdout.splitlines() if line.strip()]


class Libvirt(Side):
    """libvirtd in session mode (qemu:///session) as nobody. A privileged libvirtd's QEMU driver insists on its
    compiled-in /etc/libvirt, /var/lib/libvirt and /run/libvirt and on the libvirt-qemu user (which only
    libvirt-daemon-system creates); the session daemon keeps everything under HOME and the XDG directories."""

    def __init__(self, work):
        super().__init__("libvirt", work)
        self.runtime = os.path.join(self.root, "run")
        self.env["XDG_RUNTIME_DIR"] = self.runtime
        self.socket_dir = os.path.join(self.runtime, "libvirt")
        self.socket = os.path.join(self.socket_dir, "libvirt-sock")
        self.uri = f"qemu+unix:///session?socket={self.socket}"
        self.daemon = "libvirtd"
        self.cli = "virsh"

    def start(self, pidfile):
        os.makedirs(self.runtime, mode=0o700)
        super().start(pidfile)

    def daemon_argv(self):
        return ["/usr/sbin/libvirtd"]

    def client_argv(self, args):
        return ["/usr/bin/virsh", "-c", self.uri, *args]

    def version(self):
        return subprocess.run(["/usr/sbin/libvirtd", "--version"], capture_output=True, text=True).stdout.strip()


class Virt(Side):
    """virtd unprivileged (its embedded default) with --state-dir and --run-dir in the work directory."""

    def __init__(self, work, virtd, vsh, virtd_args):
        super().__init__("virt", work)
        self.virtd, self.vsh, self.virtd_args = virtd, vsh, virtd_args
        self.state_dir = os.path.join(self.root, "state")
        self.socket_dir = os.path.join(self.root, "run")
        self.socket = os.path.join(self.socket_dir, "virtd.sock")
        self.uri = f"virt+unix://{self.socket}"
        self.daemon = "virtd"
        self.cli = "vsh"

    def daemon_argv(self):
        return [self.virtd, "--state-dir", self.state_dir, "--run-dir", self.socket_dir, *self.virtd_args]

    def client_argv(self, args):
        return [self.vsh, "-c", self.uri, *args]

    def version(self):
        commit = subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(__file__)), "rev-parse", "--short",
                                 "HEAD"], capture_output=True, text=True).stdout.strip()
        return f"virtd + vsh (NativeAOT) at {commit or 'unknown commit'}"


def children_cpu_seconds():
    """CPU time of every child process waited for so far; the clients run one at a time, so a difference is one
    client's. CPU time hardly changes with load from elsewhere on the machine, unlike wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median_ms(samples):
    return round(statistics.median(samples) * 1000, 2)


def summary(samples):
    return {"median_ms": median_ms(samples), "min_ms": round(min(samples) * 1000, 2),
            "max_ms": round(max(samples) * 1000, 2), "runs": len(samples)}


def write_definitions(xml_dir, names):
    paths = []
    for name in names:
        path = os.path.join(xml_dir, f"{name}.xml")
        with open(path, "w") as f:
            f.write(DOMAIN_XML.format(name=name))
        paths.append(path)
    return paths


def expect_domains(side, expected):
    names = side.domain_names()
    if sorted(names) != sorted(expected):
        raise BenchError(f"{side.cli} list --all --name shows {len(names)} domains, expected {len(expected)}")


def save_floor(directory, saves=200):
    """What one durable save costs on this file system, the way each daemon saves a definition (seen with strace):
    libvirtd writes NAME.xml.new, fsyncs it and renames it; virtd writes the change into its preallocated intent
    journal, fdatasyncs that (data only), then writes NAME.xml.tmp and renames it without a flush (Virt.Store's
    README; the batched checkpoint every 256 changes is not in this figure). The old virtd way, fsync of the file and
    of the directory, is measured too. A sequential define can be no faster than its save."""
    os.makedirs(directory)
    body = DOMAIN_XML.format(name="floor").encode() * 2  # about the size of a definition with its defaults

    def fsync_directory():
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def save(path, sync_file, sync_directory):
        fd = os.open(path + ".new", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, body)
            if sync_file:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(path + ".new", path)
        if sync_directory:
            fsync_directory()

    journal = os.open(os.path.join(directory, "journal"), os.O_RDWR | os.O_CREAT, 0o600)
    os.write(journal, b"\0" * (len(body) + 64) * saves)
    os.fsync(journal)
    fsync_directory()

    def journaled_save(path, i):
        os.pwrite(journal, body, i * (len(body) + 64))
        os.fdatasync(journal)
        save(path, False, False)

    figures = {}
    for name, sync_directory in (("file_fsync", False), ("file_and_directory_fsync", True)):
        started = time.perf_counter()
        for i in range(saves):
            save(os.path.join(directory, f"{name}-{i}.xml"), True, sync_directory)
        figures[f"{name}_ms"] = round((time.perf_counter() - started) * 1000 / saves, 3)
    started = time.perf_counter()
    for i in range(saves):
        journaled_save(os.path.join(directory, f"journal-{i}.xml"), i)
    figures["journal_fdatasync_ms"] = round((time.perf_counter() - started) * 1000 / saves, 3)
    os.close(journal)
    shutil.rmtree(directory)
    return figures


def time_lists(sides, runs, warmup=2):
    """`list --all` as whole processes, alternating between the sides run by run, so that load from elsewhere on the
    machine falls on both alike. The first `warmup` runs of each side are not counted."""
    samples = {side.name: [] for side in sides}
    client_cpu = {side.name: [] for side in sides}
    daemon_cpu = {side.name: 0.0 for side in sides}
    for run in range(warmup + runs):
        for side in (sides if run % 2 == 0 else list(reversed(sides))):
            daemon_before = side.daemon_cpu_seconds()
            elapsed, cpu = side.timed_quiet(["list", "--all"])
            if run >= warmup:
                samples[side.name].append(elapsed)
                client_cpu[side.name].append(cpu)
                daemon_cpu[side.name] += side.daemon_cpu_seconds() - daemon_before
    return {name: {**summary(values), "client_cpu_median_ms": median_ms(client_cpu[name]),
                   "daemon_cpu_mean_ms": round(daemon_cpu[name] * 1000 / runs, 2)}
            for name, values in samples.items()}


def measure(args):
    work = args.work
    os.chmod(work, 0o755)  # nobody must reach its own directories and the definition files
    xml_dir = os.path.join(work, "xml")
    os.makedirs(xml_dir)
    warm = write_definitions(xml_dir, ["bench-warmup"])
    few_names = [f"bench-few-{i}" for i in range(args.few)]
    few = write_definitions(xml_dir, few_names)
    many_names = [f"bench-{i:04d}" for i in range(args.count)]
    many = write_definitions(xml_dir, many_names)

    sides = [Libvirt(work)]
    virt_missing = args.virt_missing
    if not virt_missing:
        sides.append(Virt(work, args.virtd, args.vsh, args.virtd_arg))
    result = {"machine": {"processors": os.cpu_count(), "load_average": os.getloadavg()}, "method": {
        "runs": args.runs, "few": args.few, "count": args.count,
        "clients": "whole processes, run as nobody; list runs alternate between the two sides",
        "define": f"one client process fed {args.count} 'define FILE' lines on standard input (its shell mode), "
                  "timed from spawn to exit",
        "libvirt_mode": "libvirtd, qemu:///session as nobody, HOME/XDG in a temporary directory",
        "virt_mode": "virtd --state-dir/--run-dir in a temporary directory, as nobody",
    }}

    try:
        live = []
        for side in sides:
            log(f"starting {side.daemon}...")
            try:
                side.start(os.path.join(work, "pids"))
                # The first define also has libvirtd probe QEMU's capabilities (seconds) and gets virtd's code
                # loaded and compiled: neither belongs in the figures.
                side.shell([f"define {warm[0]}", "undefine bench-warmup"])
                expect_domains(side, [])
                live.append(side)
            except (BenchError, OSError) as error:
                if side.name == "libvirt":
                    raise
                virt_missing = f"virtd/vsh did not work: {error}"
                side.stop()
        # RSS is read from daemons at rest: what `ps` shows of a daemon between clients, after each has had
        # SETTLE_SECONDS to give back what the last burst of calls used (virtd trims its heap after a quiet second;
        # libvirtd's malloc trims as it frees). The reading right after the last call is kept too ("busy").
        time.sleep(SETTLE_SECONDS)
        for side in live:
            result[side.name] = {"version": side.version(), "idle_rss_kib": side.memory_kib()["VmRSS"]}
        if virt_missing:
            result["virt"] = {"available": False, "reason": virt_missing}

        for side in live:
            side.shell([f"define {path}" for path in few])
            expect_domains(side, few_names)
        log(f"list --all with {args.few} defined, {args.runs} runs each...")
        for name, figures in time_lists(live, args.runs).items():
            result[name]["list_few"] = figures
        for side in live:
            side.shell([f"undefine {name}" for name in few_names])
            expect_domains(side, [])

        for side in live:
            log(f"{side.cli}: defining {args.count} domains in one process...")
            client_before, daemon_before = children_cpu_seconds(), side.daemon_cpu_seconds()
            elapsed, _ = side.shell([f"define {path}" for path in many])
            client_cpu = children_cpu_seconds() - client_before
            daemon_cpu = side.daemon_cpu_seconds() - daemon_before
            expect_domains(side, many_names)
            result[side.name]["define_many"] = {"seconds": round(elapsed, 3),
                                                "per_domain_ms": round(elapsed * 1000 / args.count, 3),
                                                "client_cpu_seconds": round(client_cpu, 3),
                                                "daemon_cpu_seconds": round(daemon_cpu, 3)}
        result["machine"]["save_floor"] = save_floor(os.path.join(work, "floor"))
        log(f"list --all with {args.count} defined, {args.runs} runs each...")
        for name, figures in time_lists(live, args.runs).items():
            result[name]["list_many"] = figures
        for side in live:
            result[side.name]["rss_busy_kib"] = side.memory_kib()["VmRSS"]
        time.sleep(SETTLE_SECONDS)
        for side in live:
            memory = side.memory_kib()
            result[side.name]["rss_kib"] = memory["VmRSS"]
            result[side.name]["hwm_kib"] = memory["VmHWM"]
    finally:
        for side in sides:
            side.stop()
        pidfile = os.path.join(work, "pids")
        if os.path.exists(pidfile) and all(side.process is None or side.process.poll() is not None for side in sides):
            os.remove(pidfile)  # nothing left for `run` to clean up
    return compare(result)


def compare(result):
    ours, theirs = result["virt"], result["libvirt"]
    if ours.get("available") is False:
        result["ratios"], result["met"] = {}, {}
    else:
        ratios = {
            "list_few_ours_over_theirs": round(ours["list_few"]["median_ms"] / theirs["list_few"]["median_ms"], 3),
            "define_theirs_over_ours": round(theirs["define_many"]["seconds"] / ours["define_many"]["seconds"], 2),
            "list_many_ours_over_theirs": round(ours["list_many"]["median_ms"] / theirs["list_many"]["median_ms"], 3),
            "rss_ours_over_theirs": round(ours["rss_kib"] / theirs["rss_kib"], 3),
        }
        result["ratios"] = ratios
        result["met"] = {
            "list_few": ratios["list_few_ours_over_theirs"] <= TARGET_LIST_RATIO_MAX,
            "list_many_half": ratios["list_many_ours_over_theirs"] <= TARGET_LIST_RATIO_MAX,
            "list_many_faster": ratios["list_many_ours_over_theirs"] < TARGET_LIST_MANY_RATIO_MAX,
            "define": ratios["define_theirs_over_ours"] >= TARGET_DEFINE_SPEEDUP_MIN,
            "rss": ratios["rss_ours_over_theirs"] <= TARGET_RSS_RATIO_MAX,
        }
    result["targets"] = {"list_ratio_max": TARGET_LIST_RATIO_MAX, "define_speedup_min": TARGET_DEFINE_SPEEDUP_MIN,
                         "list_many_ratio_max": TARGET_LIST_MANY_RATIO_MAX, "rss_ratio_max": TARGET_RSS_RATIO_MAX}
    return result


def table(result):
    method, ours, theirs = result["method"], result["virt"], result["libvirt"]
    available = ours.get("available") is not False
    met, ratios = result["met"], result["ratios"]
    verdict = {True: "met", False: "MISSED"}

    def cell(side, key, fmt):
        return fmt(side[key]) if key in side else "-"

    def ms(figures):
        return f"{figures['median_ms']:.1f} ms"

    missing = "virt: not available yet"

    def speed(ratio):
        return f"{ratio:.2f}x faster" if ratio >= 1 else f"{1 / ratio:.2f}x slower"
    rows = [("", "virtd + vsh", "libvirtd + virsh", "ratio", "target", "")]
    rows.append((f"list --all, {method['few']} defined", cell(ours, "list_few", ms) if available else missing,
                 ms(theirs["list_few"]),
                 f"{ratios['list_few_ours_over_theirs']:.2f}x virsh's time" if available else "",
                 f"<= {TARGET_LIST_RATIO_MAX}x", verdict[met["list_few"]] if available else ""))
    def cpu(figures):
        return f"{figures['client_cpu_median_ms']:.1f} + {figures['daemon_cpu_mean_ms']:.1f} ms"

    rows.append(("  CPU per run, client + daemon", cell(ours, "list_few", cpu) if available else "",
                 cpu(theirs["list_few"]), "", "", ""))
    rows.append((f"define {method['count']:,}, one process", f"{ours['define_many']['seconds']:.2f} s" if available
                 else missing, f"{theirs['define_many']['seconds']:.2f} s",
                 speed(ratios["define_theirs_over_ours"]) if available else "",
                 f">= {TARGET_DEFINE_SPEEDUP_MIN:.0f}x", verdict[met["define"]] if available else ""))

    def define_cpu(figures):
        return f"{figures['client_cpu_seconds']:.2f} + {figures['daemon_cpu_seconds']:.2f} s"

    rows.append(("  CPU, client + daemon", cell(ours, "define_many", define_cpu) if available else "",
                 define_cpu(theirs["define_many"]), "", "", ""))
    rows.append((f"list --all, {method['count']:,} defined", cell(ours, "list_many", ms) if available else missing,
                 ms(theirs["list_many"]),
                 f"{ratios['list_many_ours_over_theirs']:.2f}x virsh's time" if available else "",
                 f"< 1x; <= {TARGET_LIST_RATIO_MAX}x",
                 f"{verdict[met['list_many_faster']]}; {verdict[met['list_many_half']]}" if available else ""))
    rows.append(("  CPU per run, client + daemon", cell(ours, "list_many", cpu) if available else "",
                 cpu(theirs["list_many"]), "", "", ""))
    rows.append((f"daemon RSS, {method['count']:,} defined", f"{ours['rss_kib'] / 1024:.1f} MiB" if available
                 else missing, f"{theirs['rss_kib'] / 1024:.1f} MiB",
                 f"{ratios['rss_ours_over_theirs']:.2f}x" if available else "",
                 f"<= {TARGET_RSS_RATIO_MAX:.0f}x", verdict[met["rss"]] if available else ""))
    rows.append(("  (right after the last list; peak)",
                 f"{ours['rss_busy_kib'] / 1024:.1f} MiB; {ours['hwm_kib'] / 1024:.1f} MiB" if available else "",
                 f"{theirs['rss_busy_kib'] / 1024:.1f} MiB; {theirs['hwm_kib'] / 1024:.1f} MiB", "", "", ""))
    rows.append(("  (idle RSS, none defined)", f"{ours['idle_rss_kib'] / 1024:.1f} MiB" if available else "",
                 f"{theirs['idle_rss_kib'] / 1024:.1f} MiB", "", "", ""))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [f"{theirs['version']} vs {ours.get('version', 'virt')}; {result['machine']['processors']} CPUs; "
             f"load {result['machine']['load_average'][0]:.2f}; "
             f"list: median of {method['runs']} whole processes each, alternating; define: one process in shell mode"]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    floor = result["machine"]["save_floor"]
    lines.append(f"one durable save on this disk: {floor['file_fsync_ms']:.2f} ms with libvirt's fsync of the file, "
                 f"{floor['journal_fdatasync_ms']:.2f} ms with virtd's journal record (data-only fdatasync), "
                 f"{floor['file_and_directory_fsync_ms']:.2f} ms with fsync of the file and the directory")
    if not available:
        lines.append(f"virt: {ours['reason']}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", required=True, help="an empty directory for both daemons' files")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--runs", type=int, default=30, help="list --all runs per side and case (median)")
    parser.add_argument("--count", type=int, default=1000, help="domains defined in the define and list cases")
    parser.add_argument("--few", type=int, default=3, help="domains defined in the small list case")
    parser.add_argument("--virtd", help="the virtd binary")
    parser.add_argument("--virtd-arg", action="append", default=[], help="an extra virtd argument (repeatable)")
    parser.add_argument("--vsh", help="the vsh binary")
    parser.add_argument("--virt-missing", help="measure libvirt alone and say why virt is not measured")
    args = parser.parse_args()
    if not args.virt_missing and not (args.virtd and args.vsh):
        parser.error("give --virtd and --vsh, or --virt-missing")
    if os.geteuid() != 0:
        parser.error("run as root: the daemons and clients run as nobody, which needs setuid")
    for tool in ("/usr/sbin/libvirtd", "/usr/bin/virsh"):
        if not shutil.which(tool):
            parser.error(f"{tool} is missing (run installs it)")

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    try:
        result = measure(args)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
