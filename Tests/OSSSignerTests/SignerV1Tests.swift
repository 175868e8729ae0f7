import OSSCore
import OSSSigner
import Testing

@Suite("SignerV1")
struct SignerV1Tests {
    let signer = SignerV1()

    /// The date of the official SDK V1 tests: Wed, 28 Dec 2022 10:27:41 GMT.
    let sdkTime = utc(2022, 12, 28, 10, 27, 41)

    func sdkHeaders() -> [(name: String, value: String)] {
        [
            ("Content-MD5", "eB5eJF1ptWaXm4bijSPyxw=="), ("Content-Type", "text/html"),
            ("x-oss-meta-author", "alice"), ("x-oss-meta-magic", "abracadabra"),
            ("x-oss-date", "Wed, 28 Dec 2022 10:27:41 GMT"),
        ]
    }

    // From aliyun/alibabacloud-oss-go-sdk-v2 oss/signer/signer_test.go TestV1AuthHeader case 1
    // (same data: aliyun/alibabacloud-oss-python-sdk-v2 tests/unit/signer/test_v1.py test_auth_header_1).
    @Test func sdkVectorObjectPut() throws {
        let request = SigningRequest(method: "PUT", bucket: "examplebucket", key: "nelson", headers: sdkHeaders())
        let added = try signer.sign(request, credentials: akSk, time: sdkTime)
        #expect(
            signer.stringToSign(request.settingHeaders(added), dateLine: "Wed, 28 Dec 2022 10:27:41 GMT")
                == "PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\nWed, 28 Dec 2022 10:27:41 GMT\n"
                + "x-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\nx-oss-meta-author:alice\nx-oss-meta-magic:abracadabra\n"
                + "/examplebucket/nelson")
        #expect(value(added, "Authorization") == "OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=")
        #expect(value(added, "Date") == "Wed, 28 Dec 2022 10:27:41 GMT")
        #expect(value(added, "x-oss-security-token") == nil)
    }

    // Go signer_test.go TestV1AuthHeader case 2 / Python test_v1.py test_auth_header_2.
    @Test func sdkVectorACLSubresource() throws {
        let request = SigningRequest(
            method: "PUT", bucket: "examplebucket", key: "nelson", query: [("acl", nil)], headers: sdkHeaders())
        let added = try signer.sign(request, credentials: akSk, time: sdkTime)
        #expect(value(added, "Authorization") == "OSS ak:/afkugFbmWDQ967j1vr6zygBLQk=")
    }

    // Go signer_test.go TestV1AuthHeader case 3 / Python test_v1.py test_auth_header_3:
    // a bucket-level request; `non-resousce` is not signed.
    @Test func sdkVectorBucketLevelResourceGroup() throws {
        let request = SigningRequest(
            method: "GET", bucket: "examplebucket", query: [("resourceGroup", nil), ("non-resousce", "null")],
            headers: [("x-oss-date", "Wed, 28 Dec 2022 10:27:41 GMT")])
        let added = try signer.sign(request, credentials: akSk, time: sdkTime)
        #expect(
            signer.stringToSign(request, dateLine: "Wed, 28 Dec 2022 10:27:41 GMT")
                == "GET\n\n\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\n/examplebucket/?resourceGroup"
        )
        #expect(value(added, "Authorization") == "OSS ak:vkQmfuUDyi1uDi3bKt67oemssIs=")
    }

    // Go signer_test.go TestV1AuthHeader case 4 / Python test_v1.py test_auth_header_4: sorted sub-resources.
    @Test func sdkVectorSortedSubresources() throws {
        let request = SigningRequest(
            method: "GET", bucket: "examplebucket", query: [("resourceGroup", nil), ("acl", nil)],
            headers: [("x-oss-date", "Wed, 28 Dec 2022 10:27:41 GMT")])
        let added = try signer.sign(request, credentials: akSk, time: sdkTime)
        #expect(value(added, "Authorization") == "OSS ak:x3E5TgOvl/i7PN618s5mEvpJDYk=")
    }

    // The OSS documentation's worked example (API reference, "Include a V1 signature in the
    // Authorization header": AccessKeyId 44CF9590006BF252F707, PUT /oss-example/nelson), with
    // mixed-case user metadata names.
    @Test func documentationExample() throws {
        let creds = OSSCredentials(
            accessKeyId: "44CF9590006BF252F707", accessKeySecret: "OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV")
        let request = SigningRequest(
            method: "PUT", bucket: "oss-example", key: "nelson",
            headers: [
                ("Content-Md5", "ODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM="), ("Content-Type", "text/html"),
                ("X-OSS-Meta-Author", "foo@bar.com"), ("X-OSS-Magic", "abracadabra"),
            ])
        let added = try signer.sign(request, credentials: creds, time: utc(2005, 11, 17, 18, 49, 58))
        #expect(value(added, "Date") == "Thu, 17 Nov 2005 18:49:58 GMT")
        #expect(
            signer.stringToSign(request.settingHeaders(added), dateLine: "Thu, 17 Nov 2005 18:49:58 GMT")
                == "PUT\nODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=\ntext/html\nThu, 17 Nov 2005 18:49:58 GMT\n"
                + "x-oss-magic:abracadabra\nx-oss-meta-author:foo@bar.com\n/oss-example/nelson")
        #expect(value(added, "Authorization") == "OSS 44CF9590006BF252F707:26NBxoKdsyly4EDv6inkoDft/yA=")
    }

    @Test func xOssDateOverridesDate() throws {
        let request = SigningRequest(
            method: "GET", bucket: "b", key: "k", headers: [("X-Oss-Date", "Fri, 29 Dec 2023 00:00:00 GMT")])
        let added = try signer.sign(request, credentials: akSk, time: utc(2023, 12, 31, 23, 59, 59))
        #expect(value(added, "Date") == "Sun, 31 Dec 2023 23:59:59 GMT")
        let expected = "GET\n\n\nFri, 29 Dec 2023 00:00:00 GMT\nx-oss-date:Fri, 29 Dec 2023 00:00:00 GMT\n/b/k"
        #expect(
            signer.stringToSign(request.settingHeaders(added), dateLine: "Fri, 29 Dec 2023 00:00:00 GMT") == expected)
    }

    @Test func stsTokenIsSentAndSigned() throws {
        let request = SigningRequest(method: "GET", bucket: "b", key: "k")
        let time = utc(2024, 2, 29, 12)
        let added = try signer.sign(request, credentials: akSkToken, time: time)
        #expect(value(added, "x-oss-security-token") == "token")
        let sts = signer.stringToSign(request.settingHeaders(added), dateLine: time.rfc1123)
        #expect(sts == "GET\n\n\nThu, 29 Feb 2024 12:00:00 GMT\nx-oss-security-token:token\n/b/k")
        let plain = try signer.sign(request, credentials: akSk, time: time)
        #expect(value(added, "Authorization") != value(plain, "Authorization"))
    }

    @Test(
        arguments: [
            ([("uploads", nil)], "?uploads"),
            ([("partNumber", "1"), ("uploadId", "0004B9895DBBB6EC98E")], "?partNumber=1&uploadId=0004B9895DBBB6EC98E"),
            ([("uploadId", "u1"), ("partNumber", "2")], "?partNumber=2&uploadId=u1"),
            ([("append", nil), ("position", "0")], "?append&position=0"),
            ([("acl", "")], "?acl"),
            ([("versionId", "CAEQ+/==")], "?versionId=CAEQ+/=="),
            (
                [("response-content-type", "text/plain; charset=utf-8")],
                "?response-content-type=text/plain; charset=utf-8"
            ),
            ([("x-oss-process", "image/resize,w_100")], "?x-oss-process=image/resize,w_100"),
            (
                [("prefix", "p/"), ("marker", "m"), ("max-keys", "10"), ("encoding-type", "url"), ("delimiter", "/")],
                ""
            ),
            ([("max-keys", "10"), ("versions", nil), ("prefix", "a")], "?versions"),
        ] as [([(String, String?)], String)])
    func canonicalResourceSignsOnlySubresources(query: [(String, String?)], suffix: String) {
        let request = SigningRequest(method: "GET", bucket: "bucket", key: "key", query: query.map { ($0.0, $0.1) })
        #expect(signer.stringToSign(request, dateLine: "D") == "GET\n\n\nD\n/bucket/key" + suffix)
    }

    @Test func serviceLevelAndBucketLevelResources() {
        #expect(signer.stringToSign(SigningRequest(method: "GET"), dateLine: "D") == "GET\n\n\nD\n/")
        #expect(signer.stringToSign(SigningRequest(method: "GET", bucket: "b"), dateLine: "D") == "GET\n\n\nD\n/b/")
    }

    @Test(arguments: [
        "a b", "a+b", "a~b", "a*b", "a!b", "a'(b)", "100%", "what?", "c#1", "x=y", "p&q", "ünïcødé/文件.txt",
        "emoji😀.png", "dir/", "a//b/./c/../d", "/leading",
    ])
    func canonicalResourceKeepsTheRawKey(key: String) {
        let request = SigningRequest(method: "GET", bucket: "bucket", key: key)
        #expect(signer.stringToSign(request, dateLine: "D") == "GET\n\n\nD\n/bucket/" + key)
    }

    @Test func userMetadataNamesAreLowerCasedSortedAndMerged() {
        let request = SigningRequest(
            method: "PUT", bucket: "b", key: "k",
            headers: [
                ("X-OSS-Meta-Zed", " z "), ("x-oss-meta-alpha", "1"), ("X-Oss-Meta-Alpha", "2"),
                ("Cache-Control", "no"),
            ])
        #expect(
            signer.stringToSign(request, dateLine: "D")
                == "PUT\n\n\nD\nx-oss-meta-alpha:1,2\nx-oss-meta-zed:z\n/b/k")
    }

    // Independently computed (Python hmac/hashlib over the same string to sign): a key with every
    // character a naive signer mangles, on a leap day, with sub-resources.
    @Test func awkwardKeyOnLeapDay() throws {
        let request = SigningRequest(
            method: "GET", bucket: "bucket", key: "a b+c~d*e!f'(g)h%i?j#k=l&m",
            query: [("position", "0"), ("append", nil), ("prefix", "x")])
        let added = try signer.sign(request, credentials: akSk, time: utc(2024, 2, 29, 12))
        #expect(value(added, "Authorization") == "OSS ak:qJ+BaRSRcNf7WBIAHECxOeEWdiE=")
    }

    /// The names the official SDKs sign that the list once lacked (issue 15): alibabacloud-oss-v2
    /// (Python) signs each operation's sub-resource, e.g. PutBucketPublicAccessBlock's
    /// `publicAccessBlock`, so OSS includes it in the canonical resource.
    @Test func theOfficialSDKsSubresourcesAreSigned() {
        for name in [
            "publicAccessBlock", "httpsConfig", "retention", "legalHold", "seal", "bucketArchiveDirectRead",
            "redundancyTransition", "accessPoint", "accessPointPolicy", "resourcePool", "resourcePoolInfo",
            "resourcePoolBuckets", "qosRequester", "requesterQosInfo", "overwriteConfig", "objectWorm",
            "cleanRestoredObject", "policyStatus", "userDefinedLogFieldsConfig", "MetaQuery", "dataPipeline",
        ] {
            #expect(signer.signsParameter(name), "\(name)")
            let request = SigningRequest(method: "PUT", bucket: "b", query: [(name, nil), ("prefix", "x")])
            #expect(signer.stringToSign(request, dateLine: "D") == "PUT\n\n\nD\n/b/?\(name)")
        }
        for unsigned in ["prefix", "marker", "max-keys", "delimiter", "encoding-type", "accessmonitor", "regions"] {
            #expect(!signer.signsParameter(unsigned), "\(unsigned)")
        }
    }

    @Test func additionalSubresourcesAreSigned() {
        let custom = SignerV1(additionalSubresources: ["newFeature"])
        let request = SigningRequest(method: "GET", bucket: "b", query: [("newFeature", nil), ("other", "1")])
        #expect(custom.stringToSign(request, dateLine: "D") == "GET\n\n\nD\n/b/?newFeature")
        #expect(signer.stringToSign(request, dateLine: "D") == "GET\n\n\nD\n/b/")
    }
}
