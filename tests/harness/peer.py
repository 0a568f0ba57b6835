#!/usr/bin/env python3
"""peer.py - a scripted SMTP server for what no real server does on demand.

    python3 peer.py [--log FILE] [--timeout SECS] [--port-file FILE]
                    (SCRIPT_FILE | -e SCRIPT_TEXT)

Listens on 127.0.0.1 on an ephemeral port, prints the port on stdout (and
into --port-file, written atomically), accepts ONE connection and plays the
script, one step per line, then closes and exits.  The whole run is bounded
by --timeout (default 30 s) so nothing is ever left running.

Script lines (blank lines and lines starting with '#' are ignored):
    S <text>        send text + CRLF
    S_RAW <bytes>   send Python-escaped bytes as they are (no CRLF added),
                    e.g. S_RAW 250-a\\r\\n251 b\\r\\n
    TRICKLE <text>  send text + CRLF one byte at a time
    C <regex>       read client lines until one matches (re.search on the
                    line without its CRLF); every line is logged
    C_ALONE <regex> like C, then check that the client sent nothing more
                    within 0.3 s (it must wait for our reply: no PIPELINING
                    offered); if it did, log "PIPELINED" (no false alarms:
                    a client that waits never sends ahead)
    DRAIN           read and log client lines until the client closes
    BYE             like DRAIN, but answer a QUIT with "221 bye" and close
    SLEEP_FOREVER   never answer again: log what the client sends until it
                    closes (its timeout must fire) or --timeout expires
    SLEEP <secs>    pause
    CLOSE           close the connection now (the script ends)

The log (--log) has one line per event, in order:
    S: <text>       a line the peer sent (S, TRICKLE; S_RAW escaped)
    C: <line>       a client line without CRLF; a line ending in a bare LF
                    gets " <LF>" appended, one without any line end " <EOF>"
    EOF             the client closed its side
    PIPELINED       a C_ALONE line was followed by more client data
    TIMEOUT         --timeout expired
    END             the script ran to its end
Bytes outside printable ASCII are logged as \\xHH and a backslash as \\\\.

Exit status: 0 when the script ran to its end, 1 when the client closed
before a C step matched, 2 on timeout, 3 on a bad script or usage.
"""
import argparse
import codecs
import os
import re
import socket
import sys
import time


class Timeout(Exception):
    pass


class ClientClosed(Exception):
    pass


class Peer:
    def __init__(self, conn, log, deadline):
        self.conn = conn
        self.log = log
        self.deadline = deadline
        self.buf = b""
        self.eof = False

    def note(self, text):
        if self.log:
            self.log.write(text + "\n")
            self.log.flush()

    @staticmethod
    def show(data):
        """data with every byte outside printable ASCII as an escape."""
        return "".join(chr(b) if 32 <= b < 127 and b != 0x5c else
                       "\\\\" if b == 0x5c else "\\x%02x" % b for b in data)

    def left(self):
        t = self.deadline - time.monotonic()
        if t <= 0:
            raise Timeout()
        return t

    def send(self, data, text):
        self.note("S: " + text)
        try:
            self.conn.sendall(data)
        except OSError as e:
            self.note("SEND-ERROR: %s" % e)

    def trickle(self, data, text):
        self.note("S: " + text)
        try:
            for i in range(len(data)):
                self.conn.sendall(data[i:i + 1])
                time.sleep(0.002)
        except OSError as e:
            self.note("SEND-ERROR: %s" % e)

    def line(self):
        """The next client line (bytes, without CRLF); None at EOF."""
        while b"\n" not in self.buf:
            if self.eof:
                if self.buf:
                    rest, self.buf = self.buf, b""
                    self.note("C: " + self.show(rest) + " <EOF>")
                return None
            self.conn.settimeout(min(self.left(), 1.0))
            try:
                data = self.conn.recv(65536)
            except socket.timeout:
                continue
            except OSError as e:
                self.note("RECV-ERROR: %s" % e)
                data = b""
            if not data:
                self.eof = True
                self.note("EOF")
            self.buf += data
        raw, self.buf = self.buf.split(b"\n", 1)
        if raw.endswith(b"\r"):
            raw = raw[:-1]
            self.note("C: " + self.show(raw))
        else:
            self.note("C: " + self.show(raw) + " <LF>")
        return raw

    def expect(self, pattern):
        rx = re.compile(pattern.encode("latin-1"))
        while True:
            raw = self.line()
            if raw is None:
                raise ClientClosed()
            if rx.search(raw):
                return

    def alone(self):
        """Log PIPELINED if client data follows within 0.3 s."""
        if self.buf:
            self.note("PIPELINED")
            return
        if self.eof:
            return
        self.conn.settimeout(min(self.left(), 0.3))
        try:
            data = self.conn.recv(65536)
        except socket.timeout:
            return
        except OSError:
            data = b""
        if not data:
            self.eof = True
            self.note("EOF")
        else:
            self.note("PIPELINED")
        self.buf += data

    def drain(self, bye=False):
        while True:
            raw = self.line()
            if raw is None:
                return
            if bye and raw.upper() == b"QUIT":
                self.send(b"221 bye\r\n", "221 bye")
                return


def parse(text):
    steps = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        verb, _, arg = line.partition(" ")
        if verb not in ("S", "S_RAW", "TRICKLE", "C", "C_ALONE", "DRAIN", "BYE",
                        "SLEEP_FOREVER", "SLEEP", "CLOSE"):
            raise ValueError("line %d: unknown step %r" % (n, verb))
        if verb in ("C", "C_ALONE"):
            re.compile(arg)
        if verb == "SLEEP":
            float(arg)
        steps.append((verb, arg))
    return steps


def play(peer, steps):
    for verb, arg in steps:
        if verb == "S":
            peer.send(arg.encode("utf-8") + b"\r\n", arg)
        elif verb == "S_RAW":
            data = codecs.escape_decode(arg.encode("latin-1"))[0]
            peer.send(data, Peer.show(data))
        elif verb == "TRICKLE":
            peer.trickle(arg.encode("utf-8") + b"\r\n", arg)
        elif verb == "C":
            peer.expect(arg)
        elif verb == "C_ALONE":
            peer.expect(arg)
            peer.alone()
        elif verb == "DRAIN":
            peer.drain()
        elif verb == "BYE":
            peer.drain(bye=True)
        elif verb == "SLEEP_FOREVER":
            peer.drain()
            return
        elif verb == "SLEEP":
            end = time.monotonic() + float(arg)
            while time.monotonic() < end:
                peer.left()
                time.sleep(min(0.05, max(0.0, end - time.monotonic())))
        elif verb == "CLOSE":
            return
    peer.note("END")


def main():
    ap = argparse.ArgumentParser(description="scripted SMTP peer")
    ap.add_argument("--log")
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--port-file")
    ap.add_argument("-e", dest="text")
    ap.add_argument("script", nargs="?")
    a = ap.parse_args()
    if (a.text is None) == (a.script is None):
        ap.error("give exactly one of SCRIPT_FILE or -e TEXT")
    try:
        if a.script is not None:
            with open(a.script, encoding="utf-8") as f:
                text = f.read()
        else:
            text = a.text
        steps = parse(text)
    except (OSError, ValueError, re.error) as e:
        print("peer.py: bad script: %s" % e, file=sys.stderr)
        return 3

    deadline = time.monotonic() + a.timeout
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, a.port_file)
    print(port, flush=True)

    log = open(a.log, "a", encoding="utf-8") if a.log else None
    status = 0
    conn = None
    try:
        srv.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            raise Timeout()
        srv.close()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        play(Peer(conn, log, deadline), steps)
    except Timeout:
        if log:
            log.write("TIMEOUT\n")
        status = 2
    except ClientClosed:
        status = 1
    finally:
        if conn is not None:
            try:
                conn.close()
            except OSError:
                pass
        if log:
            log.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
