#!/usr/bin/python3
"""A python3-grpcio client for the virt.test.v1.Interop service, used to prove wire compatibility.

Usage: interop_client.py --target unix:/path/rpc.sock|127.0.0.1:PORT [--gen-dir DIR] [--proto-dir DIR] SCENARIO...
       interop_client.py --gen-dir DIR --generate-only

Prints one JSON object per scenario on stdout, in order. Outcomes a scenario is about (an error status, a deadline)
are reported in the JSON for the caller to judge; anything unexpected ends the run with exit status 1 and a message
on stderr. Exit status 3 means a dependency (python3-grpcio, protoc, grpc-proto) is missing, 2 a usage error.
"""

import argparse
import base64
import json
import queue
import shutil
import sys
import tempfile
import time

import interop_proto

interop_proto.require_grpc()

# pylint: disable=wrong-import-position
import grpc  # noqa: E402
from google.protobuf import descriptor_pool, message_factory  # noqa: E402

SERVICE = "/virt.test.v1.Interop/"
CALL_TIMEOUT = 10.0
ERROR_MESSAGE = "domain 'vm1' not found: 100% \u00fcn\u00efc\u00f8d\u00e9\nline2"


class ScenarioError(Exception):
    pass


def b64(data):
    return base64.b64encode(data).decode("ascii")


def metadata_json(metadata):
    # Binary values (keys ending in -bin) arrive as bytes; JSON carries them as base64.
    return [[key, b64(value) if isinstance(value, bytes) else value] for key, value in (metadata or ())]


class Client:
    def __init__(self, channel, gen_dir, proto_dir):
        self.channel = channel
        self.gen_dir = gen_dir
        self.proto_dir = proto_dir
        self._pb2 = None

    @property
    def pb2(self):
        # Loaded on first use, so that the reflection scenario runs with nothing about Interop in the process.
        if self._pb2 is None:
            self._pb2 = interop_proto.interop(self.gen_dir, self.proto_dir)
        return self._pb2

    def method(self, kind, name, request, response):
        factory = getattr(self.channel, kind)
        return factory(SERVICE + name, request_serializer=request.SerializeToString,
                       response_deserializer=response.FromString)

    def unary(self):
        pb2 = self.pb2
        echo = self.method("unary_unary", "Echo", pb2.EchoRequest, pb2.EchoResponse)
        metadata = (("x-user", "alice"), ("x-token-bin", bytes([0, 1, 2, 255])))
        response, call = echo.with_call(pb2.EchoRequest(text="h\u00e9llo", payload=b"p"), metadata=metadata,
                                        timeout=CALL_TIMEOUT)
        return {"code": call.code().name, "text": response.text, "payload": b64(response.payload),
                "seen_metadata": list(response.seen_metadata)}

    def large_unary(self):
        # Larger than the HTTP/2 default windows (64 KiB) in both directions, so flow control has to work.
        pb2 = self.pb2
        echo = self.method("unary_unary", "Echo", pb2.EchoRequest, pb2.EchoResponse)
        payload = bytes(i % 251 for i in range(3 * 1024 * 1024))
        response = echo(pb2.EchoRequest(payload=payload), timeout=CALL_TIMEOUT)
        return {"sent_bytes": len(payload), "received_bytes": len(response.payload),
                "identical": response.payload == payload}

    def error(self):
        pb2 = self.pb2
        fail = self.method("unary_unary", "Fail", pb2.FailRequest, pb2.EchoResponse)
        try:
            fail(pb2.FailRequest(code=grpc.StatusCode.NOT_FOUND.value[0], message=ERROR_MESSAGE, trailer_value="why"),
                 timeout=CALL_TIMEOUT)
        except grpc.RpcError as error:
            return {"code": error.code().name, "code_value": error.code().value[0], "details": error.details(),
                    "trailers": metadata_json(error.trailing_metadata())}
        return {"code": "OK"}

    def server_streaming(self):
        pb2 = self.pb2
        count = self.method("unary_stream", "Count", pb2.CountRequest, pb2.CountResponse)
        call = count(pb2.CountRequest(count=50), timeout=CALL_TIMEOUT)
        values = [message.value for message in call]
        return {"code": call.code().name, "values": values}

    def server_streaming_error(self):
        pb2 = self.pb2
        count = self.method("unary_stream", "Count", pb2.CountRequest, pb2.CountResponse)
        call = count(pb2.CountRequest(count=10, fail_after=3, fail_code=grpc.StatusCode.ABORTED.value[0]),
                     timeout=CALL_TIMEOUT)
        values = []
        try:
            for message in call:
                values.append(message.value)
        except grpc.RpcError as error:
            return {"code": error.code().name, "details": error.details(), "values": values}
        return {"code": "OK", "values": values}

    def client_streaming(self):
        pb2 = self.pb2
        total = self.method("stream_unary", "Sum", pb2.SumRequest, pb2.SumResponse)
        response = total((pb2.SumRequest(value=i) for i in range(1, 101)), timeout=CALL_TIMEOUT)
        return {"total": response.total, "messages": response.messages}

    def bidi(self):
        pb2 = self.pb2
        chat = self.method("stream_stream", "Chat", pb2.EchoRequest, pb2.EchoResponse)
        outgoing = queue.Queue()

        def requests():
            while (item := outgoing.get()) is not None:
                yield item

        call = chat(requests(), timeout=CALL_TIMEOUT)
        # Each request waits for the previous response, which only a truly bidirectional stream can deliver.
        texts = []
        for i in range(20):
            outgoing.put(pb2.EchoRequest(text=f"m{i}"))
            texts.append(next(call).text)
        outgoing.put(None)
        after_close = [message.text for message in call]
        return {"code": call.code().name, "texts": texts, "after_close": after_close}

    def data_chat(self):
        # Payload-only requests: the C# server echoes each as a data message it writes without building it
        # (IDataMessageWriter); grpcio must parse those as ordinary EchoResponses.
        pb2 = self.pb2
        chat = self.method("stream_stream", "Chat", pb2.EchoRequest, pb2.EchoResponse)
        sizes = [1, 127, 128, 16383, 16384, 16385, 60000]
        payloads = [bytes((i * 31 + seed) % 256 for i in range(size)) for seed, size in enumerate(sizes)]
        responses = list(chat(iter([pb2.EchoRequest(payload=p) for p in payloads]), timeout=CALL_TIMEOUT))
        return {"sizes": [len(r.payload) for r in responses],
                "identical": [r.payload == p and r.text == "" for r, p in zip(responses, payloads)]}

    def deadline(self):
        pb2 = self.pb2
        sleep = self.method("unary_unary", "Sleep", pb2.SleepRequest, pb2.SleepResponse)
        start = time.monotonic()
        try:
            sleep(pb2.SleepRequest(milliseconds=5000), timeout=0.3)
            code = "OK"
        except grpc.RpcError as error:
            code = error.code().name
        return {"code": code, "elapsed_ms": round((time.monotonic() - start) * 1000, 1)}

    def reflection(self):
        refl = interop_proto.reflection_v1alpha(self.gen_dir)
        info = self.channel.stream_stream(
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
            request_serializer=refl.ServerReflectionRequest.SerializeToString,
            response_deserializer=refl.ServerReflectionResponse.FromString)
        requests = [refl.ServerReflectionRequest(list_services=""),
                    refl.ServerReflectionRequest(file_containing_symbol="virt.test.v1.Interop")]
        responses = list(info(iter(requests), timeout=CALL_TIMEOUT))
        if len(responses) != 2:
            raise ScenarioError(f"reflection answered {len(responses)} responses to 2 requests")
        for response in responses:
            if response.HasField("error_response"):
                raise ScenarioError(f"reflection error {response.error_response.error_code}: "
                                    f"{response.error_response.error_message}")
        services = [service.name for service in responses[0].list_services_response.service]
        files = list(responses[1].file_descriptor_response.file_descriptor_proto)

        # What grpcurl does: a fresh pool from the returned FileDescriptorProtos, dependencies first.
        from google.protobuf import descriptor_pb2  # pylint: disable=import-outside-toplevel
        pending = {}
        for data in files:
            proto = descriptor_pb2.FileDescriptorProto.FromString(data)
            pending[proto.name] = (proto, data)
        file_names = sorted(pending)
        pool = descriptor_pool.DescriptorPool()
        added = set()
        while pending:
            ready = [name for name, (proto, _) in pending.items() if all(dep in added for dep in proto.dependency)]
            if not ready:
                raise ScenarioError(f"reflection did not return the dependencies of {sorted(pending)}")
            for name in ready:
                pool.AddSerializedFile(pending.pop(name)[1])
                added.add(name)

        service = pool.FindServiceByName("virt.test.v1.Interop")
        method = service.methods_by_name["Echo"]
        factory = message_factory.MessageFactory(pool)
        request_class = factory.GetPrototype(method.input_type)
        response_class = factory.GetPrototype(method.output_type)
        echo = self.channel.unary_unary(f"/{service.full_name}/{method.name}",
                                        request_serializer=request_class.SerializeToString,
                                        response_deserializer=response_class.FromString)
        request = request_class()
        setattr(request, "text", "found by reflection")
        response = echo(request, timeout=CALL_TIMEOUT)
        return {"services": services, "files": file_names,
                "methods": [m.name for m in service.methods],
                "echo_input_type": method.input_type.full_name,
                "echo_output_type": method.output_type.full_name,
                "echo_text": getattr(response, "text"),
                "echo_response_fields": [field.name for field in response_class.DESCRIPTOR.fields]}

    def health(self):
        health = interop_proto.health_v1(self.gen_dir)
        check = self.channel.unary_unary("/grpc.health.v1.Health/Check",
                                         request_serializer=health.HealthCheckRequest.SerializeToString,
                                         response_deserializer=health.HealthCheckResponse.FromString)
        status_name = health.HealthCheckResponse.ServingStatus.Name
        result = {}
        for key, service in (("overall", ""), ("interop", "virt.test.v1.Interop"), ("unknown", "no.such.Service")):
            try:
                result[key] = status_name(check(health.HealthCheckRequest(service=service), timeout=CALL_TIMEOUT).status)
            except grpc.RpcError as error:
                result[key] = error.code().name
        return result


SCENARIOS = ["unary", "large_unary", "error", "server_streaming", "server_streaming_error", "client_streaming",
             "bidi", "data_chat", "deadline", "reflection", "health"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", help="unix:/path/to/socket or 127.0.0.1:PORT")
    parser.add_argument("--gen-dir", help="where generated *_pb2.py files go and are reused (default: a temp dir)")
    parser.add_argument("--proto-dir", help="directory holding interop.proto (default: ../Protos)")
    parser.add_argument("--generate-only", action="store_true", help="generate the modules and exit")
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO", help=", ".join(SCENARIOS))
    args = parser.parse_args()

    temp_dir = None
    gen_dir = args.gen_dir
    if gen_dir is None:
        gen_dir = temp_dir = tempfile.mkdtemp(prefix="interop-pb2-")
    try:
        if args.generate_only:
            interop_proto.generate_all(gen_dir, args.proto_dir)
            return 0
        unknown = [name for name in args.scenarios if name not in SCENARIOS]
        if not args.target or not args.scenarios or unknown:
            parser.error(f"need --target and scenarios from: {', '.join(SCENARIOS)}"
                         + (f" (unknown: {', '.join(unknown)})" if unknown else ""))
        with grpc.insecure_channel(args.target) as channel:
            try:
                grpc.channel_ready_future(channel).result(timeout=CALL_TIMEOUT)
            except grpc.FutureTimeoutError:
                print(f"interop_client: could not connect to {args.target} within {CALL_TIMEOUT} s", file=sys.stderr)
                return 1
            client = Client(channel, gen_dir, args.proto_dir)
            for name in args.scenarios:
                try:
                    result = getattr(client, name)()
                except grpc.RpcError as error:
                    print(f"interop_client: scenario {name}: unexpected status {error.code().name}: {error.details()}",
                          file=sys.stderr)
                    return 1
                except ScenarioError as error:
                    print(f"interop_client: scenario {name}: {error}", file=sys.stderr)
                    return 1
                print(json.dumps({"scenario": name, **result}), flush=True)
        return 0
    finally:
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
