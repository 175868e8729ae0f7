import OSSMockServer

/// The `--help` text of every command (bench prints its own). Each lists every option the
/// command accepts; `HelpTests` checks that against what the parser takes.
enum Help {
    /// The options every command that talks to OSS takes.
    static let common = """
        common options:
          --endpoint URL           http://host[:port] or https://host[:port] (default $OSS_ENDPOINT);
                                   an endpoint without a scheme is https, and osswire says so
          --region R               the region V4 signs for (default $OSS_REGION, else read from an
                                   oss-<region>.aliyuncs.com endpoint)
          --signature-version 1|4  default 4
          --path-style             address endpoint/bucket/key instead of bucket.endpoint/key
                                   (implied for IP-address and localhost endpoints)
          --insecure               do not verify the server's TLS certificate
          --cacert FILE            trust the CA certificates in FILE
          --timeout SECONDS        connect (TLS handshake included) and idle timeout, per attempt
          --json                   print one JSON object: state, code, error and the result
          -h, --help               this help
        credentials come from OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET and OSS_SESSION_TOKEN.
        exit status: 0 done, 1 failed, 2 usage or configuration mistake
        """

    static let cp = """
        usage: osswire cp SRC DST [options]

        Copies one object or file:
          osswire cp FILE oss://bucket/key     upload (oss://bucket/dir/ keeps the file's name)
          osswire cp oss://bucket/key FILE     download (a directory keeps the key's last name)
          osswire cp oss://b/key oss://b/key2  server-side copy (CopyObject; above --copy-threshold
                                               a resumable multipart copy by UploadPartCopy)
          osswire cp - oss://bucket/key        upload standard input, streamed in parts
          osswire cp oss://bucket/key -        download to standard output
        At most one part's worth goes in one request; larger uploads are resumable multipart
        uploads, larger downloads parallel ranged GETs, both checked by CRC64. A destination that
        is not a regular file (a device, a FIFO) is written in place, never replaced. There is no
        recursive copy: SRC is one file.

        options:
          --part-size N            part size in bytes (default 8388608; 102400...5368709120)
          --jobs N                 parts in flight at once (default 4; 1...64)
          --copy-threshold N       server-side copies above N bytes go part by part (default
                                   1073741824, OSS's CopyObject limit)
          --checkpoint-dir DIR     where resumable transfers keep checkpoints (default
                                   $OSSWIRE_CHECKPOINT_DIR, else $XDG_STATE_HOME/osswire/checkpoints,
                                   else ~/.local/state/osswire/checkpoints)
          --version-id ID          download or copy that version of the source object (of a
                                   versioned bucket: osswire ls lists the version ids)
          --no-fsync               a download's file is renamed into place without waiting for
                                   the disk (as curl leaves it): faster on a slow disk, but a
                                   crash soon after may leave it incomplete
        what an upload (or copy) makes; checked before anything is sent:
          --content-type TYPE      Content-Type (default: the file's extension's, else the key's,
                                   else application/octet-stream)
          --meta NAME=VALUE        user metadata x-oss-meta-NAME (repeatable)
          --cache-control V, --content-disposition V
          --storage-class C        Standard, IA, Archive, ColdArchive or DeepColdArchive
          --acl ACL                default, private, public-read or public-read-write
          --tagging 'k=v&k2=v2'    object tags, URL-encoded (keys 1-128, values 0-256 chars, 10 at most)
          --sse AES256|KMS|SM4     server-side encryption; --sse-kms-key-id ID with KMS
        A resumed upload keeps the headers it started with; other headers start a fresh upload.

        A progress bar shows on a terminal, then one summary line. --json prints one object
        (upload, download and copy alike): state, code, error, direction, source, destination,
        bucket, key, local_path, bytes, bytes_sent, seconds, upload_id, parts_total, parts_done,
        parts_resumed, crc64 (a string: 64 bits do not fit a JSON reader's double), etag, reason,
        notes, checkpoint.
        SIGINT (Ctrl-C) or SIGTERM pauses: sockets close at once, the checkpoint and the UploadId
        stay, and the same command run again resumes. Exit 130 after SIGINT, 143 after SIGTERM.

        """ + common

    static let tag = """
        usage: osswire tag get oss://bucket/key [options]
               osswire tag put oss://bucket/key [key=value ...] [options]
               osswire tag rm oss://bucket/key [options]

        Shows (one key=value a line), replaces or removes an object's tags (GetObjectTagging,
        PutObjectTagging, DeleteObjectTagging). At most 10 tags; keys 1...128 characters, values
        0...256, of letters, digits, spaces and + - = . _ : / (checked before anything is sent).
        --json: {"state","code","error","object","tags":[{"key","value"}]} for get.

        """ + common

    static let acl = """
        usage: osswire acl get oss://bucket[/key] [options]
               osswire acl set oss://bucket[/key] ACL [options]

        Shows or sets a bucket's ACL (private, public-read, public-read-write) or an object's
        (the same, or default: the bucket's). OSS refuses a public ACL while Block Public Access
        is on.
        --json: {"state","code","error","target","acl"}.

        """ + common

    static let symlink = """
        usage: osswire symlink oss://bucket/link oss://bucket/target [options]
               osswire symlink oss://bucket/link [options]

        Makes link a symlink to target, in the same bucket (PutSymlink); with one argument, prints
        the target (GetSymlink). Reading the link (cp, stat) reads the target.
        --json: {"state","code","error","link","target"}.

        """ + common

    static let restore = """
        usage: osswire restore oss://bucket/key [--days N] [--tier T] [options]
               osswire restore oss://bucket/key --clean [options]

        Asks OSS for a readable copy of an Archive, Cold Archive or Deep Cold Archive object
        (RestoreObject); `osswire stat` shows `restore: ongoing`, then `restored` with its
        expiry. A restore already under way is RestoreAlreadyInProgress (exit 1).

        options:
          --days N                 how long the restored copy lives (Archive 1...7, else 1...365)
          --tier T                 Expedited, Standard or Bulk (Cold and Deep Cold Archive only)
          --clean                  remove the restored copy instead (CleanRestoredObject)
        --json: {"state","code","error","object","started","priority"}.

        """ + common

    static let ls = """
        usage: osswire ls oss://bucket[/prefix] [options]
               osswire ls [options]                      (lists the buckets)

        Lists every object under a prefix (all pages), then a total; without an argument, the
        buckets.

        options:
          --delimiter D            group keys by D (usually /): common prefixes show as DIR
          --max-keys N             keys per listing request (1...1000)
          --versions               every version and delete marker (ListObjectVersions): keys in
                                   order, each key's latest first; a delete marker shows DELETED
          --bucket-tag KEY[=VALUE] without an argument: only the buckets with that tag key (or
                                   tag); repeated, only those with every KEY=VALUE given

        --json: {"state","code","error","objects":[{"key","size","last_modified","etag"}],
        "prefixes":[...],"count","bytes"}, or {"state","code","error","buckets":[...],"count"};
        with --versions {"state","code","error","versions":[{"key","version_id","is_latest",
        "delete_marker","size","last_modified","etag"}],"prefixes":[...],"count",
        "delete_markers","bytes"} (count and bytes are of the versions, not the markers).

        """ + common

    static let stat = """
        usage: osswire stat oss://bucket/key [options]

        Shows an object's metadata (HeadObject): size, content type, ETag, last modified, CRC64,
        object type, storage class, version, tag count, restore state (ongoing or restored, and
        when the restored copy expires), user metadata.

        options:
          --version-id ID          that version of the object (in a versioned bucket)
        --json: one object; size, next_append_position and tagging_count are numbers, crc64 a string.

        """ + common

    static let rm = """
        usage: osswire rm oss://bucket/key... [options]

        Deletes objects (DeleteObject, one per key). Deleting a missing key succeeds. Every key is
        tried; each failure is reported, and the exit status is 1 if any failed. In a versioned
        bucket a delete without --version-id makes a delete marker (the older versions stay).

        options:
          --version-id ID          delete that version of the one key given for good (a delete
                                   marker's id removes the marker, restoring the version below)
        --json: {"state","code","error","deleted":[...],"failed":[{"object","code","error"}]}.

        """ + common

    static let mb = """
        usage: osswire mb oss://bucket [options]

        Makes a bucket (PutBucket).

        options:
          --acl ACL                private, public-read or public-read-write
          --storage-class C        Standard, IA, Archive, ...

        """ + common

    static let rb = """
        usage: osswire rb oss://bucket [options]

        Removes an empty bucket (DeleteBucket).

        """ + common

    static let bucket = """
        usage: osswire bucket info|location|stat|exists oss://bucket [options]
               osswire bucket CONFIG get|rm oss://bucket [options]
               osswire bucket CONFIG put oss://bucket FILE [options]

        Reads a bucket: info (GetBucketInfo), location (GetBucketLocation), stat (GetBucketStat:
        sizes and counts), exists (true or false; exit 0 either way).

        CONFIG is cors, lifecycle, website, referer, policy, logging, encryption or tags: get
        prints the configuration as OSS returns it (XML; JSON for policy), put sets it from FILE
        (the same format, checked against OSS's rules before it is sent), rm removes it (referer
        has no rm). A bucket without the configuration answers OSS's error (NoSuchCORSConfiguration,
        NoSuchLifecycle, ...; tags, referer and logging answer an empty one).

        put without FILE, for the simple ones:
          --tag KEY=VALUE          tags (repeatable; at most 20)
          --sse ALGORITHM          encryption: AES256, KMS or SM4
          --kms-key-id ID          encryption: the KMS key, with --sse KMS
          --target-bucket B        logging: where the logs go (must exist)
          --target-prefix P        logging: the prefix of the log objects

        """ + common

    static let uploads = """
        usage: osswire uploads ls oss://bucket[/prefix] [options]
               osswire uploads abort oss://bucket/key (--upload-id ID | --all) [--older-than DURATION] [options]

        Unfinished multipart uploads keep their parts (and their cost) on the server until they
        are completed or aborted. `ls` lists them (key, UploadId, when it was started); `abort`
        aborts one by its id, or every upload of that key with --all. A paused `osswire cp`
        resumes from its UploadId: aborting it makes the next cp start over.

        options:
          --upload-id ID           the upload to abort
          --all                    every upload of the key (with --older-than: only older ones)
          --older-than DURATION    only uploads started longer ago than DURATION: 90s, 30m,
                                   12h, 7d (a plain number is seconds)

        --json: {"state","code","error","uploads":[{"key","upload_id","initiated"}],"count"} for
        ls; {"state","code","error","aborted":[...],"failed":[...]} for abort.

        """ + common

    static let presign = """
        usage: osswire presign oss://bucket/key [options]
               osswire presign post oss://bucket[/prefix] [options]

        Prints one presigned URL (no request is sent).

        presign post prints a signed browser-upload form (PostObject, V4): the URL to POST to,
        then the form fields in order as name=value lines; a browser or curl sends them
        (curl -F name=value, one per field), then the file last as the field `file`
        (curl -F file=@photo.jpg). The policy allows keys under the prefix, and the key field
        is <prefix>${filename}: OSS puts the uploaded file's name there.

        options:
          --method M               the HTTP method the URL is for (default GET)
          --expires SECONDS        how long the URL is valid (default 900; V4: 1...604800);
                                   for post, how long the policy is (default 3600)
          --at ISO8601             sign as of this UTC time (2024-02-29T12:00:00Z), for a
                                   reproducible URL

        post options:
          --content-length-range MIN,MAX   the file's size in bytes must be within MIN...MAX
          --content-type T                 the object's Content-Type must be T (a field sets it)
          --success-action-status S        answer 200, 201 (with XML) or 204 (OSS's default)
          --meta NAME=VALUE                x-oss-meta-NAME must be VALUE (a field sets it);
                                           repeatable

        --json (post): {"state","code","error","url","method","expires","fields":[{"name",
        "value"}],"policy"} (policy: the JSON the policy field carries in base64).

        """ + common

    static let http = """
        usage: osswire http get|head|delete URL [-o F|-] [options]
               osswire http put|post URL --file F [options]   (post: --file optional)
               osswire http VERB URL --count N [--concurrency C] [options]

        Raw HTTP/1.1 requests with a per-phase timing breakdown, as curl -w gives it. One
        request prints the status line and headers, the TLS version and cipher, DNS, connect,
        TLS, request sent, time to first byte, total, bytes, rate (MB/s), whether the connection
        was reused, and for a 4xx/5xx answer its error body (OSS's code, message, request id
        and EC when it is OSS's XML). Without -o a downloaded body is counted and discarded;
        -o - writes it to standard output (the report then goes to standard error).
        --count N sends N requests from C workers on kept-alive connections (a worker sends its
        next request when its last one ended; failures are counted and the run goes on) and
        prints the statuses, errors, connections opened and reused, and p50/p90/p99/max of the
        total time and the time to first byte.
        Exit 0 when every answer was 1xx-3xx, 1 otherwise, 2 for a usage error.

        options:
          --file F                 the body of a put or post
          -o, --output F           where a get writes the body (- for standard output)
          -H, --header 'N: V'      add a request header (repeatable; CR, LF or NUL refused)
          --count N                send N requests and report percentiles (default 1)
          --concurrency C          workers for --count (default 1)
          --json                   the report as one JSON object
          --insecure               do not verify the server's TLS certificate
          --cacert FILE            trust the CA certificates in FILE
          --timeout SECONDS        connect and whole-request timeout (each request)
          -h, --help               this help
        """

    static let bench = """
        usage: osswire bench put|get|head|delete|list|multipart|mixed --bucket B [options]
               osswire bench compare A.json B.json [--json]
               osswire bench merge A.json B.json ... [--json FILE]
               osswire bench loopback [options]   (the self-benchmark; `bench loopback --help`)

        A transport benchmark against an OSS endpoint (or, with --mock, the in-process mock). Per
        operation: count, errors by code, retries, connections opened and reused, bytes, ops/s,
        bytes/s, and latency percentiles (p50, p90, p99, p99.9, max) of the total time, the time to
        first byte and each phase: dns, connect, tls, sent, first_byte, last_byte. On a terminal a
        progress line is refreshed once a second; Ctrl-C stops and prints the summary so far.

        options:
          --bucket B               the bucket (default with --mock: bench)
          --prefix P               key prefix (default: a fresh random one, printed)
          --size N | A..B          object size; KiB, MiB, GiB suffixes; A..B uniform, seeded
                                   (default 1 MiB; multipart 64 MiB)
          --objects N              objects put first for get, head, delete, list and mixed
                                   (default 100), deleted afterwards unless --keep
          --concurrency C          closed loop: C workers, each waits for its answer (default 8);
                                   with --rate: at most C requests in flight (default 256)
          --rate R                 open loop: R requests a second on schedule; latency counted from
                                   the scheduled time (coordinated omission corrected), and also
                                   from the actual start (total_uncorrected)
          --duration S             run S seconds (default 10)
          --count N                run N operations (delete: default --objects)
          --mix put=1,get=4,...    weights of put, get, head, delete, list for mixed
          --part-size N            multipart part size (default 8 MiB)
          --jobs N                 multipart parts in flight per upload (default 4)
          --verify                 check the size and CRC64 of what is read back
          --seed S                 same seed, same keys, sizes and picks (default random, printed)
          --retries N              retries per request (default: the client's, 3)
          --keep                   leave the objects in place
          --json FILE              write the summary JSON (schema in docs/CLI.md)
          --log FILE               one JSON line per request
          --mock                   start the in-process mock OSS and benchmark it
          --endpoint URL           http://host[:port] or https://host[:port] (default $OSS_ENDPOINT)
          --region R               the region V4 signs for (default $OSS_REGION)
          --signature-version 1|4  default 4
          --path-style             address endpoint/bucket/key
          --insecure               do not verify the server's TLS certificate
          --cacert FILE            trust the CA certificates in FILE
          --timeout SECONDS        connect and idle timeout, per attempt
          -h, --help               this help
        credentials come from OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET and OSS_SESSION_TOKEN.

        compare prints per operation each figure of A and B, the change, and * when it is beyond
        run-to-run noise: at least 5 % and, for percentiles, outside both runs' 95 % confidence
        intervals; for rates, beyond twice the count's Poisson spread. merge adds counts and rates
        of runs made side by side and merges their histograms (JSON on standard output, or
        --json FILE and the text summary).
        exit status: 0 done (errors are counted, not fatal), 1 every operation failed or a file
        could not be read or written, 2 usage or configuration mistake, 130 interrupted
        """

    static let demo = """
        usage: osswire demo

        Runs the interruption scenario against a mock OSS in this process, and says whether every
        step behaved as described:
          1. four uploads in flight stopped by the client-wide switch (disableRequests), each with
             its C++-SDK-compatible code; the mock's log shows every body cut short, nothing stored;
          2. a multipart upload paused half-way and resumed with the same UploadId, only the
             missing parts sent, the object checked by CRC64;
          3. an aborted multipart upload whose UploadId is then refused (NoSuchUpload).
        Exit 0 when every step behaved, 1 otherwise.
        """

    static var mockServer: String {
        var text = """
            usage: osswire mock-server [options] [fault options]

            Serves a mock OSS on HOST:PORT until SIGINT or SIGTERM, then stops cleanly (exit 0).
            Prints the demo credentials when none are given, a ready-to-paste `export` line, then
            `listening on http://HOST:PORT` once it accepts connections.

            options:
              --host H                 the address to listen on (default 127.0.0.1)
              --port N                 the port (default 0: a free one, printed)
              --data-dir DIR           keep large object bodies in files under DIR
              --spill-threshold N      bodies over N bytes go to --data-dir
              --bucket NAME            create this bucket at start (repeatable)
              --access-key-id ID       accept these credentials instead of the demo ones
              --access-key-secret S    (never printed)
              --security-token T       require this STS token
              --region R               the region the server signs for (default cn-hangzhou)
              --allow-anonymous        accept unsigned requests
              --discard-bodies         count object bodies without keeping them
              --virtual-host-domain D  also serve bucket.D/key (repeatable)
              --restore-delay SECONDS  how long a RestoreObject takes (default 5; 0: at once)
              -h, --help               this help

            fault options (also settable while it runs: PUT /_mock/faults?NAME=VALUE on the
            loopback admin endpoint; GET /_mock/log returns the request log):

            """
        let described = Set(mockFaultHelp.map(\.name))
        for (name, value, what) in mockFaultHelp
        where MockFaults.valueOptionNames.contains(name) || MockFaults.flagOptionNames.contains(name) {
            text += "\n  " + ("--" + name + (value.isEmpty ? "" : " " + value)).padding(25) + what
        }
        // A fault added to the mock without a description here is still listed.
        for name in MockFaults.valueOptionNames.union(MockFaults.flagOptionNames).sorted() where !described.contains(name) {
            let value = MockFaults.valueOptionNames.contains(name) ? " VALUE" : ""
            text += "\n  --" + name + value
        }
        return text
    }

    /// Name, value placeholder and description of each fault option of the mock server.
    static let mockFaultHelp: [(name: String, value: String, what: String)] = [
        ("max-recv-rate", "BYTES_PER_S", "read request bodies no faster than this"),
        ("max-send-rate", "BYTES_PER_S", "send response bodies no faster than this"),
        ("stall-after-bytes", "N", "stop reading a request body after N bytes"),
        ("reset-after-bytes", "N", "reset the connection after N body bytes"),
        ("forbidden-after-bytes", "N", "answer 403 + Connection: close after N body bytes"),
        ("response-delay-ms", "MS", "wait MS milliseconds before each answer"),
        ("fail", "OP:NTH:STATUS:CODE", "answer the NTH request of OP with an OSS error (repeatable)"),
        ("clock-skew", "SECONDS", "add SECONDS to the server's clock"),
        ("reset-every", "N", "reset every Nth request right after its head"),
        ("fault-operation", "OP", "apply the per-request faults to OP only (PutObject, ...)"),
        ("fault-times", "N", "apply the per-request faults to the first N requests only"),
        ("wrong-crc64", "", "send a wrong x-oss-hash-crc64ecma"),
        ("close-after-headers", "", "close the connection right after the response headers"),
        ("connection-close", "", "answer every request with Connection: close"),
        ("truncate-response", "", "send half of each answer, then close"),
        ("garbage-response", "", "answer with bytes that are not HTTP"),
    ]
}
