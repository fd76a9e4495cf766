#!/usr/bin/python3
"""A loopback HTTP receiver for the email integration tests.

Usage: http_receiver.py --dir DIR [--script "500,202"] [--ready-file F]

Records each request to DIR as NNN.request (the request line, the headers
as received, a blank line, then the body bytes) and answers with the next
status of --script (200 once it is used up), with a small JSON body. The
port is chosen free and written to --ready-file once it listens.
"""
import argparse
import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        server = self.server
        server.count += 1
        path = os.path.join(server.directory, "%03d.request" % server.count)
        with open(path + ".tmp", "wb") as f:
            f.write(self.requestline.encode() + b"\n")
            f.write(bytes(self.headers))
            f.write(body)
        os.rename(path + ".tmp", path)
        status = server.script.pop(0) if server.script else 200
        answer = json.dumps({"status": status,
                             "message": "scripted answer %d" % status}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format, *args):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--script", default="")
    parser.add_argument("--ready-file")
    args = parser.parse_args()
    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.directory = args.dir
    server.script = [int(c) for c in args.script.split(",") if c.strip()]
    server.count = 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.ready_file:
        with open(args.ready_file + ".tmp", "w") as f:
            f.write("%d\n" % server.server_address[1])
        os.rename(args.ready_file + ".tmp", args.ready_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
