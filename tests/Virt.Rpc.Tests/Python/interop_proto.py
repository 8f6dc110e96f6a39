"""Generates and loads the Python protobuf modules the interop scripts need.

Modules are generated at run time with Debian's protoc (package protobuf-compiler), whose version matches
Debian's python3-protobuf; grpc_tools is deliberately not needed. Every module is loaded from its file under a
private name, so the generated "grpc/..." tree never shadows the real grpc package.
"""

import importlib.util
import os
import shutil
import subprocess
import sys

GRPC_PROTO_ROOT = "/usr/share/grpc-proto"
REFLECTION_V1ALPHA = "grpc/reflection/v1alpha/reflection.proto"
HEALTH_V1 = "grpc/health/v1/health.proto"
INTEROP = "interop.proto"

EXIT_MISSING_DEPENDENCY = 3


def fail_missing(message):
    print(f"{os.path.basename(sys.argv[0])}: {message}", file=sys.stderr)
    sys.exit(EXIT_MISSING_DEPENDENCY)


def require_grpc():
    """Imports grpc, or exits with a message naming the Debian packages (tools/setup installs them)."""
    try:
        import grpc  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
        import google.protobuf  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
    except ImportError as error:
        fail_missing(
            f"cannot import {error.name!r} with {sys.executable}: install the Debian packages python3-grpcio and "
            "python3-protobuf (tools/setup does), and run /usr/bin/python3, not another python3 on PATH")


def default_proto_dir():
    # In the test output directory Python/ and Protos/ are siblings; in the source tree too.
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "Protos")


def _protoc():
    path = shutil.which("protoc") or ("/usr/bin/protoc" if os.path.exists("/usr/bin/protoc") else None)
    if path is None:
        fail_missing("protoc not found: install the Debian package protobuf-compiler (tools/setup does)")
    return path


def _generate(proto_root, relative_path, gen_dir):
    source = os.path.join(proto_root, relative_path)
    if not os.path.exists(source):
        hint = " (Debian package grpc-proto)" if proto_root == GRPC_PROTO_ROOT else ""
        fail_missing(f"proto file {source} not found{hint}")
    output = os.path.join(gen_dir, relative_path[:-len(".proto")] + "_pb2.py")
    if os.path.exists(output) and os.path.getmtime(output) >= os.path.getmtime(source):
        return output
    os.makedirs(gen_dir, exist_ok=True)
    result = subprocess.run(
        [_protoc(), f"--proto_path={proto_root}", f"--python_out={gen_dir}", source],
        capture_output=True, text=True, check=False)
    if result.returncode != 0:
        print(f"protoc failed for {source}:\n{result.stderr}", file=sys.stderr)
        sys.exit(EXIT_MISSING_DEPENDENCY)
    return output


def _load(path, module_name):
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def generate_all(gen_dir, proto_dir=None):
    """Generates every module up front (the tests do this once, then each script run reuses them)."""
    _generate(proto_dir or default_proto_dir(), INTEROP, gen_dir)
    _generate(GRPC_PROTO_ROOT, REFLECTION_V1ALPHA, gen_dir)
    _generate(GRPC_PROTO_ROOT, HEALTH_V1, gen_dir)


def interop(gen_dir, proto_dir=None):
    return _load(_generate(proto_dir or default_proto_dir(), INTEROP, gen_dir), "virt_interop_pb2")


def reflection_v1alpha(gen_dir):
    return _load(_generate(GRPC_PROTO_ROOT, REFLECTION_V1ALPHA, gen_dir), "virt_reflection_v1alpha_pb2")


def health_v1(gen_dir):
    return _load(_generate(GRPC_PROTO_ROOT, HEALTH_V1, gen_dir), "virt_health_v1_pb2")
