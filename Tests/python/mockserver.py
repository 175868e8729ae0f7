"""Starts and stops `osswire mock-server` for the tests (stopped by pid, never by name)."""
import os
import re
import signal
import subprocess
import time
import urllib.request

DEMO_ID = "LTAI-mock-demo-key"
DEMO_SECRET = "mock-demo-secret"


class MockServer:
    def __init__(self, *args):
        binary = os.environ.get("OSSWIRE_BIN") or os.path.join(
            os.path.dirname(__file__), "..", "..", ".build", "debug", "osswire")
        self.proc = subprocess.Popen(
            [binary, "mock-server", "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.printed = []
        deadline = time.monotonic() + 30
        self.url = None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.printed.append(line.strip())
            m = re.match(r"listening on (http://[^\s]+)", line)
            if m:
                self.url = m.group(1)
                break
        if self.url is None:
            self.stop()
            raise RuntimeError("mock-server did not start: %r %s" % (self.printed, self.proc.stderr.read()))
        self.port = int(self.url.rsplit(":", 1)[1])

    def admin(self, method, path, query=""):
        req = urllib.request.Request(self.url + "/_mock/" + path + (("?" + query) if query else ""), method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read().decode()

    def stop(self):
        """SIGTERM by pid; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdout, self.proc.stderr):
            if f:
                f.close()
        return self.proc.returncode
