#!/usr/bin/python3
"""What systemd does with $NOTIFY_SOCKET, for the sd_notify tests.

Usage: notify_receiver.py ADDRESS OUT_FILE

Binds a Unix datagram socket at ADDRESS (a path, or '@name' for an
abstract one, as systemd writes it), creates OUT_FILE once it listens, and
appends every datagram to it as one line, its newlines written as '|'.
Runs until it is killed.
"""
import socket
import sys


def main():
    address, out_path = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + address[1:] if address.startswith("@") else address)
    with open(out_path, "a", encoding="utf-8") as out:
        out.flush()
        while True:
            data = sock.recv(4096)
            out.write(data.decode("utf-8", "replace").replace("\n", "|") + "\n")
            out.flush()


if __name__ == "__main__":
    main()
