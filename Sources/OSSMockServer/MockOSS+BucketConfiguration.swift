import OSSCore
internal import OSSCrypto
import OSSProtocol
internal import OSSXML

extension MockOSS {
    /// Bucket reads (info, location, stat), the configurations OSS keeps per bucket (tags, CORS,
    /// lifecycle, referer, website, policy, logging, encryption) and the CORS preflight (issue 16,
    /// part 4). Each configuration's Put/Get/Delete comes from one generic trio of handlers.
    static let bucketConfigurationHandlers: [OSSOperation: Handler] = {
        var table: [OSSOperation: Handler] = [
            .getBucketInfo: { try $0.getBucketInfo($1) },
            .getBucketLocation: { oss, _ in .model(BucketLocation(location: "oss-\(oss.configuration.region)")) },
            .getBucketStat: { try $0.getBucketStat($1) },
            .optionObject: { try $0.optionObject($1) },
            .getBucketPolicyStatus: { try $0.getBucketPolicyStatus($1) },
        ]
        for kind in MockConfigurationKind.all {
            table[OSSOperation.named("Put" + kind.name)!] = { try await $0.putConfiguration($1, kind) }
            table[OSSOperation.named("Get" + kind.name)!] = { try $0.getConfiguration($1, kind) }
            if let delete = OSSOperation.named("Delete" + kind.name) {
                table[delete] = { try $0.deleteConfiguration($1, kind) }
            }
        }
        return table
    }()

    // MARK: Configurations

    /// PutBucket<Name>: checks the body (MalformedXML, then OSS's rules) and stores it.
    func putConfiguration(_ x: MockExchange, _ kind: MockConfigurationKind) async throws -> MockResponse {
        let bucket = x.request.bucket!
        let md5 = try announcedMD5(x)
        let body = try await x.receiveSmallBody(limit: 1 << 20)
        if let md5, md5 != Digest.md5(body) { throw MockOSSError.invalidDigest }
        let stored = try kind.accept(self, body)
        try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) in b.configurations[kind.name] = stored }
        return MockResponse(status: 200)
    }

    /// GetBucket<Name>: the stored body, else OSS's answer for a bucket without it.
    func getConfiguration(_ x: MockExchange, _ kind: MockConfigurationKind) throws -> MockResponse {
        let stored = try configuration(kind.name, of: x.request.bucket!)
        guard let body = stored ?? kind.defaultBody else { throw kind.missing! }
        return MockResponse(status: 200, headers: [("Content-Type", kind.contentType)], body: .bytes(body))
    }

    /// DeleteBucket<Name>: 204, whether or not there was one.
    func deleteConfiguration(_ x: MockExchange, _ kind: MockConfigurationKind) throws -> MockResponse {
        try store.withBucket(x.request.bucket!) { (b: inout MockBucket) throws(MockOSSError) in b.configurations[kind.name] = nil }
        return MockResponse(status: 204)
    }

    /// One stored configuration body of a bucket.
    func configuration(_ name: String, of bucket: String) throws(MockOSSError) -> [UInt8]? {
        try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) in b.configurations[name] }
    }

    func getBucketPolicyStatus(_ x: MockExchange) throws -> MockResponse {
        let policy = try configuration("BucketPolicy", of: x.request.bucket!)
        return .model(PolicyStatus(isPublic: policy.map { Validation.policyIsPublic(String(decoding: $0, as: UTF8.self)) } ?? false))
    }

    // MARK: Reads

    func getBucketInfo(_ x: MockExchange) throws -> MockResponse {
        let region = configuration.region
        let endpoint = advertisedEndpoint(x)
        var info = try store.withBucket(x.request.bucket!) { (b: inout MockBucket) throws(MockOSSError) -> BucketInfo in
            var info = BucketInfo(name: b.name)
            info.creationDate = b.created
            info.storageClass = b.storageClass
            info.dataRedundancyType = b.dataRedundancyType
            info.acl = b.acl
            info.versioning = b.versioning
            info.encryption = b.configurations["BucketEncryption"].flatMap { try? ServerSideEncryptionRule.decode($0) }
            if let logging = b.configurations["BucketLogging"].flatMap({ try? BucketLoggingStatus.decode($0) }) {
                info.logBucket = logging.targetBucket
                info.logPrefix = logging.targetPrefix
            }
            return info
        }
        info.location = "oss-\(region)"
        info.region = region
        info.extranetEndpoint = endpoint
        info.intranetEndpoint = endpoint
        info.resourceGroupId = MockOSS.resourceGroupId
        info.owner = Owner(id: MockOSS.ownerId, displayName: MockOSS.ownerId)
        info.accessMonitor = "Disabled"
        info.transferAcceleration = "Disabled"
        info.crossRegionReplication = "Disabled"
        // New OSS buckets block public access by default.
        info.blockPublicAccess = true
        info.comment = ""
        if info.encryption == nil { info.encryption = ServerSideEncryptionRule(sseAlgorithm: "None") }
        return .model(info)
    }

    func getBucketStat(_ x: MockExchange) throws -> MockResponse {
        let stat = try store.withBucket(x.request.bucket!) { (b: inout MockBucket) throws(MockOSSError) -> BucketStat in
            var s = BucketStat()
            for c in BucketStat.classElements {
                // The mock bills no minimum size: real storage is the stored bytes.
                s.byStorageClass[c.storageClass] = .init(realStorage: c.storageClass == "Standard" ? nil : 0)
            }
            // Older versions are stored objects too (delete markers are counted apart).
            var stored = Array(b.objects.values)
            for v in b.versions.values.joined() {
                if let o = v.object { stored.append(o) } else { s.deleteMarkerCount += 1 }
            }
            for o in stored {
                s.objectCount += 1
                s.storage += o.size
                s.lastModifiedTime = max(s.lastModifiedTime, o.lastModified.seconds)
                var c = s.byStorageClass[o.storageClass] ?? .init()
                c.storage += o.size
                c.objectCount += 1
                if c.realStorage != nil { c.realStorage! += o.size }
                s.byStorageClass[o.storageClass] = c
            }
            for u in b.uploads.values {
                s.multipartUploadCount += 1
                s.multipartPartCount += Int64(u.parts.count)
                s.multipartPartStorage += u.parts.values.reduce(0) { $0 + $1.size }
            }
            return s
        }
        return .model(stat)
    }

    // MARK: CORS

    /// OptionObject, the browser's preflight (never signed): 200 with the Access-Control-Allow-*
    /// headers of the first rule allowing the origin, method and headers asked for; else 403
    /// AccessForbidden.
    func optionObject(_ x: MockExchange) throws -> MockResponse {
        guard let body = try configuration(CORSConfiguration.configurationName, of: x.request.bucket!),
            let cors = try? CORSConfiguration.decode(body)
        else { throw MockOSSError.corsNotEnabled }
        let requested = (x.request.header("access-control-request-headers") ?? "").split(separator: ",")
            .map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        guard let origin = x.request.header("origin"), let method = x.request.header("access-control-request-method"),
            let (rule, allowed) = cors.match(origin: origin, method: method, headers: requested)
        else { throw MockOSSError.corsNotAllowed }
        var r = MockResponse(status: 200)
        r.headers = MockOSS.corsHeaders(rule, allowedOrigin: allowed, origin: origin, vary: cors.responseVary == true)
        if !requested.isEmpty { r.headers.append(("Access-Control-Allow-Headers", requested.joined(separator: ", "))) }
        return r
    }

    /// As OSS: an ordinary request with an `Origin` that a CORS rule of its bucket allows (for
    /// the request's method) gets that rule's Access-Control-* headers.
    func addCORSHeaders(_ response: inout MockResponse, _ x: MockExchange) {
        guard x.operation != .optionObject, let origin = x.request.header("origin"), let bucket = x.request.bucket,
            let body = try? configuration(CORSConfiguration.configurationName, of: bucket),
            let cors = try? CORSConfiguration.decode(body),
            let (rule, allowed) = cors.match(origin: origin, method: x.request.method, headers: [])
        else { return }
        response.headers += MockOSS.corsHeaders(rule, allowedOrigin: allowed, origin: origin, vary: cors.responseVary == true)
    }

    private static func corsHeaders(
        _ rule: CORSConfiguration.Rule, allowedOrigin: String, origin: String, vary: Bool
    ) -> [(name: String, value: String)] {
        var h: [(name: String, value: String)] = [
            ("Access-Control-Allow-Origin", allowedOrigin == "*" ? "*" : origin),
            ("Access-Control-Allow-Methods", rule.allowedMethods.joined(separator: ", ")),
        ]
        if !rule.exposeHeaders.isEmpty { h.append(("Access-Control-Expose-Headers", rule.exposeHeaders.joined(separator: ", "))) }
        if let age = rule.maxAgeSeconds { h.append(("Access-Control-Max-Age", String(age))) }
        if vary { h.append(("Vary", "Origin")) }
        return h
    }
}

/// One bucket configuration as the mock keeps it: how a Put body is checked and stored, and
/// what a Get answers for a bucket without it.
struct MockConfigurationKind: Sendable {
    /// The operations' common name (`BucketCors`), also the key in `MockBucket.configurations`.
    let name: String
    /// Checks a Put body (MalformedXML, InvalidArgument, ...) and gives the bytes to store.
    let accept: @Sendable (MockOSS, [UInt8]) throws -> [UInt8]
    /// What Get answers for a bucket without the configuration: this body, else `missing`.
    var defaultBody: [UInt8]? = nil
    var missing: MockOSSError? = nil
    var contentType = "application/xml"

    /// An XML configuration: decoded with its OSSProtocol model, checked with the model's rules
    /// and `check`, and stored as sent (so what the model does not type comes back too) unless
    /// `normalize` rewrites it.
    static func xml<M: BucketConfigurationModel>(
        _: M.Type, missing: MockOSSError? = nil, default defaultValue: M? = nil,
        normalize: (@Sendable (M) -> M)? = nil, rewrite: (@Sendable (inout XMLElement) -> Void)? = nil,
        check: @escaping @Sendable (MockOSS, M) throws -> Void = { _, _ in }
    ) -> MockConfigurationKind {
        MockConfigurationKind(
            name: M.configurationName,
            accept: { oss, body in
                let model: M
                do { model = try M.decode(body) } catch { throw MockOSSError.malformedXML }
                do throws(ValidationError) { try model.validate() } catch { throw MockOSSError.argument(error.message) }
                try check(oss, model)
                if let normalize { return normalize(model).encode() }
                guard let rewrite, var root = try? XMLReader.parse(body) else { return body }
                rewrite(&root)
                var w = XMLWriter(declaration: true)
                w.write(root)
                return w.bytes
            }, defaultBody: defaultValue?.encode(), missing: missing)
    }

    /// OSS answers a mirroring rule's `PassQueryString` with its `MirrorPassQueryString` (false
    /// when absent): for a Mirror rule the query goes to the origin only by the latter.
    static func mirrorQueryString(_ root: inout XMLElement) {
        guard let rules = root.children.firstIndex(where: { $0.localName == "RoutingRules" }) else { return }
        for r in root.children[rules].children.indices {
            guard let d = root.children[rules].children[r].children.firstIndex(where: { $0.localName == "Redirect" }) else { continue }
            var redirect = root.children[rules].children[r].children[d]
            guard redirect.text(of: "RedirectType") == "Mirror" else { continue }
            let mirror = redirect.text(of: "MirrorPassQueryString") ?? "false"
            if let p = redirect.children.firstIndex(where: { $0.localName == "PassQueryString" }) { redirect.children[p].text = mirror }
            root.children[rules].children[r].children[d] = redirect
        }
    }

    /// OSS gives a lifecycle rule sent without an `ID` one of its own.
    static func nameRules(_ root: inout XMLElement) {
        for i in root.children.indices where root.children[i].localName == "Rule" && root.children[i].child("ID") == nil {
            root.children[i].children.insert(XMLElement(name: "ID", text: Hex.encode(secureRandomBytes(16))), at: 0)
        }
    }

    static let all: [MockConfigurationKind] = [
        .xml(BucketTags.self, default: BucketTags([])),
        .xml(RefererConfiguration.self, default: RefererConfiguration()),
        .xml(BucketLoggingStatus.self, default: BucketLoggingStatus(), check: { oss, logging in
            guard let target = logging.targetBucket else { return }
            guard oss.bucketNames().contains(target) else { throw MockOSSError.invalidTargetBucketForLogging }
        }),
        .xml(UserDefinedLogFieldsConfiguration.self, missing: .missing("NoSuchUserDefinedLogFieldsConfig", "The user defined log fields config does not exist.", ec: "0018-00000002")),
        // OSS keeps allowed headers lower-case.
        .xml(CORSConfiguration.self, missing: .missing("NoSuchCORSConfiguration", "The CORS Configuration does not exist.", ec: "0020-00000101"), normalize: {
            var c = $0
            for i in c.rules.indices { c.rules[i].allowedHeaders = c.rules[i].allowedHeaders.map { $0.lowercased() } }
            return c
        }),
        .xml(LifecycleConfiguration.self, missing: .missing("NoSuchLifecycle", "No Row found in Lifecycle Table.", ec: "0021-00000101"), rewrite: MockConfigurationKind.nameRules),
        .xml(WebsiteConfiguration.self, missing: .missing("NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration.", ec: "0022-00000101"), rewrite: MockConfigurationKind.mirrorQueryString),
        .xml(ServerSideEncryptionRule.self, missing: .missing("NoSuchServerSideEncryptionRule", "The server side encryption configuration was not found.", ec: "0037-00000101")),
        MockConfigurationKind(
            name: "BucketPolicy",
            accept: { _, body in
                do throws(ValidationError) { try Validation.checkBucketPolicy(String(decoding: body, as: UTF8.self)) } catch {
                    var e = MockOSSError.invalidPolicyDocument
                    e.message += " (\(error.message))"
                    throw e
                }
                return body
            }, missing: .missing("NoSuchBucketPolicy", "The bucket policy does not exist.", ec: "0030-00000101"),
            contentType: "application/json"),
    ]
}

extension MockOSSError {
    /// A Get of a configuration the bucket does not have: 404 with OSS's code.
    static func missing(_ code: String, _ message: String, ec: String) -> MockOSSError {
        MockOSSError(status: 404, code: code, message: message, ec: ec)
    }

    static let corsNotAllowed = MockOSSError(
        status: 403, code: "AccessForbidden",
        message: "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
        ec: "0003-00000001")
    static let invalidTargetBucketForLogging = MockOSSError(
        status: 400, code: "InvalidTargetBucketForLogging", message: "The target bucket for logging does not exist.",
        ec: "0018-00000101")
    static let invalidPolicyDocument = MockOSSError(
        status: 400, code: "InvalidPolicyDocument", message: "Invalid Policy.", ec: "0030-00000005")
}
