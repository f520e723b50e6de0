#!/usr/bin/env python3
"""Webhook storm: a steady stream of events to a loopback receiver, a kill -9 of the server in
the middle, and a count of what arrived.

A release `drover server` gets WEBHOOKS organisation-wide webhooks (each with its own secret)
that hear release.created, all pointing at a receiver on 127.0.0.1 that checks every
signature (HMAC-SHA256 over "<t>.<body>", 5-minute tolerance) and answers 204 after
RECEIVER_MS milliseconds, as a receiver that does some work would. A writer creates releases
at RATE a second for SECONDS, so RATE x WEBHOOKS deliveries are due each second. At a random
moment of the middle fifth of the run, the server is SIGKILLed and started again on the same
data directory; the writer keeps going (its requests fail while the server is away), and
deliveries in flight at the kill are sent again once their claim runs out (35 s). Then the
script waits until every delivery of every release the server acknowledged (201) has
arrived, or 120 s, and prints:

  delivered   expected deliveries (acknowledged releases x webhooks) that arrived
  lost        expected deliveries that never arrived
  duplicates  arrivals of a delivery id that had arrived before (at-least-once at work:
              a delivery whose answer was lost with the killed server is sent again)
  rate        deliveries received per minute, while the writer ran and per 30 s window
  latency     from the release's acknowledgement to the delivery's arrival, p50/p99/max

Usage: webhook-storm.py --drover PATH [--seconds 150] [--rate 4] [--webhooks 5] [--receiver-ms 25] [--no-kill] [--keep]
Only 127.0.0.1 is contacted. Exits 1 if a delivery was lost or a signature did not verify.
"""

import argparse
import hashlib
import hmac
import http.client
import http.server
import json
import os
import random
import shutil
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


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


class Receiver:
    """Checks and records deliveries: path /hook/<n> is webhook n."""

    def __init__(self, secrets, delay):
        self.secrets, self.delay, self.lock = secrets, delay, threading.Lock()
        self.arrivals = []  # (time, webhook, delivery id, release id)
        self.bad_signatures = 0
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                webhook = int(self.path.rsplit("/", 1)[-1])
                receiver.take(webhook, body, self.headers.get("Drover-Signature", ""), self.headers.get("Drover-Delivery", ""))
                time.sleep(receiver.delay)
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        class Quiet(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a connection of the killed server, cut mid-request

        self.server = Quiet(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def take(self, webhook, body, signature, delivery):
        now = time.time()
        fields = dict(part.split("=", 1) for part in signature.split(",") if "=" in part)
        stamp = fields.get("t", "")
        expected = hmac.new(self.secrets[webhook].encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        valid = stamp.isdigit() and abs(now - int(stamp)) <= 300 and hmac.compare_digest(expected, fields.get("v1", ""))
        payload = json.loads(body)
        with self.lock:
            if not valid or payload.get("id") != delivery:
                self.bad_signatures += 1
            self.arrivals.append((now, webhook, delivery, payload["data"]["release"]))

    def snapshot(self):
        with self.lock:
            return list(self.arrivals), self.bad_signatures


class Server:
    def __init__(self, drover, data):
        self.drover, self.data, self.port, self.proc = drover, data, free_port(), None
        self.log = open(os.path.join(os.path.dirname(data), "server.log"), "ab")

    def start(self):
        self.proc = subprocess.Popen(
            [self.drover, "server", "--data", self.data, "--listen", f"127.0.0.1:{self.port}", "--resolve-images", "never"], stdout=self.log, stderr=self.log)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"the server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                if call(self.port, None, "GET", "/v1/health")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        sys.exit("the server did not answer within 60 s")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def call(port, token, method, path, body=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    try:
        conn.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        return response.status, (json.loads(payload) if payload else None)
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--drover", required=True)
    parser.add_argument("--seconds", type=float, default=150)
    parser.add_argument("--rate", type=float, default=4, help="releases created per second")
    parser.add_argument("--webhooks", type=int, default=5)
    parser.add_argument("--receiver-ms", type=float, default=25, help="how long the receiver takes to answer")
    parser.add_argument("--no-kill", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the data directory and the server's log")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="drover-webhook-storm.")
    secrets = [f"bench-secret-{n}-{os.urandom(8).hex()}" for n in range(args.webhooks)]
    receiver = Receiver(secrets, args.receiver_ms / 1000)
    server = Server(args.drover, os.path.join(work, "data"))
    server.start()
    token = open(os.path.join(work, "data", "admin-token")).read().strip()
    call(server.port, token, "POST", "/v1/fleets", {"name": "storm"})
    for n in range(args.webhooks):
        status, body = call(
            server.port, token, "POST", "/v1/webhooks",
            {"url": f"http://127.0.0.1:{receiver.port}/hook/{n}", "events": ["release.created"], "secret": secrets[n]})
        if status != 201:
            sys.exit(f"creating webhook {n}: {status} {body}")

    acknowledged = {}  # release id -> time of its 201
    refused = 0
    started = time.time()
    ends = started + args.seconds
    print(f"webhooks: {args.webhooks} receivers answering in {args.receiver_ms:g} ms, {args.rate:g} releases/s for {args.seconds:g} s "
          f"({args.rate * args.webhooks * 60:.0f} deliveries/min due), {'no kill' if args.no_kill else 'kill -9 in the middle'}", flush=True)

    killed = []

    def killer():
        time.sleep(args.seconds * random.uniform(0.4, 0.6))
        before = time.time()
        killed.append(before)
        server.kill()
        server.start()
        print(f"  killed the server (SIGKILL) at {before - started:.1f} s; it answered again {time.time() - before:.2f} s later", flush=True)

    if not args.no_kill:
        threading.Thread(target=killer, daemon=True).start()
    n = 0
    while time.time() < ends:
        due = started + n / args.rate
        if due > time.time():
            time.sleep(due - time.time())
        n += 1
        compose = f"services:\n  web:\n    image: registry.local/web:{n}\n"
        try:
            status, body = call(server.port, token, "POST", "/v1/fleets/storm/releases", {"compose": compose}, timeout=10)
        except OSError:
            status, body = None, None
        if status == 201:
            acknowledged[body["id"]] = time.time()
        else:
            refused += 1
    load_end = time.time()

    expected = {(w, r) for r in acknowledged for w in range(args.webhooks)}
    deadline = time.time() + 120
    settled = None
    # Past the last expected arrival, listen until the killed server's claims have run out (35 s
    # after the kill), so deliveries it had in flight and sends again are counted.
    leases_out = (killed[0] + 40) if killed else 0
    while time.time() < deadline:
        arrivals, _ = receiver.snapshot()
        if settled is None and expected <= {(w, r) for _, w, _, r in arrivals}:
            settled = time.time()
        if settled is not None and time.time() >= leases_out:
            break
        time.sleep(0.5)
    arrivals, bad = receiver.snapshot()
    settled = settled or time.time()
    server.stop()

    seen, duplicates, ids_per_pair, latencies = set(), 0, {}, []
    for at, webhook, delivery, release in arrivals:
        if delivery in seen:
            duplicates += 1
            continue
        seen.add(delivery)
        ids_per_pair.setdefault((webhook, release), set()).add(delivery)
        if release in acknowledged:
            latencies.append(at - acknowledged[release])
    delivered = len(expected & set(ids_per_pair))
    twice = sum(1 for ids in ids_per_pair.values() if len(ids) > 1)
    unacknowledged = len({pair for pair in ids_per_pair if pair[1] not in acknowledged})
    during = [at for at, *_ in arrivals if started <= at <= load_end]
    windows = []
    t = started
    while t + 30 <= load_end:
        windows.append(sum(1 for at in during if t <= at < t + 30) * 2)
        t += 30

    print(f"  releases acknowledged {len(acknowledged)}, refused or unanswered {refused} (while the server was away)")
    print(f"  delivered {delivered} of {len(expected)} expected, lost {len(expected) - delivered}, duplicates {duplicates} "
          f"(same delivery id again), events delivered under two ids {twice}, bad signatures {bad}")
    if unacknowledged:
        print(f"  also delivered: {unacknowledged} deliveries of releases whose 201 was lost with the killed server")
    print(f"  rate {len(during) / ((load_end - started) / 60):.0f} deliveries/min received while the writer ran "
          f"(per 30 s window, as /min: min {min(windows, default=0)}, max {max(windows, default=0)}); "
          f"all in {settled - load_end:.1f} s after it stopped")
    print(f"  latency from 201 to arrival: p50 {percentile(latencies, 50) * 1000:.0f} ms, p99 {percentile(latencies, 99) * 1000:.0f} ms, "
          f"max {max(latencies, default=0) * 1000:.0f} ms")
    if args.keep:
        print(f"  data and server log in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if len(expected) != delivered or bad else 0)


if __name__ == "__main__":
    main()
