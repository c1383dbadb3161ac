"""A two-node Ray cluster on loopback, started with `ray start` the way an operator would, and stopped
completely (no gcs_server, raylet or worker process left) whatever the test did.

Why 127.0.0.2 and 127.0.0.3, not 127.0.0.1: on Linux Ray (2.60) rewrites "127.0.0.1"/"localhost" in
`--node-ip-address`, `--address` and `ray.init(address=..., _node_ip_address=...)` to the machine's
outward address (`services.resolve_ip_for_localhost`; the only switch that turns it off,
RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0, also refuses to start a second node). Every 127.x.y.z is loopback on
Linux, and Ray keeps any other one as given, so both nodes and the driver stay on loopback; distinct
addresses also make the two nodes distinguishable in `ray.nodes()`.

The nodes and the driver share a token of our own (RAY_AUTH_MODE=token, RAY_AUTH_TOKEN_PATH): a head
started without an explicit mode enables token auth with ~/.ray/auth_token, which `ray start --address`
does not pick up, so the second node was refused; and no test should depend on a file in $HOME.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

HEAD_IP = "127.0.0.2"
WORKER_IP = "127.0.0.3"
RAY = Path(sys.executable).with_name("ray")
START_TIMEOUT = 180.0  # a loaded core: a node's start has taken over a minute


@contextlib.contextmanager
def loopback_cluster(cpus_per_node: int = 1) -> Iterator[str]:
    """Start a head and a second node, connect this process as the driver; yields the GCS address."""
    import ray

    if ray.is_initialized():
        ray.shutdown()
    # Short: Ray's unix sockets live under it, and a socket path may not exceed 107 bytes.
    root = Path(tempfile.mkdtemp(prefix="cg-ray-", dir="/tmp"))
    token = root / "token"
    token.write_text(secrets.token_hex(32))
    env = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token), "RAY_USAGE_STATS_ENABLED": "0"}
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    _reset_ray_auth()
    nodes: list[subprocess.Popen[bytes]] = []
    try:
        address = _start_head(root, cpus_per_node, nodes)
        _start_worker(root, address, cpus_per_node, nodes)
        yield address
    finally:
        ray.shutdown()
        leftovers = _stop(nodes)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        _reset_ray_auth()
        if not leftovers:  # otherwise the logs are what explains it
            shutil.rmtree(root, ignore_errors=True)
    if leftovers:
        raise RuntimeError(f"Ray processes survived the cluster's stop: {leftovers}; logs in {root}")


def alive_nodes() -> list[dict[str, object]]:
    import ray

    return [node for node in ray.nodes() if node["Alive"]]


def _start_head(root: Path, cpus: int, nodes: list[subprocess.Popen[bytes]]) -> str:
    import ray

    # Ray gives a starting raylet a fixed time to register, which a loaded core can miss (`ray start`
    # then exits): a head that exits is started again, on a fresh port.
    for attempt in range(3):
        port = _free_port_below_10000()
        address = f"{HEAD_IP}:{port}"
        head = _node(root, f"head{attempt}", "--head", "--port", str(port), "--include-dashboard", "false", cpus=cpus)
        nodes.append(head)
        deadline = time.monotonic() + START_TIMEOUT
        while head.poll() is None:
            try:
                ray.init(address=address, log_to_driver=False)
                return address
            except Exception:
                ray.shutdown()
                if time.monotonic() > deadline:
                    raise
                time.sleep(2)
    raise RuntimeError(f"the ray head did not start; see {root}/*.log")


def _start_worker(root: Path, address: str, cpus: int, nodes: list[subprocess.Popen[bytes]]) -> None:
    for attempt in range(3):
        worker = _node(root, f"worker{attempt}", "--address", address, ip=WORKER_IP, cpus=cpus)
        nodes.append(worker)
        deadline = time.monotonic() + START_TIMEOUT
        while worker.poll() is None:
            if {node["NodeManagerAddress"] for node in alive_nodes()} == {HEAD_IP, WORKER_IP}:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the second ray node did not join; see {root}/*.log")
            time.sleep(1)
    raise RuntimeError(f"the second ray node did not start; see {root}/*.log")


def _node(root: Path, name: str, *args: str, cpus: int, ip: str = HEAD_IP) -> subprocess.Popen[bytes]:
    # --block: `ray start` stays in the foreground and stops its node when terminated; its own session
    # (process group) lets the stop reach whatever it leaves behind, and nothing else.
    cmd = [str(RAY), "start", "--block", "--node-ip-address", ip, "--num-cpus", str(cpus)]
    cmd += ["--temp-dir", str(root / name), *args]
    log = (root / f"{name}.log").open("wb")
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(nodes: list[subprocess.Popen[bytes]]) -> list[str]:
    """Terminate the `ray start` processes (workers first), then kill what is left in their process
    groups; returns the processes that still survived (none, normally)."""
    groups = {proc.pid for proc in nodes}
    for proc in reversed(nodes):
        if proc.poll() is None:
            proc.terminate()
    for proc in reversed(nodes):
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    for pgid in groups:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while (left := _members(groups)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


def _members(groups: set[int]) -> list[str]:
    found = []
    for proc in psutil.process_iter(["pid", "name"]):
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            if os.getpgid(proc.pid) in groups and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(f"{proc.pid} {proc.info['name']}")
    return found


def _free_port_below_10000() -> int:
    for port in range(6391, 6500):
        with socket.socket() as s:
            try:
                s.bind(("", port))  # the GCS listens on every interface
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 6391-6499")


def _reset_ray_auth() -> None:
    """Make this process read the token settings again (Ray caches both the mode and the token)."""
    from ray._raylet import AuthenticationTokenLoader, Config

    Config.initialize("")
    AuthenticationTokenLoader.instance().reset_cache()
