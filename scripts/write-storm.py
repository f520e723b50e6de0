#!/usr/bin/env python3
"""Write storm: every kind of writer at once against a real `drover server`, then a check
that every write the server acknowledged is in its store.

Writers (each a thread with its own keep-alive connection, all running at once):
  env      PUT /v1/env, a new fleet variable per request
  tags     PUT /v1/devices/D/tags, a new tag per request
  fleets   POST /v1/fleets, a new fleet per request
  enrol    POST /v1/devices with a good provisioning key (a new device per request)
  badenrol POST /v1/devices with a wrong key (must get 401 and store nothing)
  report   PATCH /v1/device/state with a rising sequence number in statusDetail
  logs     POST /v1/device/logs, batches of 20 numbered lines
  rename   PATCH /v1/devices/D {name}, a rising name, while
  move     PATCH /v1/devices/D {fleet} moves the same device between two fleets
A write counts as acknowledged when its answer is 2xx. After each round the server is stopped
(SIGTERM, or SIGKILL at a random moment with --kill), started again on the same data
directory, and every acknowledged write is looked up through the API.

Usage: write-storm.py --drover PATH [--rounds N] [--seconds S] [--kill]
Prints one line per round and a verdict; exits 1 on any lost write, refused write or unclean stop.
Only 127.0.0.1 is contacted.
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, drover, data):
        self.drover, self.data, self.port, self.proc = drover, data, free_port(), None

    def start(self):
        self.log = open(os.path.join(os.path.dirname(self.data), "server.log"), "ab")
        self.proc = subprocess.Popen(
            [self.drover, "server", "--data", self.data, "--listen", f"127.0.0.1:{self.port}", "--resolve-images", "never"],
            stdout=self.log, stderr=self.log)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"the server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                status, _ = Client(self.port, None).call("GET", "/v1/health")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        sys.exit("the server did not answer within 60 s")

    def stop(self, kill):
        if kill:
            self.proc.send_signal(signal.SIGKILL)
        else:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        crashed = not kill and self.proc.returncode not in (0, -signal.SIGTERM)
        return crashed


class Client:
    """One keep-alive connection; reconnects after a failure."""

    def __init__(self, port, token):
        self.port, self.token, self.conn = port, token, None

    def call(self, method, path, body=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        data = json.dumps(body).encode() if body is not None else None
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        return response.status, (json.loads(payload) if payload else None)


class Storm:
    def __init__(self, port, token, key, devices, round_id):
        self.port, self.token, self.key, self.devices, self.round = port, token, key, devices, round_id
        self.stop = threading.Event()
        self.killed = False
        self.lock = threading.Lock()
        self.acked = {k: [] for k in ("env", "tags", "fleets", "enrol", "badenrol", "report", "logs", "rename", "move")}
        self.errors = []  # unexpected answers (4xx/5xx) while the server was up

    def record(self, kind, item):
        with self.lock:
            self.acked[kind].append(item)

    def unexpected(self, kind, status, body):
        with self.lock:
            self.errors.append(f"{kind}: {status} {body}")

    def writer(self, kind, worker):
        client = Client(self.port, self.token)
        i = 0
        while not self.stop.is_set():
            i += 1
            tag = f"r{self.round}w{worker}n{i}"
            try:
                if kind == "env":
                    status, body = client.call("PUT", "/v1/env", {"fleet": "storm", "name": f"E_{tag}", "value": tag})
                    ok, item = status == 200, (f"E_{tag}", tag)
                elif kind == "tags":
                    device = self.devices[worker % len(self.devices)]
                    status, body = client.call("PUT", f"/v1/devices/{device['uuid']}/tags", {"set": {f"t-{tag}": tag}})
                    ok, item = status == 200, (device["uuid"], f"t-{tag}", tag)
                elif kind == "fleets":
                    status, body = client.call("POST", "/v1/fleets", {"name": f"f-{tag}"})
                    ok, item = status == 201, f"f-{tag}"
                elif kind == "enrol":
                    anonymous = Client(self.port, None)
                    anonymous.conn = client.conn
                    status, body = anonymous.call("POST", "/v1/devices", {"provisioningKey": self.key, "name": f"d-{tag}"})
                    client.conn = anonymous.conn
                    ok, item = status == 201, (body or {}).get("uuid")
                elif kind == "badenrol":
                    anonymous = Client(self.port, None)
                    anonymous.conn = client.conn
                    status, body = anonymous.call("POST", "/v1/devices", {"provisioningKey": "drvk_wrong" + tag, "name": f"bad-{tag}"})
                    client.conn = anonymous.conn
                    ok, item = status == 401, f"bad-{tag}"
                elif kind == "report":
                    device = self.devices[worker % len(self.devices)]
                    client.token = device["apiKey"]
                    status, body = client.call("PATCH", "/v1/device/state", {"status": "running", "statusDetail": f"seq {self.round} {i}"})
                    ok, item = status == 204, (device["uuid"], self.round, i)
                elif kind == "rename":
                    mover = self.devices[-1]["uuid"]
                    status, body = client.call("PATCH", f"/v1/devices/{mover}", {"name": f"mv-r{self.round}n{i:06d}"})
                    ok, item = status == 200, (mover, (self.round, i))
                elif kind == "move":
                    mover = self.devices[-1]["uuid"]
                    fleet = "storm-b" if i % 2 else "storm"
                    status, body = client.call("PATCH", f"/v1/devices/{mover}", {"fleet": fleet})
                    ok, item = status == 200, (mover, fleet)
                else:  # logs, to a device of its own, within the server's 10,000 lines per device
                    if i > 450:
                        return
                    if not hasattr(client, "device"):
                        status, client.device = Client(self.port, None).call(
                            "POST", "/v1/devices", {"provisioningKey": self.key, "name": f"logs-r{self.round}w{worker}"})
                        if status != 201:
                            del client.device
                            raise OSError(f"enrolling the log writer's device: {status}")
                    device = client.device
                    client.token = device["apiKey"]
                    lines = [{"timestamp": "2026-11-26T00:00:00.000000000Z", "service": "storm", "stream": "stdout", "message": f"{tag}-{j}"}
                             for j in range(20)]
                    status, body = client.call("POST", "/v1/device/logs", {"lines": lines})
                    ok, item = status == 204, (device["uuid"], [line["message"] for line in lines])
            except (OSError, http.client.HTTPException):
                if self.stop.is_set():
                    return
                time.sleep(0.05)  # the server is down (killed): this write was never acknowledged
                continue
            if ok:
                self.record(kind, item)
            else:
                self.unexpected(kind, status, body)


def setup(port, token):
    admin = Client(port, token)
    status, _ = admin.call("GET", "/v1/fleets/storm")
    if status == 404:
        admin.call("POST", "/v1/fleets", {"name": "storm"})
    if admin.call("GET", "/v1/fleets/storm-b")[0] == 404:
        admin.call("POST", "/v1/fleets", {"name": "storm-b"})
    status, key = admin.call("POST", "/v1/fleets/storm/keys", {})
    assert status == 201, key
    devices = []
    for n in range(5):  # the last one is renamed and moved
        status, device = Client(port, None).call("POST", "/v1/devices", {"provisioningKey": key["key"], "name": f"storm-{n}"})
        assert status == 201, device
        devices.append(device)
    return key["key"], devices


def verify(port, token, storm):
    """Returns (acknowledged, missing, problems)."""
    admin = Client(port, token)
    missing, problems = [], []
    acked = sum(len(v) for k, v in storm.acked.items())

    status, env = admin.call("GET", "/v1/env?fleet=storm")
    stored = {e["name"]: e["value"] for e in env if e.get("device") is None and e.get("service") is None}
    missing += [f"env {n}" for n, v in storm.acked["env"] if stored.get(n) != v]

    tags_by_device = {}
    for uuid, key, value in storm.acked["tags"]:
        if uuid not in tags_by_device:
            tags_by_device[uuid] = admin.call("GET", f"/v1/devices/{uuid}")[1]["tags"]
        if tags_by_device[uuid].get(key) != value:
            missing.append(f"tag {key}")

    status, fleets = admin.call("GET", "/v1/fleets")
    names = {f["name"] for f in fleets}
    missing += [f"fleet {n}" for n in storm.acked["fleets"] if n not in names]

    status, devices = admin.call("GET", "/v1/devices")
    by_uuid = {d["uuid"]: d for d in devices}
    missing += [f"device {u}" for u in storm.acked["enrol"] if u not in by_uuid]
    if any(d["name"].startswith("bad-") for d in devices):
        problems.append("a device enrolled with a wrong key")

    last = {}
    for uuid, round_id, seq in storm.acked["report"]:
        last[uuid] = max(last.get(uuid, (0, 0)), (round_id, seq))
    for uuid, (round_id, seq) in last.items():
        detail = by_uuid[uuid].get("statusDetail") or ""
        parts = detail.split()
        stored = (int(parts[1]), int(parts[2])) if len(parts) == 3 and parts[0] == "seq" else (0, 0)
        # Reports are sequential per writer; an unacknowledged one may have landed after it.
        if stored < (round_id, seq):
            missing.append(f"report of {uuid[:7]}: stored {detail!r}, acknowledged seq {round_id} {seq}")

    # A rename and a move of the same device at once must both stay: the name is the last one
    # acknowledged (or a later one that was in flight), the fleet the last one moved to.
    if storm.acked["rename"]:
        uuid = storm.acked["rename"][-1][0]
        last = max(seq for _, seq in storm.acked["rename"])
        name = by_uuid[uuid]["name"]
        parts = name[len("mv-r"):].split("n") if name.startswith("mv-r") else []
        stored = (int(parts[0]), int(parts[1])) if len(parts) == 2 else (0, 0)
        if stored < last:
            missing.append(f"rename: stored {name!r}, acknowledged mv-r{last[0]}n{last[1]:06d}")
    if storm.acked["move"] and not storm.killed:
        uuid, fleet = storm.acked["move"][-1]
        if by_uuid[uuid]["fleet"] != fleet:
            missing.append(f"move: device is in {by_uuid[uuid]['fleet']}, last acknowledged move was to {fleet}")

    shipped = {}
    for uuid, messages in storm.acked["logs"]:
        shipped.setdefault(uuid, []).extend(messages)
    for uuid, messages in shipped.items():
        status, lines = admin.call("GET", f"/v1/devices/{uuid}/logs?limit=10000&service=storm")
        have = {line["message"] for line in lines}
        lost = [m for m in messages if m not in have]
        missing += [f"log line {m}" for m in lost]
    return acked, missing, problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--drover", required=True)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--kill", action="store_true")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="drover-storm-")
    data = os.path.join(work, "data")
    server = Server(os.path.abspath(args.drover), data)
    server.start()
    token = open(os.path.join(data, "admin-token")).read().strip()
    key, devices = setup(server.port, token)
    kinds = {"env": 3, "tags": 2, "fleets": 1, "enrol": 1, "badenrol": 4, "report": 4, "logs": 2, "rename": 1, "move": 1}
    total_acked = total_missing = 0
    failed = False
    try:
        for round_id in range(1, args.rounds + 1):
            storm = Storm(server.port, token, key, devices, round_id)
            threads = [threading.Thread(target=storm.writer, args=(kind, w), daemon=True)
                       for kind, count in kinds.items() for w in range(count)]
            for t in threads:
                t.start()
            seconds = random.uniform(args.seconds / 4, args.seconds) if args.kill else args.seconds
            time.sleep(seconds)
            if args.kill:
                server.stop(kill=True)
                storm.killed = True
                storm.stop.set()
            else:
                storm.stop.set()
                for t in threads:
                    t.join(timeout=60)
                if server.stop(kill=False):
                    print(f"round {round_id}: the server did not stop cleanly (exit {server.proc.returncode})")
                    failed = True
            for t in threads:
                t.join(timeout=60)
            server.start()
            acked, missing, problems = verify(server.port, token, storm)
            total_acked += acked
            total_missing += len(missing)
            counts = ", ".join(f"{k} {len(v)}" for k, v in storm.acked.items())
            how = f"SIGKILL after {seconds:.1f} s" if args.kill else f"{seconds:.0f} s, clean stop"
            print(f"round {round_id} ({how}): {acked} acknowledged ({counts}), {len(missing)} missing, "
                  f"{len(storm.errors)} unexpected answers")
            for line in (missing[:10] + problems + storm.errors[:10]):
                print("  " + line)
            if missing or problems or storm.errors:
                failed = True
    finally:
        server.stop(kill=False)
    print(f"acknowledged writes: {total_acked}, missing after restart: {total_missing}")
    print("write storm: " + ("every acknowledged write was found" if not failed else "FAILED"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
