"""Client burst for tests/e2e/test_watch.sh: N non-blocking connects to
127.0.0.1:PORT, each bounded by TIMEOUT seconds (the socket is closed then),
and prints what the clients themselves saw:

    pid PID ok OK fail FAIL pending PENDING

ok = connects that reached ESTABLISHED; pending = those still connecting at
the deadline, closed then (counted in fail): the kernel may establish one
the instant its client gives up. With GO_FILE the burst waits (up to
30 s) until that file exists, so a watch can be started with --pid first.

    python3 watch_clients.py N PORT TIMEOUT [GO_FILE]
"""
import os
import resource
import selectors
import socket
import sys
import time


def main():
    n, port, timeout = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    # N sockets are open at once: a soft limit of 1024 (a fresh VM's, as in
    # scripts/kernel-matrix) would end the burst at about 1,020 connects
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n + 64
    if soft != resource.RLIM_INFINITY and soft < want:
        try:  # root with CAP_SYS_RESOURCE may raise the hard limit too
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
        except (ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    go = sys.argv[4] if len(sys.argv) > 4 else None
    if go:
        t = time.monotonic() + 30
        while not os.path.exists(go) and time.monotonic() < t:
            time.sleep(0.05)
    sel = selectors.DefaultSelector()
    ok = fail = 0
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        except OSError:
            fail += 1
            s.close()
            continue
        sel.register(s, selectors.EVENT_WRITE)
    deadline = time.monotonic() + timeout
    while sel.get_map() and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=max(0.0, deadline - time.monotonic())):
            s = key.fileobj
            sel.unregister(s)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                ok += 1
            else:
                fail += 1
            s.close()
    pending = 0
    for key in list(sel.get_map().values()):
        s = key.fileobj
        try:
            s.getpeername()  # ESTABLISHED just before the deadline
            ok += 1
        except OSError:
            fail += 1
            pending += 1
        s.close()
    print("pid %d ok %d fail %d pending %d" % (os.getpid(), ok, fail, pending), flush=True)


main()
