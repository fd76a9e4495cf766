#!/usr/bin/python3
"""http_raw.py - sends raw bytes to the daemon and prints what came back
(used by http_limits.sh to speak HTTP/1.1 exactly, which curl will not).

  http_raw.py PORT CASE

CASE is one of:
  pipelined   two GET requests in one write
  cl_te       a POST with both Content-Length and Transfer-Encoding
  huge_header a POST announcing a 100 MB body, and only its header sent
  huge_chunk  a chunked POST that goes past the body cap

Prints the status lines received, one per line, then "EOF" when the
server closed the connection or "OPEN" when it still held it 2 s after
the last byte.
"""
import re
import socket
import sys

port, case = int(sys.argv[1]), sys.argv[2]
FORM = b"Content-Type: application/x-www-form-urlencoded\r\n"
requests = {
    "pipelined": b"GET /health/jobs HTTP/1.1\r\nHost: x\r\n\r\n"
                 b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
    "cl_te": b"POST /jobs/login HTTP/1.1\r\nHost: x\r\n" + FORM +
             b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
             b"0\r\n\r\n",
    "huge_header": b"POST /jobs/login HTTP/1.1\r\nHost: x\r\n" + FORM +
                   b"Content-Length: 104857600\r\n\r\n",
    "huge_chunk": b"POST /jobs/login HTTP/1.1\r\nHost: x\r\n" + FORM +
                  b"Transfer-Encoding: chunked\r\n\r\n" +
                  (b"4000\r\n" + b"a" * 0x4000 + b"\r\n") * 4,
}
s = socket.create_connection(("127.0.0.1", port), timeout=2.0)
received, state = b"", "OPEN"
try:
    s.sendall(requests[case])
    while True:
        chunk = s.recv(65536)
        if not chunk:
            state = "EOF"
            break
        received += chunk
except socket.timeout:
    pass
except ConnectionResetError:
    state = "EOF"
# A status line may follow a body that has no newline at its end.
for status in re.findall(rb"HTTP/1\.1 [0-9]{3}[^\r\n]*", received):
    print(status.decode())
print(state)
