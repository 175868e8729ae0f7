import OSSCore
import OSSSigner
import Testing

@Suite("Credentials")
struct CredentialsTests {
    @Test func descriptionNeverShowsTheSecretOrToken() {
        let c = OSSCredentials(
            accessKeyId: "LTAIexample", accessKeySecret: "s3cr3t-value", securityToken: "t0ken-value")
        for text in [c.description, c.debugDescription, String(describing: c), String(reflecting: c), "\(c)"] {
            #expect(text.contains("LTAIexample"))
            #expect(!text.contains("s3cr3t-value"))
            #expect(!text.contains("t0ken-value"))
        }
    }

    @Test func staticProvider() async throws {
        let c = try await StaticCredentialsProvider(accessKeyId: "a", accessKeySecret: "b", securityToken: "t")
            .credentials()
        #expect(c.accessKeyId == "a" && c.accessKeySecret == "b" && c.securityToken == "t")
        await #expect(throws: SigningError.self) {
            try await StaticCredentialsProvider(accessKeyId: "", accessKeySecret: "b").credentials()
        }
    }

    @Test func environmentProvider() async throws {
        let env = EnvironmentCredentialsProvider(environment: [
            "OSS_ACCESS_KEY_ID": "id", "OSS_ACCESS_KEY_SECRET": "secret", "OSS_SESSION_TOKEN": "tok",
        ])
        let c = try await env.credentials()
        #expect(c == OSSCredentials(accessKeyId: "id", accessKeySecret: "secret", securityToken: "tok"))
        let noToken = EnvironmentCredentialsProvider(environment: [
            "OSS_ACCESS_KEY_ID": "id", "OSS_ACCESS_KEY_SECRET": "secret", "OSS_SESSION_TOKEN": "",
        ])
        #expect(try await noToken.credentials().securityToken == nil)
        let missing = EnvironmentCredentialsProvider(environment: ["OSS_ACCESS_KEY_ID": "id"])
        let error = await #expect(throws: SigningError.self) { try await missing.credentials() }
        #expect(error?.code == .missingCredentials)
        #expect(error?.message.contains("OSS_ACCESS_KEY_SECRET") == true)
    }

    @Test func refreshingProviderFetchesOnceForManyTasks() async throws {
        let fetches = PThreadMutex(0)
        let provider = RefreshingCredentialsProvider {
            let n = fetches.withLock { count -> Int in
                count += 1
                return count
            }
            // Give the other tasks time to pile up behind this fetch.
            try await Task.sleep(for: .milliseconds(50))
            return OSSCredentials(accessKeyId: "id\(n)", accessKeySecret: "s")
        }
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<32 { group.addTask { try await provider.credentials().accessKeyId } }
            var out: [String] = []
            for try await id in group { out.append(id) }
            return out
        }
        #expect(Set(ids) == ["id1"])
        #expect(fetches.withLock { $0 } == 1)
    }

    @Test func refreshingProviderRefreshesBeforeExpiry() async throws {
        let now = PThreadMutex(UTCTime(seconds: 1_000_000))
        let fetches = PThreadMutex(0)
        let provider = RefreshingCredentialsProvider(refreshBefore: 300, clock: { now.withLock { $0 } }) {
            let n = fetches.withLock { count -> Int in
                count += 1
                return count
            }
            return OSSCredentials(
                accessKeyId: "id\(n)", accessKeySecret: "s", securityToken: "t\(n)",
                expiration: now.withLock { $0 }.adding(seconds: 3600))
        }
        #expect(try await provider.credentials().accessKeyId == "id1")
        now.withLock { $0 = $0.adding(seconds: 3299) }
        #expect(try await provider.credentials().accessKeyId == "id1")
        now.withLock { $0 = $0.adding(seconds: 1) }
        #expect(try await provider.credentials().accessKeyId == "id2")
        await provider.invalidate()
        #expect(try await provider.credentials().accessKeyId == "id3")
    }

    @Test func refreshingProviderRetriesAfterAFailure() async throws {
        struct Boom: Error {}
        let attempts = PThreadMutex(0)
        let provider = RefreshingCredentialsProvider {
            let n = attempts.withLock { count -> Int in
                count += 1
                return count
            }
            if n == 1 { throw Boom() }
            return OSSCredentials(accessKeyId: "ok", accessKeySecret: "s")
        }
        await #expect(throws: Boom.self) { try await provider.credentials() }
        #expect(try await provider.credentials().accessKeyId == "ok")
    }

    @Test func clockOffsetCorrectsTheSigningTime() {
        let offset = ClockOffset()
        #expect(offset.seconds == 0)
        offset.update(serverTime: UTCTime(seconds: 2_000), localTime: UTCTime(seconds: 1_000))
        #expect(offset.seconds == 1_000)
        let corrected = offset.now().seconds - UTCTime.now().seconds
        #expect(corrected >= 999 && corrected <= 1_001)
        offset.seconds = -30
        #expect(offset.seconds == -30)
    }
}

@Suite("OSSRegion")
struct OSSRegionTests {
    @Test(arguments: [
        ("oss-cn-hangzhou.aliyuncs.com", "cn-hangzhou"),
        ("OSS-CN-Shanghai.Aliyuncs.com", "cn-shanghai"),
        ("oss-cn-hangzhou-internal.aliyuncs.com", "cn-hangzhou"),
        ("bucket.oss-ap-southeast-1.aliyuncs.com", "ap-southeast-1"),
        ("oss-us-west-1.aliyuncs.com:443", "us-west-1"),
        ("oss-eu-central-1.aliyuncs.com.", "eu-central-1"),
    ])
    func regionFromEndpoint(host: String, region: String) {
        #expect(OSSRegion.from(endpointHost: host) == region)
    }

    @Test(arguments: [
        "127.0.0.1", "127.0.0.1:9000", "[::1]:9000", "oss-accelerate.aliyuncs.com", "example.com",
        "s3.amazonaws.com", "oss.aliyuncs.com.evil.com", "cdn.example.com",
    ])
    func noRegion(host: String) {
        #expect(OSSRegion.from(endpointHost: host) == nil)
    }
}

@Suite("RequestSigner")
struct RequestSignerTests {
    @Test func regionComesFromTheEndpointWhenNotGiven() {
        let provider = StaticCredentialsProvider(akSk)
        #expect(
            RequestSigner(endpointHost: "oss-cn-shenzhen.aliyuncs.com", credentialsProvider: provider).region
                == "cn-shenzhen")
        #expect(
            RequestSigner(
                region: "cn-beijing", endpointHost: "oss-cn-shenzhen.aliyuncs.com", credentialsProvider: provider
            )
            .region == "cn-beijing")
        #expect(RequestSigner(endpointHost: "127.0.0.1:9000", credentialsProvider: provider).region == "")
    }

    @Test func signsWithTheProvidersCredentialsAndTheCorrectedClock() async throws {
        let offset = ClockOffset()
        let signer = RequestSigner(
            region: "cn-hangzhou", credentialsProvider: StaticCredentialsProvider(akSkToken), clockOffset: offset)
        let request = SigningRequest(method: "GET", bucket: "b", key: "k")
        // A fixed time gives the same headers as SignerV4 directly.
        let fixed = try await signer.sign(request, at: utc(2024, 2, 29))
        let direct = try SignerV4(region: "cn-hangzhou").sign(request, credentials: akSkToken, time: utc(2024, 2, 29))
        #expect(value(fixed, "Authorization") == value(direct, "Authorization"))
        // Far in the future through the offset: the date the server would see.
        offset.update(serverTime: utc(2099, 6, 15, 12), localTime: .now())
        let skewed = try await signer.sign(request)
        #expect(value(skewed, "x-oss-date")?.hasPrefix("20990615T12") == true)
        let verified = SignatureVerifier(region: "cn-hangzhou").verify(
            request: ReceivedRequest(method: "GET", target: "/b/k", headers: request.settingHeaders(skewed).headers),
            credentialsLookup: { $0 == "ak" ? akSkToken : nil }, now: offset.now())
        #expect(verified.isValid)
    }

    @Test func presignsV1AndV4() async throws {
        let provider = StaticCredentialsProvider(akSk)
        let request = SigningRequest(method: "GET", bucket: "b", key: "k")
        let v1 = try await RequestSigner(version: .v1, credentialsProvider: provider).presign(
            request, expires: 60, at: utc(2024, 1, 1))
        #expect(value(v1.query, "OSSAccessKeyId") == "ak")
        let v4 = try await RequestSigner(endpointHost: "oss-cn-hangzhou.aliyuncs.com", credentialsProvider: provider)
            .presign(request, expires: 60, at: utc(2024, 1, 1))
        #expect(value(v4.query, "x-oss-credential") == "ak/20240101/cn-hangzhou/oss/aliyun_v4_request")
    }
}
