import OSSProtocol
import OSSCore
internal import OSSXML

extension MockOSS {
    static let ownerId = "1234567890123456"

    /// The resource group every bucket of the mock belongs to (OSS: the account's default group).
    static let resourceGroupId = "rg-mock-default"

    /// Where clients reach this server, as ListBuckets and GetBucketInfo advertise it
    /// (`ExtranetEndpoint`, `IntranetEndpoint`): the configured address, else the `Host` the
    /// request came to. OSS names a DNS host its clients reach; the mock names itself, with the
    /// scheme, since it speaks only plain HTTP.
    func advertisedEndpoint(_ x: MockExchange) -> String {
        if let e = configuration.advertisedEndpoint { return e }
        var host = x.request.header("host") ?? "127.0.0.1"
        if x.request.virtualHosted, let b = x.request.bucket, host.lowercased().hasPrefix(b + ".") {
            host = String(host.dropFirst(b.count + 1))
        }
        return "http://" + host
    }

    func listBuckets(_ x: MockExchange) throws -> MockResponse {
        let prefix = x.request.queryValue("prefix") ?? ""
        let marker = x.request.queryValue("marker") ?? ""
        let maxKeys = try MockOSS.maxKeys(x.request, name: "max-keys", default: 100)
        let all = try store.withLock { (b: inout [String: MockBucket]) throws(MockOSSError) in Array(b.values) }
            .filter { $0.name.hasPrefix(prefix) && $0.name > marker }
            .sorted { $0.name < $1.name }
        let page = all.prefix(maxKeys)
        let truncated = all.count > page.count
        let region = configuration.region
        let endpoint = advertisedEndpoint(x)
        return MockResponse.model(
            ListAllMyBucketsResult(
                buckets: page.map {
                    ListAllMyBucketsResult.Bucket(
                        name: $0.name, creationDate: $0.created, location: "oss-\(region)", extranetEndpoint: endpoint,
                        intranetEndpoint: endpoint, region: region, storageClass: $0.storageClass,
                        resourceGroupId: MockOSS.resourceGroupId)
                }, owner: Owner(id: MockOSS.ownerId, displayName: MockOSS.ownerId), prefix: prefix.isEmpty ? nil : prefix,
                marker: marker.isEmpty ? nil : marker, maxKeys: x.request.queryValue("max-keys") != nil ? maxKeys : nil,
                isTruncated: truncated ? true : nil, nextMarker: truncated ? page.last!.name : nil))
    }

    static let storageClasses = ["Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive"]
    static let cannedACLs = ["private", "public-read", "public-read-write"]

    /// The storage class and redundancy type of a CreateBucketConfiguration body, and the
    /// `x-oss-acl` header.
    static func bucketSettings(_ body: [UInt8], acl: String?) throws(MockOSSError) -> (
        storageClass: String?, redundancy: String?, acl: String?
    ) {
        if let acl, !cannedACLs.contains(acl) {
            throw MockOSSError.argument("no such bucket access control exists", name: OSSHeader.bucketACL, value: acl)
        }
        guard !body.isEmpty else { return (nil, nil, acl) }
        let configuration: CreateBucketConfiguration
        do throws(XMLModelError) { configuration = try .decode(body) } catch { throw MockOSSError.malformedXML }
        let storageClass = configuration.storageClass
        let redundancy = configuration.dataRedundancyType
        if let c = storageClass, !storageClasses.contains(c) {
            throw MockOSSError.argument("Invalid storage class: \(c)", name: "StorageClass", value: c)
        }
        if let r = redundancy, r != "LRS", r != "ZRS" {
            throw MockOSSError.argument("Invalid data redundancy type: \(r)", name: "DataRedundancyType", value: r)
        }
        return (storageClass, redundancy, acl)
    }

    /// PutBucket. Creating a bucket one already owns (every credential of the mock is the one
    /// owner) succeeds, as on OSS, when it asks for the same storage class and redundancy type;
    /// an `x-oss-acl` given then replaces the bucket's ACL.
    func putBucket(_ x: MockExchange) async throws -> MockResponse {
        let name = x.request.bucket!
        let body = try await x.receiveSmallBody(limit: 64 * 1024)
        let settings = try MockOSS.bucketSettings(body, acl: x.request.header(OSSHeader.bucketACL))
        let now = x.now
        try store.withLock { (all: inout [String: MockBucket]) throws(MockOSSError) in
            if var existing = all[name] {
                if let c = settings.storageClass, c != existing.storageClass {
                    var e = MockOSSError.bucketAlreadyExists.with("BucketName", name)
                    e.message = "Cannot modify existing bucket's storage class."
                    throw e
                }
                if let r = settings.redundancy, r != existing.dataRedundancyType {
                    var e = MockOSSError.bucketAlreadyExists.with("BucketName", name)
                    e.message = "Bucket already exists can't modify data redundancy type."
                    throw e
                }
                if let acl = settings.acl { existing.acl = acl }
                all[name] = existing
                return
            }
            var bucket = MockBucket(name: name, created: now)
            bucket.storageClass = settings.storageClass ?? "Standard"
            bucket.dataRedundancyType = settings.redundancy ?? "LRS"
            bucket.acl = settings.acl ?? "private"
            all[name] = bucket
        }
        return MockResponse(status: 200, headers: [("Location", "/\(name)")])
    }

    func deleteBucket(_ x: MockExchange) throws -> MockResponse {
        let name = x.request.bucket!
        try store.withLock { (all: inout [String: MockBucket]) throws(MockOSSError) in
            guard let b = all[name] else { throw MockOSSError.noSuchBucket.with("BucketName", name) }
            guard b.objects.isEmpty, b.uploads.isEmpty, b.versions.isEmpty else { throw MockOSSError.bucketNotEmpty.with("BucketName", name) }
            all[name] = nil
        }
        return MockResponse(status: 204)
    }

    /// What the bucket-level read operations report.
    private struct BucketSnapshot {
        var name: String
        var created: UTCTime
        var storageClass: String
        var redundancy: String
        var acl: String
        var objectCount = 0
        var storage: Int64 = 0
        var lastModified: Int64 = 0
        var uploadCount = 0
        var partCount = 0
        var partStorage: Int64 = 0
        /// Bytes and objects per storage class.
        var byClass: [String: (storage: Int64, count: Int)] = [:]
        // Issue 16 versioning:
        var versioning: String?
        var deleteMarkerCount = 0
    }

    func bucketInfo(_ x: MockExchange) throws -> MockResponse {
        let name = x.request.bucket!
        let s = try store.withBucket(name) { (b: inout MockBucket) throws(MockOSSError) -> BucketSnapshot in
            var s = BucketSnapshot(
                name: b.name, created: b.created, storageClass: b.storageClass, redundancy: b.dataRedundancyType, acl: b.acl)
            for o in b.objects.values {
                s.objectCount += 1
                s.storage += o.size
                s.lastModified = max(s.lastModified, o.lastModified.seconds)
                let c = s.byClass[o.storageClass] ?? (0, 0)
                s.byClass[o.storageClass] = (c.storage + o.size, c.count + 1)
            }
            // Issue 16 versioning: older versions are stored objects too; delete markers are counted apart.
            s.versioning = b.versioning
            for v in b.versions.values.joined() {
                guard let o = v.object else {
                    s.deleteMarkerCount += 1
                    continue
                }
                s.objectCount += 1
                s.storage += o.size
                let c = s.byClass[o.storageClass] ?? (0, 0)
                s.byClass[o.storageClass] = (c.storage + o.size, c.count + 1)
            }
            for u in b.uploads.values {
                s.uploadCount += 1
                s.partCount += u.parts.count
                s.partStorage += u.parts.values.reduce(0) { $0 + $1.size }
            }
            return s
        }
        let region = configuration.region
        func owner(_ w: inout XMLWriter) {
            w.element("Owner") { w in
                w.element("ID", MockOSS.ownerId)
                w.element("DisplayName", MockOSS.ownerId)
            }
        }
        switch x.operation {
        case .headBucket:
            return MockResponse(status: 200, headers: [("x-oss-bucket-region", region)])
        case .getBucketLocation:
            return MockResponse.xml { $0.element("LocationConstraint", "oss-\(region)") }
        case .getBucketAcl:
            return MockResponse.xml { w in
                w.element("AccessControlPolicy") { w in
                    owner(&w)
                    w.element("AccessControlList") { $0.element("Grant", s.acl) }
                }
            }
        case .getBucketStat:
            return MockResponse.xml { w in
                w.element("BucketStat") { w in
                    let classes: [(String, String)] = [
                        ("Standard", "Standard"), ("IA", "InfrequentAccess"), ("Archive", "Archive"),
                        ("ColdArchive", "ColdArchive"), ("DeepColdArchive", "DeepColdArchive"),
                    ]
                    w.element("Storage", String(s.storage))
                    w.element("ObjectCount", String(s.objectCount))
                    w.element("MultipartUploadCount", String(s.uploadCount))
                    w.element("LiveChannelCount", "0")
                    w.element("LastModifiedTime", String(s.lastModified))
                    for (storageClass, prefix) in classes {
                        let c = s.byClass[storageClass] ?? (0, 0)
                        w.element("\(prefix)Storage", String(c.storage))
                        // The mock bills no minimum size: real storage is the stored bytes.
                        if storageClass != "Standard" { w.element("\(prefix)RealStorage", String(c.storage)) }
                        w.element("\(prefix)ObjectCount", String(c.count))
                    }
                    w.element("MultipartPartCount", String(s.partCount))
                    w.element("MultipartPartStorage", String(s.partStorage))
                    w.element("DeleteMarkerCount", String(s.deleteMarkerCount))
                }
            }
        default:
            let endpoint = advertisedEndpoint(x)
            return MockResponse.xml { w in
                w.element("BucketInfo") { w in
                    w.element("Bucket") { w in
                        w.element("AccessMonitor", "Disabled")
                        w.element("CreationDate", s.created.iso8601)
                        w.element("ExtranetEndpoint", endpoint)
                        w.element("IntranetEndpoint", endpoint)
                        w.element("Location", "oss-\(region)")
                        w.element("StorageClass", s.storageClass)
                        w.element("TransferAcceleration", "Disabled")
                        w.element("CrossRegionReplication", "Disabled")
                        if let v = s.versioning { w.element("Versioning", v) }
                        w.element("Name", s.name)
                        w.element("ResourceGroupId", MockOSS.resourceGroupId)
                        w.element("Region", region)
                        w.element("DataRedundancyType", s.redundancy)
                        // New OSS buckets block public access by default.
                        w.element("BlockPublicAccess", "true")
                        w.element("Comment", "")
                        owner(&w)
                        w.element("AccessControlList") { $0.element("Grant", s.acl) }
                        w.element("ServerSideEncryptionRule") { $0.element("SSEAlgorithm", "None") }
                        w.element("BucketPolicy") { w in
                            w.element("LogBucket", "")
                            w.element("LogPrefix", "")
                        }
                    }
                }
            }
        }
    }

    /// A `max-keys`-like parameter: a number in 1...1000 (0 allowed where OSS allows it).
    static func maxKeys(_ r: MockRequest, name: String, default d: Int, limit: Int = 1000) throws(MockOSSError) -> Int {
        guard let v = r.queryValue(name) else { return d }
        guard let n = Int(v), n >= 0, n <= limit else {
            throw MockOSSError.argument("Argument \(name) must be an integer between 1 and \(limit).", name: name, value: v)
        }
        return n
    }
}
