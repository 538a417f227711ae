"""The child a read server forks for each document cannot reach the network (a fresh network namespace, where
the kernel allows one), runs as another user when the server runs as root, and cannot read its parent's
environment. Probed from inside a real read server's child: the probe stands in for the document parser."""

from __future__ import annotations

import ctypes
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from reading.sandbox import PROJECT_ROOT, WORKER_ENVIRONMENT
from tests.skips import skip_or_fail

CLONE_NEWNET = 0x40000000
SECRET = "hemligt-i-serverns-miljö"

# A read server whose parser is replaced by a probe: the probe reports what the child can do, as the message
# of the document error the protocol carries back.
SERVER = """
import json, os, socket, sys
import reading._read_worker as worker
from minutes.model import DocumentError

PORT = int(sys.argv[1])


def probe(data, filename):
    if filename != "dokument.probe":
        raise DocumentError("warm-up")
    found = {"uid": os.getuid(), "euid": os.geteuid(), "net": os.readlink("/proc/self/ns/net")}
    try:
        socket.create_connection(("127.0.0.1", PORT), timeout=2).close()
        found["socket"] = "connected"
    except OSError as error:
        found["socket"] = type(error).__name__
    for what in ("environ", "mem"):
        try:
            with open(f"/proc/{os.getppid()}/{what}", "rb") as file:
                found[what] = "read" if what == "mem" else file.read().decode("utf-8", "replace")
        except OSError as error:
            found[what] = type(error).__name__
    raise DocumentError(json.dumps(found))


worker.read_document = probe
sys.exit(worker.serve())
"""


def netns_permitted() -> bool:
    """Whether this kernel and this user may create a network namespace (tried in a throwaway child)."""
    pid = os.fork()
    if pid == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        os._exit(0 if libc.unshare(CLONE_NEWNET) == 0 else 1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield int(server.getsockname()[1])


def probe_child(port: int) -> dict[str, Any]:
    request = {"filename": "dokument.probe", "size": 0, "memory": 2 << 30, "cpu": 20, "timeout": 30}
    completed = subprocess.run(
        [sys.executable, "-c", SERVER, str(port)],
        input=json.dumps(request).encode() + b"\n",
        capture_output=True,
        cwd=PROJECT_ROOT,
        env={**WORKER_ENVIRONMENT, "MINUTESBOT_CLIENT_SECRET": SECRET},
        timeout=60,
        check=False,
    )
    head, _, answer = completed.stdout.partition(b"\n")
    assert json.loads(head)["status"] == 10, completed.stderr.decode()[-2000:]  # a document error: the probe
    found: dict[str, Any] = json.loads(json.loads(answer)["message"])
    return found


def test_the_child_has_no_network(listener: int) -> None:
    if not netns_permitted():
        skip_or_fail("network namespaces are not permitted here: the child keeps the host's network")
    found = probe_child(listener)
    assert found["net"] != os.readlink("/proc/self/ns/net")
    assert found["socket"] != "connected"


@pytest.mark.skipif(os.geteuid() != 0, reason="the user is changed only when the service runs as root")
def test_the_child_of_a_root_server_runs_as_another_user(listener: int) -> None:
    found = probe_child(listener)
    assert found["uid"] != 0 and found["euid"] != 0


def test_the_child_cannot_read_its_parents_environment_or_memory(listener: int) -> None:
    found = probe_child(listener)
    assert SECRET not in found["environ"] and found["environ"] in {"PermissionError", "OSError"}
    assert found["mem"] != "read"
