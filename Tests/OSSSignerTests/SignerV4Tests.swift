import OSSCore
@testable import OSSSigner
import Testing

@Suite("SignerV4")
struct SignerV4Tests {
    func sdkRequest(contentType: String = "text/plain", sha256: Bool = true) -> SigningRequest {
        var headers: [(name: String, value: String)] = [
            ("x-oss-head1", "value"), ("abc", "value"), ("ZAbc", "value"), ("XYZ", "value"),
            ("content-type", contentType),
        ]
        if sha256 { headers.append(("x-oss-content-sha256", "UNSIGNED-PAYLOAD")) }
        return SigningRequest(
            method: "PUT", bucket: "bucket", key: "1234+-/123/1.txt", query: sdkQuery, headers: headers)
    }

    // aliyun/alibabacloud-oss-go-sdk-v2 oss/signer/signer_test.go TestV4AuthHeader
    // (= aliyun/alibabacloud-oss-python-sdk-v2 tests/unit/signer/test_v4.py test_auth_header).
    @Test func sdkVectorHeader() throws {
        let added = try SignerV4(region: "cn-hangzhou").sign(
            sdkRequest(), credentials: akSk, time: UTCTime(seconds: 1_702_743_657))
        #expect(
            value(added, "Authorization")
                == "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,"
                + "Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe")
        #expect(value(added, "x-oss-date") == "20231216T162057Z")
        #expect(value(added, "x-oss-content-sha256") == "UNSIGNED-PAYLOAD")
    }

    // Go signer_test.go TestV4AuthHeaderToken / Python test_v4.py test_auth_header_with_token.
    @Test func sdkVectorHeaderWithToken() throws {
        let added = try SignerV4(region: "cn-hangzhou").sign(
            sdkRequest(), credentials: akSkToken, time: UTCTime(seconds: 1_702_784_856))
        #expect(value(added, "x-oss-security-token") == "token")
        #expect(
            value(added, "Authorization")
                == "OSS4-HMAC-SHA256 Credential=ak/20231217/cn-hangzhou/oss/aliyun_v4_request,"
                + "Signature=b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea")
    }

    // Go signer_test.go TestV4AuthHeaderWithAdditionalHeaders (both cases: default-signed and
    // absent names in the list are dropped).
    @Test(arguments: [["ZAbc", "abc"], ["x-oss-no-exist", "ZAbc", "x-oss-head1", "abc"]])
    func sdkVectorHeaderWithAdditionalHeaders(additional: [String]) throws {
        let added = try SignerV4(region: "cn-hangzhou", additionalHeaders: additional).sign(
            sdkRequest(), credentials: akSk, time: UTCTime(seconds: 1_702_747_512))
        #expect(
            value(added, "Authorization")
                == "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=abc;zabc,"
                + "Signature=4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f")
    }

    /// An additional header name must be an HTTP token: a space, a colon or a line break in it
    /// would change the canonical request's lines, so signing refuses it before any work.
    @Test(arguments: ["bad name", "x:y", "x-oss-a\r\nx-oss-b", "é"])
    func additionalHeaderNamesThatAreNotTokensAreRefused(name: String) {
        let error = #expect(throws: SigningError.self) {
            _ = try SignerV4(region: "cn-hangzhou", additionalHeaders: ["abc", name]).sign(
                sdkRequest(), credentials: akSk, time: UTCTime(seconds: 1_702_747_512))
        }
        #expect(error?.description.contains("is not an HTTP token") == true)
    }

    // Go signer_test.go TestV4AuthHeaderWithCloudBox: another product in the scope.
    @Test func sdkVectorHeaderCloudBox() throws {
        let added = try SignerV4(region: "cb-123", product: "oss-cloudbox").sign(
            sdkRequest(), credentials: akSk, time: UTCTime(seconds: 1_702_743_657))
        #expect(
            value(added, "Authorization")
                == "OSS4-HMAC-SHA256 Credential=ak/20231216/cb-123/oss-cloudbox/aliyun_v4_request,"
                + "Signature=94ce1f12c17d148ea681030275a94449d3357f5b5b21133996eec80af3e08a43")
    }

    @Test func canonicalRequestLayout() {
        let signer = SignerV4(region: "cn-hangzhou")
        let request = sdkRequest().settingHeaders([("x-oss-date", "20231216T162057Z")])
        #expect(
            signer.canonicalRequest(request, additionalHeaders: ["abc"])
                == "PUT\n/bucket/1234%2B-/123/1.txt\n%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2\n"
                + "abc:value\ncontent-type:text/plain\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20231216T162057Z\nx-oss-head1:value\n"
                + "\nabc\nUNSIGNED-PAYLOAD")
    }

    /// Set headers replace every header of the same name in any case; a name set twice keeps
    /// its last value; signed values lose spaces and tabs at their ends only, repeated names are
    /// joined with commas in the order sent.
    @Test func settingHeadersAndValueTrimming() {
        let signer = SignerV4(region: "cn-hangzhou")
        let request = SigningRequest(
            method: "GET", bucket: "b", key: "k",
            headers: [
                ("X-OSS-Date", "old"), ("x-oss-meta-a", " \t in  side \t"), ("X-Oss-Meta-A", "second"),
                ("x-oss-meta-b", "plain"), ("Content-Type", "\ttext/plain "),
            ]
        ).settingHeaders([("x-oss-date", "first"), ("Content-Type", "kept"), ("x-oss-date", "20231216T162057Z")])
        #expect(request.headers.map(\.name) == ["x-oss-meta-a", "X-Oss-Meta-A", "x-oss-meta-b", "Content-Type", "x-oss-date"])
        #expect(
            signer.canonicalRequest(request, additionalHeaders: [])
                == "GET\n/b/k\n\ncontent-type:kept\nx-oss-date:20231216T162057Z\nx-oss-meta-a:in  side,second\n"
                + "x-oss-meta-b:plain\n\n\nUNSIGNED-PAYLOAD")
        let spaced = SigningRequest(method: "GET", bucket: "b", key: "k", headers: [("content-type", " \t ")])
        #expect(signer.canonicalRequest(spaced, additionalHeaders: []).contains("content-type:\n"))
    }

    /// The default-signed names in any case, and the additional ones asked for, are signed
    /// lower-cased; any other header (User-Agent, Content-Length) takes no part.
    @Test func onlySignedNamesTakePartWhateverTheirCase() {
        let request = SigningRequest(
            method: "PUT", bucket: "b", key: "k",
            headers: [
                ("User-Agent", "ua"), ("CONTENT-MD5", "m"), ("Content-Length", "4"), ("Host", "h.example"),
                ("X-Oss-Meta-Z", "z"), ("x-OSS-content-sha256", "UNSIGNED-PAYLOAD"),
            ])
        let signer = SignerV4(region: "r")
        #expect(
            signer.canonicalRequest(request, additionalHeaders: ["host"])
                == "PUT\n/b/k\n\ncontent-md5:m\nhost:h.example\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-meta-z:z\n\n"
                + "host\nUNSIGNED-PAYLOAD")
        #expect(
            signer.canonicalRequest(request, additionalHeaders: [])
                == "PUT\n/b/k\n\ncontent-md5:m\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-meta-z:z\n\n\nUNSIGNED-PAYLOAD")
    }

    /// What `sign` hashes without merging: the request's headers with the signer's overlaid
    /// reads the same as the merged request (any case, a replaced header repeated).
    @Test func overlaidHeadersReadAsTheMergedRequest() {
        let request = SigningRequest(
            method: "PUT", bucket: "b", key: "k",
            headers: [("X-OSS-Date", "stale"), ("x-oss-meta-a", "1"), ("x-oss-date", "stale2"), ("Content-Type", "t")])
        let overlay: [(name: String, value: String)] = [
            ("x-oss-date", "20231216T162057Z"), ("Date", "d"), ("x-oss-content-sha256", "UNSIGNED-PAYLOAD"),
        ]
        let signer = SignerV4(region: "r")
        let merged = signer.canonicalRequest(request.settingHeaders(overlay), additionalHeaders: [])
        #expect(String(decoding: signer.canonicalRequestBytes(request, replacedBy: overlay, additionalHeaders: []), as: UTF8.self) == merged)
        #expect(merged.contains("x-oss-date:20231216T162057Z\n") && !merged.contains("stale"))
    }

    @Test(arguments: [
        ("a b", "/bucket/a%20b"), ("a+b", "/bucket/a%2Bb"), ("a~b", "/bucket/a~b"), ("a*b", "/bucket/a%2Ab"),
        ("a!b", "/bucket/a%21b"), ("a'(b)", "/bucket/a%27%28b%29"), ("100%", "/bucket/100%25"),
        ("what?", "/bucket/what%3F"), ("c#1", "/bucket/c%231"), ("x=y", "/bucket/x%3Dy"), ("p&q", "/bucket/p%26q"),
        ("ü/文", "/bucket/%C3%BC/%E6%96%87"), ("😀", "/bucket/%F0%9F%98%80"), ("dir/", "/bucket/dir/"),
        ("a//b/./c/../d", "/bucket/a//b/./c/../d"),
    ])
    func canonicalURIKeepsUnreservedAndSlash(key: String, uri: String) {
        let request = SigningRequest(method: "GET", bucket: "bucket", key: key)
        let lines = SignerV4(region: "r").canonicalRequest(request, additionalHeaders: []).split(
            separator: "\n", omittingEmptySubsequences: false)
        #expect(String(lines[1]) == uri)
    }

    @Test func serviceAndBucketLevelURIs() {
        let signer = SignerV4(region: "r")
        #expect(signer.canonicalRequest(SigningRequest(method: "GET"), additionalHeaders: []).hasPrefix("GET\n/\n"))
        #expect(
            signer.canonicalRequest(
                SigningRequest(method: "GET", bucket: "b", query: [("acl", nil)]), additionalHeaders: []
            )
            .hasPrefix("GET\n/b/\nacl\n"))
    }

    @Test func everyQueryParameterIsSignedEncodedAndSorted() {
        let request = SigningRequest(
            method: "GET", bucket: "b",
            query: [("prefix", "a b/"), ("max-keys", "10"), ("encoding-type", "url"), ("marker", ""), ("uploads", nil)])
        let lines = SignerV4(region: "r").canonicalRequest(request, additionalHeaders: []).split(
            separator: "\n", omittingEmptySubsequences: false)
        #expect(String(lines[2]) == "encoding-type=url&marker&max-keys=10&prefix=a%20b%2F&uploads")
    }

    // Independently computed with Python (hashlib/hmac, urllib quote with safe "-_.~/") at the
    // last second of a year: an emoji and non-ASCII key, multipart sub-resources, mixed-case metadata.
    @Test func yearEndEmojiKeyMultipart() throws {
        let request = SigningRequest(
            method: "PUT", bucket: "bucket", key: "emoji😀/ünï 文件.png",
            query: [("partNumber", "1"), ("uploadId", "0004B9895DBBB6EC98E")],
            headers: [("Content-Type", "image/png"), ("X-OSS-Meta-Owner", "Ann")])
        let time = utc(2023, 12, 31, 23, 59, 59)
        let added = try SignerV4(region: "cn-hangzhou").sign(request, credentials: akSk, time: time)
        #expect(value(added, "x-oss-date") == "20231231T235959Z")
        #expect(
            value(added, "Authorization")
                == "OSS4-HMAC-SHA256 Credential=ak/20231231/cn-hangzhou/oss/aliyun_v4_request,"
                + "Signature=8898dc8cb383350bfb21b179ad1411abd0fdee0b448a36c689517bc90aa1b5ab")
    }

    // Independently computed with Python on a leap day: dot segments kept literally, signed
    // values with `+`, `/`, `=`, `;` and spaces.
    @Test func leapDayDotSegmentsAndProcess() throws {
        let request = SigningRequest(
            method: "GET", bucket: "bucket", key: "a//b/./c/../d",
            query: [
                ("versionId", "CAEQ+/=="), ("response-content-type", "text/plain; charset=utf-8"),
                ("x-oss-process", "image/resize,w_100"),
            ])
        let time = utc(2024, 2, 29, 12)
        let added = try SignerV4(region: "cn-hangzhou").sign(request, credentials: akSk, time: time)
        #expect(SignerV4(region: "cn-hangzhou").scope(time) == "20240229/cn-hangzhou/oss/aliyun_v4_request")
        #expect(
            value(added, "Authorization")
                == "OSS4-HMAC-SHA256 Credential=ak/20240229/cn-hangzhou/oss/aliyun_v4_request,"
                + "Signature=77a411748548bbda8dff45875e9479e6877c41d438ac64a8efd4bcc5b95cf485")
    }
}
