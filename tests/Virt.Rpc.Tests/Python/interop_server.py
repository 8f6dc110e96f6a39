#!/usr/bin/python3
"""A python3-grpcio server for the virt.test.v1.Interop service, mirroring InteropService.cs.

Usage: interop_server.py --listen 127.0.0.1:0|unix:/path/rpc.sock [--gen-dir DIR] [--proto-dir DIR]

Prints "READY <address>" (with the port actually bound) once it serves, and "STOPPED" after a clean shutdown,
which happens on SIGTERM, SIGINT or end of stdin, so that a parent that dies cannot leave it running.
Exit status 3 means a dependency (python3-grpcio, protoc) is missing, 1 that the address could not be bound.
"""

import argparse
import os
import signal
import sys
import tempfile
import threading
import time
from concurrent import futures

import interop_proto

interop_proto.require_grpc()

# pylint: disable=wrong-import-position
import grpc  # noqa: E402

STATUS_BY_VALUE = {code.value[0]: code for code in grpc.StatusCode}

# Headers the transport owns; InteropService.cs never sees them either (GrpcProtocol.IsReservedHeader).
RESERVED_HEADERS = {"content-type", "te", "host", "user-agent", "content-length", "date", "server"}


def status_code(value):
    return STATUS_BY_VALUE.get(value, grpc.StatusCode.UNKNOWN)


class Interop:
    def __init__(self, pb2):
        self.pb2 = pb2

    def echo(self, request, context):
        seen = []
        for key, value in context.invocation_metadata():
            if key.startswith((":", "grpc-")) or key in RESERVED_HEADERS:
                continue
            seen.append(f"{key}=<{len(value)} bytes>" if key.endswith("-bin") else f"{key}={value}")
        return self.pb2.EchoResponse(text=request.text, payload=request.payload, seen_metadata=seen)

    def fail(self, request, context):
        if request.trailer_value:
            context.set_trailing_metadata((("x-detail", request.trailer_value),
                                           ("x-detail-bin", request.trailer_value.encode("utf-8"))))
        context.abort(status_code(request.code), request.message)

    def sleep(self, request, context):
        # The callback fires when the call ends early (client cancel, deadline), which cuts the wait short.
        ended = threading.Event()
        context.add_callback(ended.set)
        cancelled = ended.wait(request.milliseconds / 1000.0)
        return self.pb2.SleepResponse(cancelled=cancelled)

    def count(self, request, context):
        for i in range(request.count):
            if 0 < request.fail_after == i:
                context.abort(status_code(request.fail_code), f"failed after {i} messages")
            if not context.is_active():
                return
            yield self.pb2.CountResponse(value=i)
            if request.interval_ms > 0:
                time.sleep(request.interval_ms / 1000.0)

    def sum(self, request_iterator, context):  # pylint: disable=unused-argument
        total = messages = 0
        for request in request_iterator:
            total += request.value
            messages += 1
        return self.pb2.SumResponse(total=total, messages=messages)

    def chat(self, request_iterator, context):  # pylint: disable=unused-argument
        for request in request_iterator:
            yield self.pb2.EchoResponse(text=request.text, payload=request.payload)

    def size(self, request, context):  # pylint: disable=unused-argument
        return self.pb2.EchoResponse(payload=bytes(request.response_bytes))

    def handler(self):
        pb2 = self.pb2

        def method(factory, behaviour, request, response):
            return factory(behaviour, request_deserializer=request.FromString,
                           response_serializer=response.SerializeToString)

        return grpc.method_handlers_generic_handler("virt.test.v1.Interop", {
            "Echo": method(grpc.unary_unary_rpc_method_handler, self.echo, pb2.EchoRequest, pb2.EchoResponse),
            "Fail": method(grpc.unary_unary_rpc_method_handler, self.fail, pb2.FailRequest, pb2.EchoResponse),
            "Sleep": method(grpc.unary_unary_rpc_method_handler, self.sleep, pb2.SleepRequest, pb2.SleepResponse),
            "Count": method(grpc.unary_stream_rpc_method_handler, self.count, pb2.CountRequest, pb2.CountResponse),
            "Sum": method(grpc.stream_unary_rpc_method_handler, self.sum, pb2.SumRequest, pb2.SumResponse),
            "Chat": method(grpc.stream_stream_rpc_method_handler, self.chat, pb2.EchoRequest, pb2.EchoResponse),
            "Size": method(grpc.unary_unary_rpc_method_handler, self.size, pb2.SizeRequest, pb2.EchoResponse),
        })


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", required=True, help="127.0.0.1:PORT (0 picks one) or unix:/path/to/socket")
    parser.add_argument("--gen-dir", help="where generated *_pb2.py files go and are reused (default: a temp dir)")
    parser.add_argument("--proto-dir", help="directory holding interop.proto (default: ../Protos)")
    parser.add_argument("--workers", type=int, default=32, help="handler threads (streams hold one each)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="interop-pb2-") as temp_dir:
        pb2 = interop_proto.interop(args.gen_dir or temp_dir, args.proto_dir)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())

        def watch_stdin():
            # os.read, not sys.stdin: a daemon thread blocked inside a buffered reader holds its lock, and the
            # interpreter aborts at exit when it cannot take that lock (a SIGTERM stop would end in SIGABRT).
            while os.read(sys.stdin.fileno(), 4096):
                pass
            stop.set()

        server = grpc.server(futures.ThreadPoolExecutor(max_workers=args.workers))
        server.add_generic_rpc_handlers((Interop(pb2).handler(),))
        try:
            port = server.add_insecure_port(args.listen)
        except RuntimeError as error:
            port, reason = 0, str(error)
        else:
            reason = "add_insecure_port returned 0"
        if port == 0:
            print(f"interop_server: cannot listen on {args.listen}: {reason}", file=sys.stderr)
            return 1
        server.start()
        address = args.listen if args.listen.startswith("unix:") else f"{args.listen.rsplit(':', 1)[0]}:{port}"
        threading.Thread(target=watch_stdin, name="stdin-watch", daemon=True).start()
        print(f"READY {address}", flush=True)
        # A timed wait keeps the main thread responsive to signals.
        while not stop.wait(0.5):
            pass
        server.stop(grace=2).wait()
        print("STOPPED", flush=True)
        return 0


if __name__ == "__main__":
    sys.exit(main())
