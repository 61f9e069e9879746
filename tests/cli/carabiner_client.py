#!/usr/bin/env python3
"""Carabiner clients for tests/cli/test_carabiner.sh, each checking every
reply strictly: a double has a decimal point and six decimals, an integer has
none, and every line is one whole message.

  carabiner_client.py PORT protocol   a client that behaves like beat-carabiner,
                                      a second one that watches the broadcasts
  carabiner_client.py PORT framing    split and merged packets, clients that
                                      send no newline, JSON replies, clocks
  carabiner_client.py PORT packets    one command per packet, newline or not:
                                      each answered as soon as the client waits
  carabiner_client.py PORT pipeline   clients that write thousands of commands
                                      at once and then read every reply
  carabiner_client.py PORT abuse      garbage, a client that never reads;
                                      the others are still served
Prints one "ok: ..." line per check; exits 1 with "FAIL: ..." on the first
failure.
"""
import json
import random
import re
import socket
import sys
import time

D = r"-?\d+\.\d{6}"  # a double as Carabiner prints it (%f)
I = r"-?\d+"  # an integer
STATUS = re.compile(
    rf"^status \{{ :peers ({I}) :bpm ({D}) :start ({I}) :beat ({D})( :playing (true|false))? \}}$")
BEAT_AT_TIME = re.compile(rf"^beat-at-time \{{ :when ({I}) :quantum ({D}) :beat ({D}) \}}$")
PHASE_AT_TIME = re.compile(rf"^phase-at-time \{{ :when ({I}) :quantum ({D}) :phase ({D}) \}}$")
TIME_AT_BEAT = re.compile(rf"^time-at-beat \{{ :beat ({D}) :quantum ({D}) :when ({I}) \}}$")

PORT = int(sys.argv[1])


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def ok(message):
    print(f"ok: {message}", flush=True)


def link_now_us():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC_RAW) // 1000


class Client:
    def __init__(self, name):
        self.name = name
        self.sock = socket.create_connection(("127.0.0.1", PORT), timeout=5)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def receive(self, deadline):
        """Adds what arrives before `deadline` to the buffer; False if nothing did."""
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return False
        if not chunk:
            fail(f"{self.name}: the server closed the connection (have {self.buffer[:200]!r})")
        self.buffer += chunk
        return True

    def line(self, timeout=2.0):
        """The next whole line (without its newline); fails after `timeout`."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            if not self.receive(deadline) and time.monotonic() >= deadline:
                fail(f"{self.name}: no line within {timeout} s (have {self.buffer[:200]!r})")
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            return line.decode("ascii")
        except UnicodeDecodeError:
            fail(f"{self.name}: a reply that is not ASCII: {line[:100]!r}")

    def expect(self, pattern, what, timeout=2.0):
        text = self.line(timeout)
        m = pattern.match(text) if hasattr(pattern, "match") else (text == pattern and text)
        if not m:
            fail(f"{self.name}: {what}: got {text!r}")
        return m

    def status_where(self, predicate, what, timeout=3.0):
        """Reads statuses until one satisfies `predicate`."""
        deadline = time.monotonic() + timeout
        while True:
            m = self.expect(STATUS, what, max(0.05, deadline - time.monotonic()))
            if predicate(m):
                return m
            if time.monotonic() > deadline:
                fail(f"{self.name}: {what}: last status {m.group(0)!r}")

    def quiet(self, seconds):
        """Nothing arrives for `seconds`."""
        self.sock.settimeout(seconds)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return
        fail(f"{self.name}: expected silence, got {(self.buffer + chunk)[:200]!r}")

    def settle(self, seconds=0.3):
        """Drops the statuses that arrive within `seconds` (late broadcasts)."""
        deadline = time.monotonic() + seconds
        while True:
            while b"\n" in self.buffer:
                line = self.line()
                if not STATUS.match(line):
                    fail(f"{self.name}: expected only statuses, got {line!r}")
            if time.monotonic() >= deadline:
                return
            self.receive(deadline)

    def close(self):
        self.sock.close()


def connect_like_beat_carabiner(name):
    """beat-carabiner: a status within 1 s of connecting, or it gives up."""
    start = time.monotonic()
    c = Client(name)
    m = c.expect(STATUS, "the status after connecting", timeout=1.0)
    return c, m, time.monotonic() - start


def protocol():
    a, first, took = connect_like_beat_carabiner("client A")
    if first.group(5):
        fail(f"a status with :playing before start/stop sync was enabled: {first.group(0)!r}")
    ok(f"a status {took * 1000:.1f} ms after connecting, without :playing")
    b, _, _ = connect_like_beat_carabiner("client B")

    a.send("version\n")
    a.expect('version "1.2.0"', "version")
    ok("version \"1.2.0\"")

    a.send("enable-start-stop-sync\n")
    a.expect(re.compile(STATUS.pattern.replace("( :playing (true|false))?", " :playing false")),
             "the status after enable-start-stop-sync")
    ok("enable-start-stop-sync answers a status with :playing false")

    a.send("bpm 128.0\n")
    a.status_where(lambda m: m.group(2) == "128.000000", "A's status at 128 BPM")
    b.status_where(lambda m: m.group(2) == "128.000000", "B's broadcast at 128 BPM")
    ok("bpm 128.0: both clients get the status with :bpm 128.000000")

    # The same tempo again changes nothing, so nobody hears anything.
    a.send("bpm 128\n")
    a.quiet(0.2)
    ok("an unchanged tempo: no reply")

    now = link_now_us()
    a.send(f"beat-at-time {now} 4.0\n")
    m = a.expect(BEAT_AT_TIME, "beat-at-time")
    if int(m.group(1)) != now or m.group(2) != "4.000000":
        fail(f"beat-at-time echoed {m.group(0)!r}, expected :when {now} :quantum 4.000000")
    beat_now = float(m.group(3))
    a.send(f"phase-at-time {now} 4.0\n")
    m = a.expect(PHASE_AT_TIME, "phase-at-time")
    if int(m.group(1)) != now or abs(float(m.group(3)) - beat_now % 4.0) > 1e-5:
        fail(f"phase-at-time {m.group(0)!r} against beat {beat_now}")
    a.send(f"time-at-beat {beat_now:.6f} 4.0\n")
    m = a.expect(TIME_AT_BEAT, "time-at-beat")
    if abs(int(m.group(3)) - now) > 2:
        fail(f"time-at-beat {m.group(0)!r}, expected :when near {now}")
    ok("beat-at-time, phase-at-time and time-at-beat agree; :when comes back as sent")

    # beat-carabiner's correction: force the beat it wants (a whole number) at a time.
    target = int(beat_now) + 9
    a.send(f"force-beat-at-time {target} {now} 4.0\n")
    a.status_where(lambda m: True, "the status after force-beat-at-time")
    a.send(f"beat-at-time {now} 4.0\n")
    m = a.expect(BEAT_AT_TIME, "beat-at-time after the force")
    if abs(float(m.group(3)) - target) > 1e-3:
        fail(f"after forcing beat {target} at {now}: {m.group(0)!r}")
    # Carabiner tells nobody else; we do.
    b.status_where(lambda m: True, "B's status after A's force")
    ok("force-beat-at-time moves the grid; the other client hears of it")

    a.send(f"start-playing {link_now_us()}\n")
    a.status_where(lambda m: m.group(6) == "true", "the status after start-playing")
    b.status_where(lambda m: m.group(6) == "true", "B's broadcast of the start")
    a.send(f"stop-playing {link_now_us()}\n")
    a.status_where(lambda m: m.group(6) == "false", "the status after stop-playing")
    b.status_where(lambda m: m.group(6) == "false", "B's broadcast of the stop")
    ok("start-playing / stop-playing: :playing true, then false, to both clients")
    a.settle()

    a.send("bpm 10\nbeat-at-time x 4\nphase-at-time 1 40\ntime-at-beat y 4\nstart-playing\nsome-word\n")
    for expected in ("bad-bpm", "bad-time", "bad-quantum", "bad-beat"):
        a.expect(expected, f"the error {expected}")
    # start-playing's time is on the next line: `some-word` is not a time.
    a.expect("bad-time", "start-playing without a time")
    ok("bad-bpm, bad-time, bad-quantum, bad-beat, each alone on its line")
    # Numbers end where Carabiner's stream ends them: the time 1.5 is 1, then .5 the quantum.
    a.send("beat-at-time 1.5 4\nbpm 128abc\n")
    a.expect("bad-quantum", "beat-at-time 1.5 4")
    a.expect("unsupported abc", "bpm 128abc")
    ok("beat-at-time 1.5 4: bad-quantum; bpm 128abc: unsupported abc, as Carabiner")
    a.send("frobnicate now\n")
    a.expect("unsupported frobnicate", "an unknown command")
    ok("unsupported WORD")

    a.send("disable-start-stop-sync\n")
    m = a.expect(STATUS, "the status after disable-start-stop-sync")
    if m.group(5):
        fail(f"disable-start-stop-sync: still :playing in {m.group(0)!r}")
    ok("disable-start-stop-sync: no :playing any more")
    a.close()
    b.close()


def framing():
    c, _, _ = connect_like_beat_carabiner("client")
    c.send("version\n")
    c.expect('version "1.2.0"', "version")

    # One command split across packets inside its command word, at every
    # place, with pauses between: a cut word waits for its rest.
    message = "beat-at-time 1234567 4.0\n"
    verb_end = message.index(" ")
    for cut in range(1, verb_end):
        c.send(message[:cut])
        time.sleep(0.02)
        c.send(message[cut:])
        m = c.expect(BEAT_AT_TIME, f"beat-at-time cut after byte {cut}")
        if m.group(1) != "1234567":
            fail(f"cut after byte {cut}: {m.group(0)!r}")
    ok(f"a command split inside its word, at each of {verb_end - 1} places, 20 ms apart: read whole")

    # Cut after a whole word, with a pause the client waits through: what it
    # sent is complete, as Carabiner reads each packet (a missing argument is
    # an error, and the rest is a packet of its own).
    for cut, replies in ((verb_end, ["bad-time", "unsupported 1234567"]),
                         (message.index(" 4.0"), ["bad-quantum", "unsupported 4.0"]),
                         (len(message) - 1, [BEAT_AT_TIME])):
        c.send(message[:cut])
        time.sleep(0.1)
        c.send(message[cut:])
        for reply in replies:
            c.expect(reply, f"beat-at-time cut after byte {cut}, 0.1 s apart")
    c.quiet(0.05)
    ok("a command cut after a whole word, 0.1 s apart: each part read as a packet of its own")

    # The command word a byte at a time, its last byte with the arguments.
    for ch in "phase-at-tim":
        c.send(ch)
        time.sleep(0.02)
    c.send("e 1000000 2.5\n")
    c.expect(PHASE_AT_TIME, "phase-at-time sent a byte at a time")
    ok("a command word sent one byte at a time, 20 ms apart")

    # Several commands in one packet: every reply, in order, each one whole line.
    c.send("version\nbeat-at-time 1000 4.0 phase-at-time 1000 4.0\ntime-at-beat 0 4\nstatus\n")
    c.expect('version "1.2.0"', "first of five")
    c.expect(BEAT_AT_TIME, "second of five")
    c.expect(PHASE_AT_TIME, "third of five")
    c.expect(TIME_AT_BEAT, "fourth of five")
    c.expect(STATUS, "fifth of five")
    ok("five commands in one packet, two on one line: five replies in order")

    # JSON for modern clients, and back.
    c.send("json\n")
    j = json.loads(c.line())
    if j.get("type") != "status" or not isinstance(j.get("bpm"), float) or not isinstance(j.get("start"), int):
        fail(f"json: {j}")
    c.send(f"beat-at-time {link_now_us()} 4\nbpm 2\n")
    j = json.loads(c.line())
    if j.get("type") != "beat-at-time" or not isinstance(j.get("when"), int):
        fail(f"json beat-at-time: {j}")
    j = json.loads(c.line())
    if j != {"type": "error", "error": "bad-bpm"}:
        fail(f"json error: {j}")
    c.send("edn\n")
    c.expect(STATUS, "edn switches back")
    ok("json: the replies as JSON objects; edn: back")
    c.close()

    # Old clients (LinkToPy, early beat-carabiner) send no newline at all.
    old = Client("no-newline client")
    old.expect(STATUS, "the status after connecting")
    old.send("status")
    old.expect(STATUS, "status without a newline", timeout=1.0)
    old.send("beat-at-time 2000 4.0")
    old.expect(BEAT_AT_TIME, "beat-at-time without a newline", timeout=1.0)
    old.send("bpm 133")
    old.status_where(lambda m: m.group(2) == "133.000000", "the broadcast after bpm without a newline")
    ok("a client that sends no newline is answered, one command per write")
    old.close()

    # The clients' clock: Link's (CLOCK_MONOTONIC_RAW) here.
    c = Client("clock")
    m = c.expect(STATUS, "status")
    start, bpm, beat = int(m.group(3)), float(m.group(2)), float(m.group(4))
    expected_beat = (link_now_us() - start) * bpm / 60e6
    if abs(expected_beat - beat) > 0.05:
        fail(f":start {start} and :beat {beat} at {bpm} BPM do not match CLOCK_MONOTONIC_RAW")
    ok("the status's :start and :beat are on CLOCK_MONOTONIC_RAW")
    c.close()


def monotonic():
    """Run against `--clock monotonic`: times are CLOCK_MONOTONIC's."""
    c = Client("monotonic clock")
    c.expect(STATUS, "status")
    for _ in range(3):
        now = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        c.send(f"beat-at-time {now} 4.0\n")
        m = c.expect(BEAT_AT_TIME, "beat-at-time")
        c.send("status\n")
        s = c.expect(STATUS, "status")
        start, bpm = int(s.group(3)), float(s.group(2))
        # The beat at `now` by the status's :start, also read on CLOCK_MONOTONIC.
        if abs((now - start) * bpm / 60e6 - float(m.group(3))) > 1e-3:
            fail(f"--clock monotonic: {m.group(0)!r} against {s.group(0)!r}")
        if int(m.group(1)) != now:
            fail(f":when {m.group(1)} is not the {now} sent")
    # Only where the two clocks differ can this tell them apart: say by how much.
    apart = (time.clock_gettime_ns(time.CLOCK_MONOTONIC_RAW)
             - time.clock_gettime_ns(time.CLOCK_MONOTONIC)) / 1e6
    ok(f"--clock monotonic: :when, :start and beat-at-time on CLOCK_MONOTONIC "
       f"(here {apart:+.1f} ms from CLOCK_MONOTONIC_RAW)")
    c.close()


def packets():
    """One command per packet, as old clients write them (Carabiner reads each
    packet on its own): every packet is answered once the client waits for
    the reply, whatever it sent before."""
    c = Client("one command per packet")
    c.expect(STATUS, "the status after connecting")
    slowest = 0.0

    def exchange(packet, replies, what):
        nonlocal slowest
        t0 = time.monotonic()
        c.send(packet)
        for reply in replies:
            c.expect(reply, what, timeout=1.0)
        slowest = max(slowest, time.monotonic() - t0)

    exchange("foo", ["unsupported foo"], "an unknown word without a newline")
    exchange("version foo", ['version "1.2.0"', "unsupported foo"], "version foo without a newline")
    exchange("bpm", ["bad-bpm"], "bpm without a tempo or a newline")
    exchange("beat-at-time 5000", ["bad-quantum"], "beat-at-time without its quantum")
    # Lines that end in newlines first, then a packet without one.
    exchange("version\nstatus\n", ['version "1.2.0"', STATUS], "two lines in one packet")
    exchange("version", ['version "1.2.0"'], "version without a newline after lines with one")
    # A command whose argument is missing at the end of its packet: the next
    # packet holds a command of its own, not the argument.
    exchange("bpm\n", ["bad-bpm"], "bpm and a newline alone in a packet")
    exchange("status\n", [STATUS], "the status asked in the next packet")
    exchange("start-playing\n", ["bad-time"], "start-playing without a time")
    exchange("version\n", ['version "1.2.0"'], "version in the next packet")
    ok(f"one command per packet (foo, version foo, bpm, bpm\\n then status\\n, ...): "
       f"each answered, the slowest in {slowest * 1000:.0f} ms")

    # A command word cut in the middle is not a word: it waits for its rest
    # however long the pause.
    c.send("beat-at")
    c.quiet(0.3)
    c.send("-time 7000 4\n")
    m = c.expect(BEAT_AT_TIME, "beat-at-time whose word was cut")
    if m.group(1) != "7000":
        fail(f"a cut command word: {m.group(0)!r}")
    ok("a command word cut in the middle waits 0.3 s for its rest and is read whole")
    c.close()


def pipeline():
    """Clients that write thousands of commands in one write and only then
    read: they are readers, and every reply must come (Carabiner keeps them)."""
    import threading

    def one_write(c, data):
        # Written from a thread on a second handle of the socket, so a big
        # write can never wait on our own reading.
        out = c.sock.dup()
        out.settimeout(60)
        t = threading.Thread(target=out.sendall, args=(data,))
        t.start()
        return t, out

    c = Client("9,362 statuses in one write")
    c.expect(STATUS, "the status after connecting")
    n = 9362
    t0 = time.monotonic()
    writer, out = one_write(c, b"status\n" * n)
    for i in range(n):
        c.expect(STATUS, f"status {i + 1} of {n}", timeout=10.0)
    writer.join()
    took = time.monotonic() - t0
    c.quiet(0.1)
    ok(f"{n} status requests in one write ({n * 7} bytes): {n} statuses in {took:.2f} s")
    out.close()
    c.close()

    c = Client("900 beat-at-time in one write")
    c.expect(STATUS, "the status after connecting")
    n = 900
    # Times as clients send them on a machine up for three weeks: 29 KB of
    # requests and 72 KB of replies.
    base = 2 * 10**12
    requests = "".join(f"beat-at-time {base + 1000 * i} 4.0\n" for i in range(n)).encode()
    t0 = time.monotonic()
    writer, out = one_write(c, requests)
    for i in range(n):
        m = c.expect(BEAT_AT_TIME, f"beat-at-time reply {i + 1} of {n}", timeout=10.0)
        if int(m.group(1)) != base + 1000 * i:
            fail(f"reply {i + 1} of {n} is for another request: {m.group(0)!r}")
    writer.join()
    took = time.monotonic() - t0
    ok(f"{n} beat-at-time requests in one write ({len(requests)} bytes): every reply, in order, "
       f"in {took:.2f} s")
    out.close()
    c.close()


def abuse():
    watcher, _, _ = connect_like_beat_carabiner("watcher")

    # A megabyte without whitespace: one reply, then nothing more of it.
    g = Client("long line")
    g.expect(STATUS, "status")
    g.send(b"x" * (1 << 20))
    g.send(b"\nversion\n")
    m = g.line()
    if m != "unsupported " + "x" * 32 + "...":
        fail(f"a megabyte word: {m[:100]!r}")
    g.expect('version "1.2.0"', "version after the long line")
    ok("a 1 MiB word: one `unsupported` with the word cut short, then served as before")

    # Binary garbage: every reply one printable line; the client is still served.
    rand = random.Random(7)
    garbage = bytes(rand.randrange(256) for _ in range(200_000))
    g.send(garbage + b"\nversion\n")
    replies = 0
    while True:
        line = g.line()
        if line == 'version "1.2.0"':
            break
        if not re.match(r"^(unsupported [!-~]+|bad-(bpm|time|quantum|beat)|status \{.*\}|"
                        r"(beat|phase)-at-time \{.*\}|time-at-beat \{.*\}|version \".*\")$", line):
            fail(f"a reply to garbage: {line[:100]!r}")
        replies += 1
    ok(f"200 kB of random bytes: {replies} one-line replies, then served as before")
    g.close()

    # A client that asks and never reads: once its replies fill what TCP and
    # the server hold, it is no longer read (TCP holds back the rest of its
    # requests), and after 5 s in which it took nothing it is dropped. The
    # others are answered as quickly as ever meanwhile.
    hog = Client("hog")
    hog.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    hog_port = hog.sock.getsockname()[1]

    def server_holds_hog():
        # The server's end of the hog's connection, as the kernel lists it:
        # the hog itself may never hear of the drop (its window is shut, so
        # the server's reset can go unheard), but the server's end is gone.
        want = f"0100007F:{PORT:04X} 0100007F:{hog_port:04X} 01 "
        with open("/proc/net/tcp") as table:
            return any(want in line for line in table)

    request = b"time-at-beat 1 4\n" * 1000
    sent = 0
    blocked_at = None
    dropped_at = None
    slowest_ms = 0.0
    hog.sock.settimeout(0.2)
    started = time.monotonic()
    deadline = started + 30
    while time.monotonic() < deadline:
        try:
            hog.sock.sendall(request)
            sent += len(request)
        except socket.timeout:
            # Its requests no longer go out: the server stopped reading it.
            blocked_at = blocked_at or time.monotonic()
        except OSError:  # a reset or a broken pipe: the server dropped it
            pass
        if not server_holds_hog():
            dropped_at = time.monotonic()
            break
        watcher.send("version\n")
        t0 = time.monotonic()
        watcher.expect('version "1.2.0"', "version while a client does not read", timeout=1.0)
        slowest_ms = max(slowest_ms, (time.monotonic() - t0) * 1000)
    if dropped_at is None:
        fail(f"a client that never reads ({sent // 1024} KiB of requests) was not dropped in 30 s")
    if blocked_at is None:
        fail("a client that never reads was never held back")
    if dropped_at - started < 5.0:
        fail(f"a client that never reads was dropped {dropped_at - started:.1f} s after its first "
             "request, before it could have taken nothing for 5 s")
    ok(f"a client that never reads is no longer read after {sent // 1024} KiB of requests and dropped "
       f"{dropped_at - started:.1f} s after its first; another was answered within {slowest_ms:.1f} ms "
       "meanwhile")
    watcher.close()


def other_peer():
    """A second daemon (argv[3] is the binary) is another Link peer: ours
    hears it join, and then its client forces a beat and ours hears of that
    (Carabiner sends nothing then)."""
    import subprocess
    ours = Client("ours")
    m = ours.expect(STATUS, "status")
    if m.group(1) != "0":
        fail(f"a peer before the other daemon started: {m.group(0)!r}")
    # 120 BPM is a whole number of microseconds a beat: the tempo survives the
    # trip to the other peer and back exactly, so no tempo change (and its
    # status) can stand in for the one about the moved grid.
    ours.send("bpm 120\n")
    ours.settle(0.3)
    other = subprocess.Popen([sys.argv[3], "--daemon", "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        started = other.stdout.readline()
        found = re.search(r"tcp://127\.0\.0\.1:(\d+)$", started.strip())
        if not found:
            fail(f"the other daemon's start-up line: {started!r}")
        ours.status_where(lambda m: m.group(1) == "1", "the broadcast when the other peer joined", 5.0)
        ok("a peer joining: every client gets a status with :peers 1")
        global PORT
        ours_port, PORT = PORT, int(found.group(1))
        theirs = Client("theirs")
        PORT = ours_port
        theirs.expect(STATUS, "status")
        ours.settle(0.5)
        now = link_now_us()
        theirs.send(f"beat-at-time {now} 4.0\n")
        beat = float(theirs.expect(BEAT_AT_TIME, "beat-at-time").group(3))
        target = int(beat) + 2  # the phase moves by about two beats: far more than 1 ms
        t0 = time.monotonic()
        theirs.send(f"force-beat-at-time {target} {now} 4.0\n")
        # Link shares the phase, not the beat numbers: our grid must have the
        # phase of `target` at `now`. Other statuses may come first (the
        # tempo settling after the join).
        def moved(m):
            off = ((now - int(m.group(3))) * float(m.group(2)) / 60e6 - target) % 4.0
            return min(off, 4.0 - off) < 0.01
        ours.status_where(moved, f"a status with the phase of beat {target} at {now} after the other "
                          "peer moved the grid", 2.0)
        took = time.monotonic() - t0
        ok(f"another peer moved the grid: a status {took * 1000:.0f} ms later, on the new grid")
        theirs.close()
    finally:
        other.terminate()
        other.wait(5)
    ours.close()


{"protocol": protocol, "framing": framing, "monotonic": monotonic, "pipeline": pipeline,
 "packets": packets, "abuse": abuse,
 "other-peer": other_peer}[sys.argv[2]]()
