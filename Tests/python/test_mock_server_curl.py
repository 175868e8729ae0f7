"""curl and raw sockets against `osswire mock-server`: presigned upload and download,
`Expect: 100-continue`, chunked request bodies, truncated bodies, faults from the admin endpoint."""
import json
import os
import signal
import socket
import subprocess
import tempfile
import unittest
import urllib.parse

import alibabacloud_oss_v2 as oss

from mockserver import DEMO_ID, DEMO_SECRET, MockServer

BUCKET = "curl-bucket"


def payload(n, seed=3):
    return bytes((i * 131 + seed) & 0xFF for i in range(n))


class CurlTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = MockServer("--bucket", BUCKET)
        cfg = oss.config.load_default()
        cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(DEMO_ID, DEMO_SECRET)
        cfg.region = "cn-hangzhou"
        cfg.endpoint = cls.server.url
        cls.client = oss.Client(cfg)
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()
        assert cls.server.stop() == 0

    def setUp(self):
        self.server.admin("DELETE", "faults")

    def presign_put(self, key):
        return self.client.presign(oss.PutObjectRequest(bucket=BUCKET, key=key)).url

    def presign_get(self, key):
        return self.client.presign(oss.GetObjectRequest(bucket=BUCKET, key=key)).url

    def curl(self, *args, data=None):
        return subprocess.run(["curl", "-sS", "--max-time", "30", *args], input=data, capture_output=True)

    def file_with(self, data):
        path = os.path.join(self.tmp.name, "f%d" % len(data))
        with open(path, "wb") as f:
            f.write(data)
        return path

    def last_log(self, operation):
        entries = [e for e in json.loads(self.server.admin("GET", "log")) if e["operation"] == operation]
        return entries[-1]

    def stored(self, key):
        r = self.curl("-o", "-", "-w", "\n%{http_code}", self.presign_get(key))
        body, _, status = r.stdout.rpartition(b"\n")
        return body if status == b"200" else None

    def test_presigned_upload_and_download(self):
        data = payload(3 * 1024 * 1024)
        r = self.curl("-f", "-T", self.file_with(data), self.presign_put("curl/presigned"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.stored("curl/presigned"), data)
        r = self.curl("-f", "-r", "10-19", self.presign_get("curl/presigned"))
        self.assertEqual(r.stdout, data[10:20])

    def test_expect_100_continue(self):
        data = payload(200_000)
        r = self.curl("-f", "-v", "-H", "Expect: 100-continue", "-T", self.file_with(data), self.presign_put("curl/expect"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"100 Continue", r.stderr)
        self.assertEqual(self.stored("curl/expect"), data)

    def test_expect_100_continue_refused_sends_no_body(self):
        url = self.presign_put("curl/refused").replace("x-oss-signature=", "x-oss-signature=00")
        r = self.curl("-v", "-H", "Expect: 100-continue", "-T", self.file_with(payload(300_000)), url)
        self.assertIn(b"403", r.stderr)
        self.assertNotIn(b"100 Continue", r.stderr)
        self.assertIn(b"SignatureDoesNotMatch", r.stdout)
        self.assertIsNone(self.stored("curl/refused"))

    def test_chunked_request_body(self):
        data = payload(500_000)
        r = self.curl("-f", "-H", "Transfer-Encoding: chunked", "-T", "-", self.presign_put("curl/chunked"), data=data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.stored("curl/chunked"), data)
        entry = self.last_log("PutObject")
        self.assertEqual((entry["bytes_received"], entry["body_completed"]), (len(data), True))

    def test_truncated_body_stores_nothing(self):
        url = urllib.parse.urlsplit(self.presign_put("curl/truncated"))
        s = socket.create_connection(("127.0.0.1", self.server.port))
        head = "PUT %s?%s HTTP/1.1\r\nHost: %s\r\nContent-Length: 100000\r\n\r\n" % (url.path, url.query, url.netloc)
        s.sendall(head.encode() + payload(40_000))
        s.close()
        # The server sees the close; a later request on a new connection observes the result.
        for _ in range(100):
            entries = [e for e in json.loads(self.server.admin("GET", "log")) if e["key"] == "curl/truncated"]
            if entries:
                break
        self.assertEqual(entries[-1]["client_closed_mid_body"], True)
        self.assertEqual(entries[-1]["body_completed"], False)
        self.assertIsNone(self.stored("curl/truncated"))

    def test_wrong_signature_and_expired_url_are_answered_clearly(self):
        bad = self.presign_get("curl/presigned").replace("x-oss-signature=", "x-oss-signature=ff")
        r = self.curl("-w", "\n%{http_code}", bad)
        self.assertTrue(r.stdout.endswith(b"\n403"))
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", r.stdout)
        self.server.admin("PUT", "faults", "clock-skew=7200")
        r = self.curl("-w", "\n%{http_code}", self.presign_get("curl/presigned"))
        self.assertIn(b"<Code>AccessDenied</Code>", r.stdout)
        self.assertIn(b"expired", r.stdout)

    def test_reset_fault_from_the_admin_endpoint(self):
        self.server.admin("PUT", "faults", "reset-after-bytes=65536")
        r = self.curl("-T", self.file_with(payload(2 * 1024 * 1024)), self.presign_put("curl/reset"))
        self.assertNotEqual(r.returncode, 0)
        self.server.admin("DELETE", "faults")
        self.assertIsNone(self.stored("curl/reset"))

    def test_injected_error_and_connection_close(self):
        self.server.admin("PUT", "faults", "fail=PutObject:1:503:ServiceUnavailable&connection-close=1")
        r = self.curl("-v", "-w", "\n%{http_code}", "-T", self.file_with(payload(10)), self.presign_put("curl/injected"))
        self.assertTrue(r.stdout.endswith(b"\n503"), r.stdout)
        self.assertIn(b"ServiceUnavailable", r.stdout)
        self.assertIn(b"Connection: close", r.stderr)
        self.assertIsNone(self.stored("curl/injected"))

    def test_sigint_stops_cleanly(self):
        other = MockServer()
        other.proc.send_signal(signal.SIGINT)
        other.proc.wait(timeout=15)
        self.assertEqual(other.stop(), 0)


if __name__ == "__main__":
    unittest.main()
