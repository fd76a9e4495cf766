#!/usr/bin/python3
"""Loopback receivers with TLS for the edge tests (edges_mail.sh).

Usage:
  tls_receiver.py http --dir DIR --ready-file F [--cert C --key K]
                  [--script "429:Retry-After=120|200"]
  tls_receiver.py smtp --dir DIR --ready-file F --cert C --key K
                  [--tls starttls|implicit] [--password PW]

http: answers every method (GET, PUT, POST, DELETE, HEAD) and records each
request as DIR/NNN.request (request line, headers, blank line, body).
Each answer takes the next --script item: a status and optional headers
("503:Retry-After=Wed, 21 Oct 2037 07:28:00 GMT"), items separated by |;
200 when used up.
With --cert/--key it speaks HTTPS.

smtp: aiosmtpd with STARTTLS (or implicit TLS) and AUTH PLAIN/LOGIN; a
login with a password other than --password gets 535. Messages are
written as DIR/NNN.eml.

The port is chosen free and written to --ready-file once listening.
"""
import argparse
import asyncio
import json
import os
import signal
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def write_ready(path, port):
    with open(path + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(path + ".tmp", path)


def parse_script(text):
    items = []
    for part in [p for p in text.split("|") if p.strip()]:
        status, _, header = part.partition(":")
        headers = {}
        if header:
            name, _, value = header.partition("=")
            headers[name] = value
        items.append((int(status), headers))
    return items


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def answer(self):
        body = self.read_body() if self.command in ("PUT", "POST") else b""
        server = self.server
        with server.lock:
            server.count += 1
            path = os.path.join(server.directory, "%03d.request" % server.count)
            status, headers = server.script.pop(0) if server.script else (200, {})
        with open(path + ".tmp", "wb") as f:
            f.write(self.requestline.encode() + b"\n")
            f.write(bytes(self.headers))
            f.write(body)
        os.rename(path + ".tmp", path)
        answer = json.dumps({"status": status}).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = answer

    def log_message(self, format, *args):
        pass


def serve_http(args):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.directory = args.dir
    server.script = parse_script(args.script)
    server.count = 0
    server.lock = threading.Lock()
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    write_ready(args.ready_file, server.server_address[1])
    server.serve_forever()


def serve_smtp(args):
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)

    class Store:
        count = 0

        async def handle_DATA(self, server, session, envelope):
            Store.count += 1
            path = os.path.join(args.dir, "%03d.eml" % Store.count)
            with open(path, "wb") as f:
                f.write(envelope.original_content or envelope.content)
            return "250 2.0.0 Message accepted for delivery"

    def authenticate(server, session, envelope, mechanism, data):
        ok = isinstance(data, LoginPassword) and \
            data.password.decode() == args.password
        return AuthResult(success=ok, handled=False)

    def factory():
        implicit = args.tls == "implicit"
        return SMTP(Store(), hostname="test.local", decode_data=False,
                    tls_context=None if implicit else context,
                    require_starttls=not implicit,
                    authenticator=authenticate, auth_require_tls=not implicit)

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            factory, "127.0.0.1", 0,
            ssl=context if args.tls == "implicit" else None)
        write_ready(args.ready_file, server.sockets[0].getsockname()[1])
        stop = loop.create_future()
        loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
        await stop

    asyncio.run(main())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["http", "smtp"])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--ready-file", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--script", default="")
    parser.add_argument("--tls", default="starttls")
    parser.add_argument("--password", default="secret")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    (serve_http if args.mode == "http" else serve_smtp)(args)


if __name__ == "__main__":
    main()
