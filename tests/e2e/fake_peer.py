# A scripted `synbench serve` for tests/e2e/test_hostile_peer.sh: speaks the
# control protocol (docs/control-protocol.md) until SB_FAKE (the mode) says
# how to misbehave. Reached as --server-via 'env SB_FAKE=MODE python3'
# --remote-bin THIS_FILE. SB_FAKE_CANARY: a path it tries to make the
# coordinator use; SB_FAKE_MARK: a file it creates when told to stop.
import os
import struct
import sys
import time

MODE = os.environ.get("SB_FAKE", "good")
CANARY = os.environ.get("SB_FAKE_CANARY", "/nonexistent")
MARK = os.environ.get("SB_FAKE_MARK", "")
inp, out = sys.stdin.buffer, sys.stdout.buffer


def say(b):
    out.write(b if isinstance(b, bytes) else b.encode())
    out.flush()


def line():
    b = inp.readline()
    if not b:
        sys.exit(0)  # the coordinator went away: so do we
    return b.decode(errors="replace").rstrip("\n")


def meta(text, rest=b""):
    t = text.encode()
    return b"blob meta %d\n" % len(t) + t + rest


def krec(role=1):
    """One struct sb_conn_rec as the protocol lays it out (192 bytes)."""
    ts = [0] * 16
    ts[2], ts[1], ts[7] = 1000, 2000, 3000  # SYN_SENT, ESTABLISHED, CLOSE
    b = struct.pack("<Q", 101) + struct.pack("<16Q", *ts)
    b += struct.pack("<4I", 0x0100007F, 0, 0, 0) + struct.pack("<4I", 0x0100007F, 0, 0, 0)
    b += struct.pack("<HHHH", 40000, 5201, 2, 0)  # sport dport family syn_retrans
    b += struct.pack("<BBBB", role, 7, 0, 0)  # role final_state flushed partial
    b += struct.pack("<I", 0) + struct.pack("<BB", 0, 0) + struct.pack("<I", 0)
    b += struct.pack("<BB", 0, 0)  # err err_soft (protocol 3)
    assert len(b) == 192
    return b


def results():
    if MODE == "good":
        say(meta("kernel_release 6.0-fake\nn.krecs 1\n", b"blob krecs 192\n" + krec() + b"end\n"))
    elif MODE == "bigmeta":
        say("blob meta 99999999999\n")
    elif MODE == "bigblob":
        say(meta("n.krecs 5\n", b"blob krecs 99999999999\n"))
    elif MODE == "bigcount":
        say(meta("n.krecs 99999999999\n", b"end\n"))
    elif MODE == "count":
        say(meta("n.krecs 2\n", b"blob krecs 192\n" + krec() + b"end\n"))
    elif MODE == "enum":
        say(meta("n.krecs 1\n", b"blob krecs 192\n" + krec(role=7) + b"end\n"))
    elif MODE == "path":
        say(meta("kernel_release 6.0\nserver_log %s\n" % CANARY, b"end\n"))
    elif MODE == "olddump":
        # the memory dump of protocol 1, a path where server_log was
        dump = CANARY.encode().ljust(4096, b"\0")
        say(b"blob rundata 4096\n" + dump + b"end\n")
    elif MODE == "progress":
        while True:  # endless chatter, never results
            say("progress 1\n")
            time.sleep(0.005)
    elif MODE == "slow":
        # a half slow to send its results that still stops at end of input
        while inp.readline():
            pass
        return
    # silent, sigint: nothing, ever
    time.sleep(3600)


def main():
    hello = line().split()
    if len(hello) < 4 or hello[:2] != ["hello", "synbench-ctl"]:
        say("error no hello\n")
        return
    proto, ver = hello[2], hello[3]
    if MODE == "silent_hello":
        time.sleep(3600)
    if MODE == "garbage":
        say(b"\xff\x1b[31mSSH-2.0-garbage \x07" + CANARY.encode() + b"\n")
        time.sleep(3600)
    if MODE == "nul":
        say(b"hello synbench-ctl \x00 " + CANARY.encode() + b"\n")
        time.sleep(3600)
    if MODE == "proto":
        proto = "99"
    if MODE == "version":
        ver = "9.9.9"
    say("hello synbench-ctl %s %s fakehost 6.0-fake\n" % (proto, ver))
    while not line().startswith("setup "):
        pass
    say("ready 5 4026531840\n")
    pings = 0
    while True:
        cmd = line()
        if cmd.startswith("ping "):
            say("pong %s %d\n" % (cmd.split()[1], time.monotonic_ns()))
            pings += 1
            if MODE == "rungarbage" and pings == 8:
                say("\x1b]0;owned\x07 garbage during the run\n")
        elif cmd == "stop":
            break
    if MARK:
        open(MARK, "w").close()
    results()
    while inp.readline():
        pass


try:
    main()
except (BrokenPipeError, KeyboardInterrupt):
    pass
