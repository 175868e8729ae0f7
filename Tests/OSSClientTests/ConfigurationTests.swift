import OSSCore
import OSSProtocol
import OSSSigner
import Testing

@testable import OSSClient

@Suite("Endpoint parsing")
struct EndpointTests {
    @Test("scheme, host and port are read; no scheme means https")
    func parsesParts() throws {
        let a = try OSSEndpoint(parsing: "https://oss-cn-hangzhou.aliyuncs.com")
        #expect(a.isTLS && a.host == "oss-cn-hangzhou.aliyuncs.com" && a.port == 443 && !a.hasExplicitPort)
        let b = try OSSEndpoint(parsing: "oss-cn-beijing.aliyuncs.com/")
        #expect(b.isTLS && b.host == "oss-cn-beijing.aliyuncs.com")
        let c = try OSSEndpoint(parsing: "http://127.0.0.1:9000")
        #expect(!c.isTLS && c.host == "127.0.0.1" && c.port == 9000 && c.hasExplicitPort && c.isIPAddress)
        let d = try OSSEndpoint(parsing: "http://[::1]:8080")
        #expect(d.host == "::1" && d.port == 8080 && d.isIPAddress)
        #expect(d.description == "http://[::1]:8080")
        let e = try OSSEndpoint(parsing: "HTTP://Example.COM.")
        #expect(e.host == "example.com" && e.port == 80)
    }

    @Test(
        "bad endpoints are refused with a reason",
        arguments: [
            "", "ftp://host", "https://host/path", "https://host?x=1", "https://user@host", "http://host:0",
            "http://host:99999", "http://host:abc", "http://[::1", "http://[zz::1]:80", "http://bad host", "http://:80",
        ])
    func refusesBad(_ text: String) {
        #expect(throws: OSSClientError.self) { try OSSEndpoint(parsing: text) }
    }

    @Test("region comes from OSS host names")
    func regionFromHost() {
        #expect(OSSEndpoint.region(fromHost: "oss-cn-hangzhou.aliyuncs.com") == "cn-hangzhou")
        #expect(OSSEndpoint.region(fromHost: "oss-cn-hangzhou-internal.aliyuncs.com") == "cn-hangzhou")
        #expect(OSSEndpoint.region(fromHost: "bucket.oss-us-west-1.aliyuncs.com") == "us-west-1")
        #expect(OSSEndpoint.region(fromHost: "cn-shanghai.oss.aliyuncs.com") == "cn-shanghai")
        #expect(OSSEndpoint.region(fromHost: "oss-accelerate.aliyuncs.com") == nil)
        #expect(OSSEndpoint.region(fromHost: "example.com") == nil)
        #expect(OSSEndpoint.region(fromHost: "127.0.0.1") == nil)
    }

    @Test("IP literals are recognised")
    func ipLiterals() {
        for s in ["127.0.0.1", "0.0.0.0", "255.255.255.255"] { #expect(IPAddress.isIPv4(s)) }
        for s in ["256.1.1.1", "1.2.3", "1.2.3.4.5", "a.b.c.d", "01234.1.1.1"] { #expect(!IPAddress.isIPv4(s)) }
        for s in ["::1", "::", "fe80::1%eth0", "2001:db8::8a2e:370:7334", "1:2:3:4:5:6:7:8", "::ffff:10.0.0.1"] {
            #expect(IPAddress.isIPv6(s), "\(s)")
        }
        for s in ["1:2:3:4:5:6:7:8:9", "1::2::3", "12345::1", "g::1", "1:2:3:4:5:6:7", "localhost"] {
            #expect(!IPAddress.isIPv6(s), "\(s)")
        }
    }
}

@Suite("Client configuration")
struct ConfigurationTests {
    @Test("defaults follow the issue: V4, virtual-hosted, CRC and skew correction on, 3 retries")
    func defaults() throws {
        let c = try OSSClientConfiguration(endpoint: "https://oss-cn-hangzhou.aliyuncs.com")
        #expect(c.signatureVersion == .v4)
        #expect(c.addressing == .virtualHosted)
        #expect(c.effectiveAddressing == .virtualHosted)
        #expect(c.crcCheckEnabled && c.clockSkewCorrectionEnabled)
        #expect(c.retryPolicy.maxRetries == 3)
        #expect(c.effectiveRegion == "cn-hangzhou")
        #expect(!c.tls.insecureSkipVerify)
        try c.validate()
    }

    @Test("an IP endpoint implies path-style; a custom domain stays")
    func ipImpliesPathStyle() throws {
        var c = try OSSClientConfiguration(endpoint: "http://127.0.0.1:9000", region: "cn-hangzhou")
        #expect(c.effectiveAddressing == .pathStyle)
        c.addressing = .customDomain
        #expect(c.effectiveAddressing == .customDomain)
    }

    @Test("an explicit region wins over the endpoint's")
    func explicitRegion() throws {
        let c = try OSSClientConfiguration(endpoint: "oss-cn-hangzhou.aliyuncs.com", region: "cn-beijing")
        #expect(c.effectiveRegion == "cn-beijing")
    }

    @Test("V4 without a region is refused; V1 does not need one")
    func v4NeedsRegion() throws {
        var c = try OSSClientConfiguration(endpoint: "http://127.0.0.1:9000")
        #expect(throws: OSSClientError.self) { try c.validate() }
        c.signatureVersion = .v1
        try c.validate()
    }

    @Test("nonsense limits are refused")
    func badLimits() throws {
        var base = try OSSClientConfiguration(endpoint: "http://127.0.0.1:9000", region: "r")
        base.signatureVersion = .v1
        var a = base
        a.maxConnectionsPerHost = 0
        #expect(throws: OSSClientError.self) { try a.validate() }
        var b = base
        b.timeouts.connect = .zero
        #expect(throws: OSSClientError.self) { try b.validate() }
        var c = base
        c.sendRateLimit = -5
        #expect(throws: OSSClientError.self) { try c.validate() }
        var d = base
        d.retryPolicy = RetryPolicy(maxRetries: -1)
        #expect(throws: OSSClientError.self) { try d.validate() }
        var e = base
        e.userAgent = "x\r\nInjected: 1"
        #expect(throws: OSSClientError.self) { try e.validate() }
    }

    @Test("signature version parses from the CLI's words")
    func signatureVersionText() {
        #expect(OSSClientConfiguration.SignatureVersion("1") == .v1)
        #expect(OSSClientConfiguration.SignatureVersion("4") == .v4)
        #expect(OSSClientConfiguration.SignatureVersion("2") == nil)
    }

    @Test("a proxy parses and never prints its password")
    func proxy() throws {
        let p = try OSSClientConfiguration.Proxy(parsing: "http://alice:s%40cret@proxy.local:3128")
        #expect(p.host == "proxy.local" && p.port == 3128 && p.username == "alice" && p.password == "s@cret")
        #expect(!p.description.contains("cret") && !p.description.contains("alice"))
        #expect(throws: OSSClientError.self) { try OSSClientConfiguration.Proxy(parsing: "socks5://h:1") }
    }
}

@Suite("Request addressing")
struct AddressingTests {
    let endpoint = OSSEndpoint(host: "oss-cn-hangzhou.aliyuncs.com", isTLS: true)

    @Test("virtual-hosted puts the bucket in the host")
    func virtualHosted() {
        let a = RequestAddress(endpoint: endpoint, addressing: .virtualHosted, bucket: "b1", key: "dir/a b+c.txt")
        #expect(a.host == "b1.oss-cn-hangzhou.aliyuncs.com")
        #expect(a.hostHeader == "b1.oss-cn-hangzhou.aliyuncs.com")
        #expect(a.path == "/dir/a%20b%2Bc.txt")
        #expect(a.url == "https://b1.oss-cn-hangzhou.aliyuncs.com/dir/a%20b%2Bc.txt")
    }

    @Test("path-style puts the bucket in the path, the port in Host")
    func pathStyle() {
        let ep = OSSEndpoint(host: "127.0.0.1", port: 9000, isTLS: false)
        let a = RequestAddress(endpoint: ep, addressing: .pathStyle, bucket: "b1", key: "k/é~*'()")
        #expect(a.host == "127.0.0.1" && a.port == 9000)
        #expect(a.hostHeader == "127.0.0.1:9000")
        #expect(a.path == "/b1/k/%C3%A9~%2A%27%28%29")
        let bucketLevel = RequestAddress(
            endpoint: ep, addressing: .pathStyle, bucket: "b1", key: nil, query: [("uploads", nil)])
        #expect(bucketLevel.target == "/b1/?uploads")
    }

    @Test("a custom domain serves one bucket: the key is the whole path")
    func customDomain() {
        let ep = OSSEndpoint(host: "static.example.com", isTLS: true)
        let a = RequestAddress(endpoint: ep, addressing: .customDomain, bucket: "b1", key: "x/y")
        #expect(a.host == "static.example.com" && a.path == "/x/y")
    }

    @Test("service-level requests go to the endpoint itself")
    func serviceLevel() {
        let a = RequestAddress(endpoint: endpoint, addressing: .virtualHosted, bucket: nil, key: nil)
        #expect(a.host == "oss-cn-hangzhou.aliyuncs.com" && a.target == "/")
    }

    @Test("keys keep '/' and dot segments literally; everything else is encoded")
    func trickyKeys() {
        let a = RequestAddress(endpoint: endpoint, addressing: .virtualHosted, bucket: "b1", key: "a//./../b?c#d=e&f%")
        #expect(a.path == "/a//./../b%3Fc%23d%3De%26f%25")
    }

    @Test("query: encoded, in order, bare names for nil values")
    func query() {
        let q = RequestAddress.encodeQuery([("uploadId", "a b/c"), ("partNumber", "3"), ("acl", nil), ("prefix", "")])
        #expect(q == "uploadId=a%20b%2Fc&partNumber=3&acl&prefix=")
    }
}

@Suite("Input validation in the client")
struct ClientValidationTests {
    @Test("a broken OSSProtocol rule is the client's ValidateError, its message with control characters shown")
    func quoting() throws {
        let e = try #require(throws: OSSClientError.self) {
            try OSSOperationRequest(.getObject, bucket: "bkt", key: "a\nb").validate()
        }
        #expect(e.description.contains("a\\nb"))
        #expect(!e.description.contains("\n"))
        #expect(e.code == "ValidateError")
        #expect(e.kind == .invalidArgument)
    }
}

@Suite("Configuration descriptions")
struct ConfigurationDescriptionTests {
    @Test("printing a configuration never shows credentials or a proxy password")
    func noSecrets() throws {
        var c = try OSSClientConfiguration(endpoint: "https://oss-cn-hangzhou.aliyuncs.com")
        c.credentialsProvider = StaticCredentialsProvider(accessKeyId: "AKID", accessKeySecret: "SUPER-SECRET-VALUE")
        c.proxy = OSSClientConfiguration.Proxy(host: "p", port: 1, username: "user", password: "PROXY-PASSWORD")
        for text in [String(describing: c), String(reflecting: c), "\(c)"] {
            #expect(!text.contains("SUPER-SECRET-VALUE") && !text.contains("PROXY-PASSWORD"))
            #expect(text.contains("oss-cn-hangzhou"))
        }
    }
}

@Suite("Whitespace trimming of header values and settings")
struct TrimmingTests {
    /// Spaces, tabs, CRs and LFs go from both ends only; a value without any comes back equal;
    /// multi-byte characters next to the trimmed ends stay whole.
    @Test func trimsTheEndsOnly() {
        #expect("3231342946509354535".trimmingWhitespace() == "3231342946509354535")
        #expect(" \t42\r\n".trimmingWhitespace() == "42")
        #expect("\r\n".trimmingWhitespace() == "")
        #expect("".trimmingWhitespace() == "")
        #expect(" a b ".trimmingWhitespace() == "a b")
        #expect("\tédition 2 ü ".trimmingWhitespace() == "édition 2 ü")
        #expect(Substring(" x-oss ").trimmingWhitespace() == "x-oss")
        let head = OSSResponseHead(statusCode: 200, headers: [("x-oss-hash-crc64ecma", " 18446744073709551615 ")])
        #expect(head.crc64 == UInt64.max)
    }
}
