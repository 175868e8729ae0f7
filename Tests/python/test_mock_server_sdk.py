"""The official OSS Python SDK (alibabacloud-oss-v2) against `osswire mock-server`.

Every operation must succeed with the data intact (the SDK checks CRC64 on uploads and
downloads by itself), and bad requests must fail with OSS's error codes and store nothing.
"""
import datetime
import hashlib
import os
import time
import unittest
import urllib.error
import urllib.request

import alibabacloud_oss_v2 as oss

from mockserver import DEMO_ID, DEMO_SECRET, MockServer

BUCKET = "sdk-bucket"
REGION = "cn-hangzhou"


def make_client(server, version="v4", secret=DEMO_SECRET, key_id=DEMO_ID):
    cfg = oss.config.load_default()
    cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(key_id, secret)
    cfg.region = REGION
    cfg.endpoint = server.url
    cfg.signature_version = version
    cfg.retry_max_attempts = 1
    return oss.Client(cfg)


def payload(n, seed=1):
    return bytes((i * 31 + seed) & 0xFF for i in range(n))


def service_error(fn):
    try:
        fn()
    except oss.exceptions.OperationError as e:
        inner = e.unwrap()
        if isinstance(inner, oss.exceptions.ServiceError):
            return inner
        raise
    raise AssertionError("the request succeeded but should have failed")


class SDKTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = MockServer("--bucket", BUCKET)
        cls.v4 = make_client(cls.server, "v4")
        cls.v1 = make_client(cls.server, "v1")

    @classmethod
    def tearDownClass(cls):
        status = cls.server.stop()
        assert status == 0, "mock-server exited with %r" % status

    def keys(self, prefix=""):
        out = []
        for page in self.v4.list_objects_v2_paginator().iter_page(
                oss.ListObjectsV2Request(bucket=BUCKET, prefix=prefix)):
            out += [o.key for o in (page.contents or [])]
        return out

    def test_01_demo_credentials_printed(self):
        self.assertIn("OSS_ACCESS_KEY_ID=" + DEMO_ID, self.server.printed)

    def check_object_roundtrip(self, client, key):
        data = payload(300_000, seed=len(key))
        put = client.put_object(oss.PutObjectRequest(
            bucket=BUCKET, key=key, body=data, metadata={"purpose": "test"}, content_type="application/x-test"))
        self.assertEqual(put.status_code, 200)
        self.assertEqual(put.etag, '"%s"' % hashlib.md5(data).hexdigest().upper())
        got = client.get_object(oss.GetObjectRequest(bucket=BUCKET, key=key))
        self.assertEqual(got.body.read(), data)
        self.assertEqual(got.metadata.get("purpose"), "test")
        ranged = client.get_object(oss.GetObjectRequest(bucket=BUCKET, key=key, range_header="bytes=1000-1999"))
        self.assertEqual(ranged.status_code, 206)
        self.assertEqual(ranged.body.read(), data[1000:2000])
        head = client.head_object(oss.HeadObjectRequest(bucket=BUCKET, key=key))
        self.assertEqual(head.content_length, len(data))
        self.assertEqual(head.content_type, "application/x-test")
        self.assertEqual(int(head.hash_crc64), int(put.hash_crc64))
        meta = client.get_object_meta(oss.GetObjectMetaRequest(bucket=BUCKET, key=key))
        self.assertEqual((meta.content_length, meta.etag), (len(data), put.etag))
        self.assertTrue(client.is_object_exist(BUCKET, key))
        client.delete_object(oss.DeleteObjectRequest(bucket=BUCKET, key=key))
        self.assertFalse(client.is_object_exist(BUCKET, key))
        err = service_error(lambda: client.head_object(oss.HeadObjectRequest(bucket=BUCKET, key=key)))
        self.assertEqual(err.status_code, 404)
        self.assertEqual(err.code, "NoSuchKey")
        self.assertTrue(err.request_id)

    def test_02_put_get_range_head_delete_v4(self):
        self.check_object_roundtrip(self.v4, "v4/a key with spaces+plus/ü.bin")

    def test_03_put_get_range_head_delete_v1(self):
        self.check_object_roundtrip(self.v1, "v1/a key with spaces+plus/ü.bin")

    def test_04_batch_delete(self):
        names = ["batch/a", "batch/b c", "batch/d&e", "batch/f"]
        for k in names:
            self.v4.put_object(oss.PutObjectRequest(bucket=BUCKET, key=k, body=b"x"))
        result = self.v4.delete_multiple_objects(oss.DeleteMultipleObjectsRequest(
            bucket=BUCKET, encoding_type="url", objects=[oss.DeleteObject(key=k) for k in names[:3]]))
        self.assertEqual(sorted(d.key for d in result.deleted_objects), sorted(names[:3]))
        quiet = self.v1.delete_multiple_objects(oss.DeleteMultipleObjectsRequest(
            bucket=BUCKET, quiet=True, objects=[oss.DeleteObject(key="batch/f")]))
        self.assertEqual(quiet.deleted_objects or [], [])
        self.assertEqual(self.keys("batch/"), [])

    def test_05_list_objects_v2_encoding_and_paging(self):
        names = sorted(["list/%02d %s" % (i, s) for i, s in enumerate(["a", "ü", "+", "&", "%", "b/c", "d/e"])])
        for k in names:
            self.v4.put_object(oss.PutObjectRequest(bucket=BUCKET, key=k, body=k.encode()))
        pages = list(self.v4.list_objects_v2_paginator().iter_page(
            oss.ListObjectsV2Request(bucket=BUCKET, prefix="list/", max_keys=3)))
        self.assertEqual(len(pages), 3)
        self.assertEqual([o.key for p in pages for o in (p.contents or [])], names)
        grouped = self.v4.list_objects_v2(oss.ListObjectsV2Request(bucket=BUCKET, prefix="list/", delimiter="/"))
        self.assertEqual([o.key for o in grouped.contents], [k for k in names if "/" not in k[5:]])
        self.assertEqual([p.prefix for p in grouped.common_prefixes], ["list/05 b/", "list/06 d/"])
        v1pages = list(self.v1.list_objects_paginator().iter_page(
            oss.ListObjectsRequest(bucket=BUCKET, prefix="list/", max_keys=2)))
        self.assertEqual([o.key for p in v1pages for o in (p.contents or [])], names)

    def multipart(self, client, key, sizes):
        init = client.initiate_multipart_upload(oss.InitiateMultipartUploadRequest(bucket=BUCKET, key=key))
        parts, data = [], b""
        for n, size in enumerate(sizes, start=1):
            chunk = payload(size, seed=n)
            r = client.upload_part(oss.UploadPartRequest(
                bucket=BUCKET, key=key, upload_id=init.upload_id, part_number=n, body=chunk))
            parts.append(oss.UploadPart(part_number=n, etag=r.etag))
            data += chunk
        return init.upload_id, parts, data

    def test_06_multipart_initiate_upload_list_complete(self):
        for client, key in ((self.v4, "mp/v4 object"), (self.v1, "mp/v1 object")):
            upload_id, parts, data = self.multipart(client, key, [100 * 1024, 150 * 1024, 1234])
            listed = client.list_parts(oss.ListPartsRequest(bucket=BUCKET, key=key, upload_id=upload_id))
            self.assertEqual([p.part_number for p in listed.parts], [1, 2, 3])
            self.assertEqual([p.etag for p in listed.parts], [p.etag for p in parts])
            paged = list(client.list_parts_paginator().iter_page(
                oss.ListPartsRequest(bucket=BUCKET, key=key, upload_id=upload_id, max_parts=2)))
            self.assertEqual(len(paged), 2)
            done = client.complete_multipart_upload(oss.CompleteMultipartUploadRequest(
                bucket=BUCKET, key=key, upload_id=upload_id,
                complete_multipart_upload=oss.CompleteMultipartUpload(parts=parts)))
            md5s = b"".join(hashlib.md5(payload(s, seed=i + 1)).digest()
                            for i, s in enumerate([100 * 1024, 150 * 1024, 1234]))
            self.assertEqual(done.etag, '"%s-3"' % hashlib.md5(md5s).hexdigest().upper())
            got = client.get_object(oss.GetObjectRequest(bucket=BUCKET, key=key))
            self.assertEqual(got.body.read(), data)

    def test_07_abort_then_no_such_upload(self):
        upload_id, parts, _ = self.multipart(self.v4, "mp/aborted", [1000])
        uploads = self.v4.list_multipart_uploads(oss.ListMultipartUploadsRequest(bucket=BUCKET, prefix="mp/aborted"))
        self.assertIn(upload_id, [u.upload_id for u in uploads.uploads])
        self.v4.abort_multipart_upload(oss.AbortMultipartUploadRequest(
            bucket=BUCKET, key="mp/aborted", upload_id=upload_id))
        for call in (
            lambda: self.v4.upload_part(oss.UploadPartRequest(
                bucket=BUCKET, key="mp/aborted", upload_id=upload_id, part_number=2, body=b"x")),
            lambda: self.v4.list_parts(oss.ListPartsRequest(bucket=BUCKET, key="mp/aborted", upload_id=upload_id)),
            lambda: self.v4.complete_multipart_upload(oss.CompleteMultipartUploadRequest(
                bucket=BUCKET, key="mp/aborted", upload_id=upload_id,
                complete_multipart_upload=oss.CompleteMultipartUpload(parts=parts))),
        ):
            self.assertEqual(service_error(call).code, "NoSuchUpload")
        self.assertNotIn("mp/aborted", self.keys("mp/"))

    def test_08_complete_errors_store_nothing(self):
        key = "mp/bad"
        upload_id, parts, _ = self.multipart(self.v4, key, [1000, 100 * 1024])

        def complete(plist):
            return lambda: self.v4.complete_multipart_upload(oss.CompleteMultipartUploadRequest(
                bucket=BUCKET, key=key, upload_id=upload_id,
                complete_multipart_upload=oss.CompleteMultipartUpload(parts=plist)))

        e = service_error(complete(list(reversed(parts))))
        self.assertEqual((e.status_code, e.code), (400, "InvalidPartOrder"))
        e = service_error(complete(parts))
        self.assertEqual((e.status_code, e.code), (400, "EntityTooSmall"))
        e = service_error(complete([oss.UploadPart(part_number=1, etag='"0123456789ABCDEF0123456789ABCDEF"')]))
        self.assertEqual(e.code, "InvalidPart")
        e = service_error(lambda: self.v4.invoke_operation(oss.OperationInput(
            op_name="CompleteMultipartUpload", method="POST", bucket=BUCKET, key=key,
            parameters={"uploadId": upload_id}, body=b"<CompleteMultipartUpload><Part>")))
        self.assertEqual(e.code, "MalformedXML")
        self.assertNotIn(key, self.keys("mp/"))
        # The upload is still usable: the last part alone is a valid object.
        self.v4.complete_multipart_upload(oss.CompleteMultipartUploadRequest(
            bucket=BUCKET, key=key, upload_id=upload_id,
            complete_multipart_upload=oss.CompleteMultipartUpload(parts=[parts[1]])))

    def test_09_presigned_get_and_put_with_a_plain_http_client(self):
        for client in (self.v4, self.v1):
            key = "presigned/%s file" % ("v4" if client is self.v4 else "v1")
            data = payload(5000)
            # urllib adds a Content-Type to every body; sign the one it will send.
            put = client.presign(oss.PutObjectRequest(bucket=BUCKET, key=key, content_type="application/octet-stream"))
            req = urllib.request.Request(put.url, data=data, method="PUT", headers=put.signed_headers or {})
            with urllib.request.urlopen(req, timeout=10) as r:
                self.assertEqual(r.status, 200)
            get = client.presign(oss.GetObjectRequest(bucket=BUCKET, key=key))
            with urllib.request.urlopen(get.url, timeout=10) as r:
                self.assertEqual(r.read(), data)

    def test_10_expired_presigned_url_is_denied(self):
        get = self.v4.presign(oss.GetObjectRequest(bucket=BUCKET, key="presigned/v4 file"),
                              expires=datetime.timedelta(seconds=2))
        time.sleep(3.5)
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(get.url, timeout=10)
        self.assertEqual(cm.exception.code, 403)
        body = cm.exception.read().decode()
        self.assertIn("<Code>AccessDenied</Code>", body)
        self.assertIn("expired", body)

    def test_11_wrong_secret_is_signature_does_not_match(self):
        for version in ("v4", "v1"):
            bad = make_client(self.server, version, secret="not-the-secret")
            e = service_error(lambda: bad.put_object(oss.PutObjectRequest(
                bucket=BUCKET, key="wrong/secret", body=b"data")))
            self.assertEqual((e.status_code, e.code), (403, "SignatureDoesNotMatch"))
            self.assertTrue(e.ec)
            self.assertNotIn("not-the-secret", str(e))
        unknown = make_client(self.server, "v4", key_id="nobody")
        e = service_error(lambda: unknown.get_object(oss.GetObjectRequest(bucket=BUCKET, key="x")))
        self.assertEqual(e.code, "InvalidAccessKeyId")
        self.assertEqual(self.keys("wrong/"), [])

    def test_12_append_copy_and_buckets(self):
        a = self.v4.append_object(oss.AppendObjectRequest(bucket=BUCKET, key="app", position=0, body=b"abc"))
        self.assertEqual(a.next_position, 3)
        e = service_error(lambda: self.v4.append_object(oss.AppendObjectRequest(
            bucket=BUCKET, key="app", position=1, body=b"d")))
        self.assertEqual(e.code, "PositionNotEqualToLength")
        self.v4.append_object(oss.AppendObjectRequest(bucket=BUCKET, key="app", position=3, body=b"def"))
        self.v4.copy_object(oss.CopyObjectRequest(bucket=BUCKET, key="app copy", source_bucket=BUCKET, source_key="app"))
        self.assertEqual(self.v4.get_object(oss.GetObjectRequest(bucket=BUCKET, key="app copy")).body.read(), b"abcdef")
        self.v1.put_bucket(oss.PutBucketRequest(bucket="sdk-second"))
        names = [b.name for b in self.v4.list_buckets(oss.ListBucketsRequest()).buckets]
        self.assertIn("sdk-second", names)
        self.v4.delete_bucket(oss.DeleteBucketRequest(bucket="sdk-second"))
        e = service_error(lambda: self.v4.delete_bucket(oss.DeleteBucketRequest(bucket=BUCKET)))
        self.assertEqual(e.code, "BucketNotEmpty")

    def test_14_uploader_and_downloader_in_parallel(self):
        import tempfile
        data = payload(1_500_000, seed=7)
        with tempfile.TemporaryDirectory() as tmp:
            src, dst = os.path.join(tmp, "src"), os.path.join(tmp, "dst")
            with open(src, "wb") as f:
                f.write(data)
            up = self.v4.uploader(part_size=200 * 1024, parallel_num=4).upload_file(
                oss.PutObjectRequest(bucket=BUCKET, key="managed/file"), src)
            self.assertTrue(up.upload_id)
            self.v4.downloader(part_size=100 * 1024, parallel_num=4).download_file(
                oss.GetObjectRequest(bucket=BUCKET, key="managed/file"), dst)
            with open(dst, "rb") as f:
                self.assertEqual(f.read(), data)

    def test_13_request_log_from_the_admin_endpoint(self):
        log = self.server.admin("GET", "log")
        self.assertIn('"operation":"UploadPart"', log)
        self.assertIn('"operation":"CompleteMultipartUpload"', log)


class STSTests(unittest.TestCase):
    def test_sts_token_accepted_when_configured(self):
        server = MockServer("--bucket", BUCKET, "--access-key-id", "STS.id", "--access-key-secret", "sts-secret",
                            "--security-token", "the-token")
        try:
            self.assertFalse(any("sts-secret" in line for line in server.printed))
            cfg = oss.config.load_default()
            cfg.credentials_provider = oss.credentials.StaticCredentialsProvider("STS.id", "sts-secret", "the-token")
            cfg.region = REGION
            cfg.endpoint = server.url
            client = oss.Client(cfg)
            client.put_object(oss.PutObjectRequest(bucket=BUCKET, key="sts", body=b"token ok"))
            self.assertEqual(client.get_object(oss.GetObjectRequest(bucket=BUCKET, key="sts")).body.read(), b"token ok")
            cfg.credentials_provider = oss.credentials.StaticCredentialsProvider("STS.id", "sts-secret", "other")
            e = service_error(lambda: oss.Client(cfg).get_object(oss.GetObjectRequest(bucket=BUCKET, key="sts")))
            self.assertEqual(e.code, "InvalidSecurityToken")
        finally:
            self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    unittest.main()
