#!/usr/bin/env python3
"""A small HTTP proxy for tests, on loopback: CONNECT tunnels (as WebSockets and HTTPS go
through a proxy) and absolute-form requests (as plain HTTP goes). Each connection it relays
is logged as one line, 'CONNECT host:port' or 'GET http://...', so a test can see what went
through it; a CONNECT line also names the first request sent through the tunnel when it is
plain HTTP ('CONNECT host:port GET /v1/device/channel HTTP/1.1').
Usage: connect-proxy.py PORT LOGFILE"""
import socket
import sys
import threading


def pipe(source, target):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
        target.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def handle(client, log):
    head = b""
    while b"\r\n\r\n" not in head:
        data = client.recv(4096)
        if not data:
            client.close()
            return
        head += data
    head, rest = head.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ", 2)
    line = f"{method} {target}"
    try:
        if method == "CONNECT":
            host, port = target.rsplit(":", 1)
            upstream = socket.create_connection((host, int(port)), timeout=10)
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if not rest:
                rest = client.recv(65536)
            first = rest.split(b"\r\n", 1)[0].decode("latin-1")
            if first.split(" ")[0].isalpha():
                line += " " + first
        else:
            # http://host:port/path → origin form, one request per connection.
            rest_of_url = target.split("://", 1)[1]
            hostport, _, path = rest_of_url.partition("/")
            host, _, port = hostport.partition(":")
            upstream = socket.create_connection((host, int(port or 80)), timeout=10)
            headers = [h for h in lines[1:] if not h.lower().startswith(("connection:", "proxy-connection:"))]
            request = "\r\n".join([f"{method} /{path} {version}"] + headers + ["Connection: close", "", ""])
            upstream.sendall(request.encode("latin-1") + rest)
            rest = b""
        with open(log, "a") as out:
            out.write(line + "\n")
        upstream.settimeout(None)
        if rest:
            upstream.sendall(rest)
    except OSError as error:
        client.sendall(f"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".encode())
        client.close()
        return
    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
    pipe(client, upstream)


def main():
    port, log = int(sys.argv[1]), sys.argv[2]
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(128)
    while True:
        client, _ = server.accept()
        threading.Thread(target=handle, args=(client, log), daemon=True).start()


if __name__ == "__main__":
    main()
