"""One multipart upload with the official OSS Python SDK's uploader (alibabacloud-oss-v2).

Run by `osswire-bench multipart` as a child process, so that its peak RSS and wall time are
measured the same way as `osswire cp`'s. Credentials come from OSS_ACCESS_KEY_ID and
OSS_ACCESS_KEY_SECRET. Prints one JSON line: bytes, seconds, crc64 (as the SDK reports it).

Usage: python upload.py ENDPOINT REGION BUCKET KEY FILE PART_SIZE PARALLEL
"""
import json
import os
import sys
import time

import alibabacloud_oss_v2 as oss


def main(argv):
    endpoint, region, bucket, key, path, part_size, parallel = argv[1:8]
    cfg = oss.config.load_default()
    cfg.credentials_provider = oss.credentials.EnvironmentVariableCredentialsProvider()
    cfg.region = region
    cfg.endpoint = endpoint
    cfg.signature_version = "v4"
    client = oss.Client(cfg)
    uploader = client.uploader(part_size=int(part_size), parallel_num=int(parallel))
    start = time.monotonic()
    result = uploader.upload_file(oss.PutObjectRequest(bucket=bucket, key=key), filepath=path)
    seconds = time.monotonic() - start
    print(json.dumps({
        "bytes": os.path.getsize(path),
        "seconds": seconds,
        "crc64": result.hash_crc64,
        "upload_id": result.upload_id,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
