#!/usr/bin/python3
"""A small SMTP server for the email integration tests (Debian's aiosmtpd).

Usage: smtp_server.py --port P --dir DIR [--script "450,250"]
                      [--data-script "451,250"] [--ready-file F]

Every accepted message is written to DIR as NNN.eml (the DATA as received,
CRLF line ends). --script is a sequence of reply codes, one per RCPT TO:
250 accepts; any other code refuses that recipient with a realistic reply
text, so a test can make the first attempt fail temporarily (450) or
permanently (550). When the script is used up every RCPT is accepted.
--data-script is the same for the reply after DATA: the message is kept
either way, so "451,250" models a message that arrived while the sender
saw a failure (as after a crash) and sent it again.
--port 0 takes a free port; the port actually used is written to
--ready-file once the server listens (the test waits for that file).
"""
import argparse
import asyncio
import os
import signal

from aiosmtpd.smtp import SMTP

REPLIES = {
    421: "421 4.3.2 Service not available, closing channel",
    450: "450 4.2.0 Mailbox busy, try again later",
    451: "451 4.3.0 Local error in processing",
    452: "452 4.5.3 Too many recipients",
    550: "550 5.1.1 Recipient address rejected: User unknown",
    553: "553 5.1.3 Bad recipient address syntax",
    554: "554 5.7.1 Relay access denied",
}


class Handler:
    def __init__(self, directory, script, data_script):
        self.directory = directory
        self.script = list(script)
        self.data_script = list(data_script)
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, options):
        code = self.script.pop(0) if self.script else 250
        if code != 250:
            return REPLIES.get(code, "%d Scripted refusal" % code)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.directory, "%03d.eml" % self.count)
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        with open(os.path.join(self.directory, "%03d.envelope" % self.count), "w") as f:
            f.write("from %s\n" % envelope.mail_from)
            for rcpt in envelope.rcpt_tos:
                f.write("to %s\n" % rcpt)
        code = self.data_script.pop(0) if self.data_script else 250
        if code != 250:
            return "%d 4.3.0 Scripted failure after the message arrived" % code
        return "250 2.0.0 Message accepted for delivery"


async def serve(args):
    script = [int(c) for c in args.script.split(",") if c.strip()]
    data_script = [int(c) for c in args.data_script.split(",") if c.strip()]
    handler = Handler(args.dir, script, data_script)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, decode_data=False, hostname="test.local"),
        "127.0.0.1", args.port)
    port = server.sockets[0].getsockname()[1]
    if args.ready_file:
        with open(args.ready_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(args.ready_file + ".tmp", args.ready_file)
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set_result, None)
    await stop
    server.close()
    await server.wait_closed()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--script", default="")
    parser.add_argument("--data-script", default="")
    parser.add_argument("--ready-file")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
