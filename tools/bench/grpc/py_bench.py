#!/usr/bin/python3
"""The python3-grpcio reference for RpcBench: unary Echo, python client -> python server, over a Unix socket.

The server is tests/Virt.Rpc.Tests/Python/interop_server.py in its own process (in one process the client and server
would share the GIL, which would understate python). Measures sequential p50/p99 latency and the throughput of N
concurrent callers, both as N threads making blocking calls and as N futures kept in flight; the better of the two
is python's throughput. Prints a table, or JSON with --json.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, os.pardir))
INTEROP_DIR = os.path.join(REPO, "tests", "Virt.Rpc.Tests")
sys.path.insert(0, os.path.join(INTEROP_DIR, "Python"))

import interop_proto  # noqa: E402  pylint: disable=wrong-import-position

interop_proto.require_grpc()

import grpc  # noqa: E402  pylint: disable=wrong-import-position


def percentiles(samples_ns):
    samples = sorted(samples_ns)

    def at(q):
        return samples[max(0, math.ceil(q * len(samples)) - 1)] / 1000.0

    return {"calls": len(samples), "mean_us": round(sum(samples) / len(samples) / 1000.0, 1),
            "p50_us": round(at(0.50), 1), "p90_us": round(at(0.90), 1), "p99_us": round(at(0.99), 1),
            "max_us": round(samples[-1] / 1000.0, 1)}


def sequential(echo, request, calls):
    samples = []
    clock = time.perf_counter_ns
    for _ in range(calls):
        start = clock()
        echo(request)
        samples.append(clock() - start)
    return percentiles(samples)


def threads(echo, request, callers, duration):
    end = time.perf_counter() + duration
    counts = [0] * callers

    def caller(index):
        n = 0
        while time.perf_counter() < end:
            echo(request)
            n += 1
        counts[index] = n

    start = time.perf_counter()
    workers = [threading.Thread(target=caller, args=(i,)) for i in range(callers)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    return {"callers": callers, "calls": sum(counts), "seconds": round(elapsed, 3),
            "calls_per_second": round(sum(counts) / elapsed)}


def futures(echo, request, callers, duration):
    # Each completion starts the next call, so exactly `callers` calls are in flight until the time is up.
    end = time.perf_counter() + duration
    lock = threading.Lock()
    state = {"calls": 0, "in_flight": callers, "error": None}
    done = threading.Event()

    def completed(future):
        error = future.exception()
        with lock:
            if error is not None and state["error"] is None:
                state["error"] = error
            state["calls"] += error is None
            again = error is None and time.perf_counter() < end
            if not again:
                state["in_flight"] -= 1
                if state["in_flight"] == 0:
                    done.set()
        # Outside the lock: a future that is already done runs its callback at once, in this thread.
        if again:
            echo.future(request).add_done_callback(completed)

    start = time.perf_counter()
    for _ in range(callers):
        echo.future(request).add_done_callback(completed)
    done.wait()
    elapsed = time.perf_counter() - start
    if state["error"] is not None:
        raise state["error"]
    return {"callers": callers, "calls": state["calls"], "seconds": round(elapsed, 3),
            "calls_per_second": round(state["calls"] / elapsed)}


def start_server(directory):
    socket = os.path.join(directory, "py.sock")
    server = subprocess.Popen(
        [sys.executable, "-B", os.path.join(INTEROP_DIR, "Python", "interop_server.py"), "--listen", f"unix:{socket}",
         "--gen-dir", directory, "--proto-dir", os.path.join(INTEROP_DIR, "Protos")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    if not line.startswith("READY "):
        server.kill()
        server.wait()
        sys.exit(f"py_bench: interop_server.py did not start (said {line!r})")
    return server, line.split(" ", 1)[1].strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000, help="sequential calls timed (default 20000)")
    parser.add_argument("--warmup", type=int, default=2000, help="untimed calls first (default 2000)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per throughput run (default 5)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent callers (default 16)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="virt-pybench-")
    server = None
    try:
        pb2 = interop_proto.interop(directory, os.path.join(INTEROP_DIR, "Protos"))
        server, address = start_server(directory)
        with grpc.insecure_channel(address) as channel:
            echo = channel.unary_unary("/virt.test.v1.Interop/Echo",
                                       request_serializer=pb2.EchoRequest.SerializeToString,
                                       response_deserializer=pb2.EchoResponse.FromString)
            request = pb2.EchoRequest(text="ping")
            for _ in range(args.warmup):
                echo(request)
            unary = sequential(echo, request, args.calls)
            by_threads = threads(echo, request, args.concurrency, args.duration)
            by_futures = futures(echo, request, args.concurrency, args.duration)
    finally:
        if server is not None:
            server.stdin.close()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(directory, ignore_errors=True)

    best = max(by_threads, by_futures, key=lambda r: r["calls_per_second"])
    result = {"implementation": "python3-grpcio " + grpc.__version__, "transport": "unix",
              "processors": os.cpu_count(), "unary": unary,
              "concurrent": {**best, "mode": "threads" if best is by_threads else "futures"},
              "concurrent_threads": by_threads, "concurrent_futures": by_futures}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"python3-grpcio {grpc.__version__} unary Echo over a Unix socket ({os.cpu_count()} CPUs)")
        print(f"  sequential  {unary['calls']:8d} calls  p50 {unary['p50_us']:7.1f} us  p90 {unary['p90_us']:7.1f} us"
              f"  p99 {unary['p99_us']:7.1f} us  mean {unary['mean_us']:7.1f} us")
        print(f"  {args.concurrency:2d} threads  {by_threads['calls_per_second']:8d} calls/s")
        print(f"  {args.concurrency:2d} futures  {by_futures['calls_per_second']:8d} calls/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
