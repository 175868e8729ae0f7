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
        let filter: BucketTagFilter?
        do throws(ValidationError) {
            filter = try BucketTagFilter.parse(
                tagKey: x.request.queryValue("tag-key"), tagValue: x.request.queryValue("tag-value"),
                tagging: x.request.queryValue("tagging"))
        } catch { throw MockOSSError.argument(error.message) }
        let all = try store.withLock { (b: inout [String: MockBucket]) throws(MockOSSError) in Array(b.values) }
            .filter { $0.name.hasPrefix(prefix) && $0.name > marker }
            .filter { b in
                guard let filter else { return true }
                let tags = b.configurations[BucketTags.configurationName].flatMap { try? BucketTags.decode($0) }?.tags ?? []
                return filter.matches(tags)
            }
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

    /// HeadBucket: 200 with the bucket's region, or NoSuchBucket. (The other bucket reads are
    /// typed, in MockOSS+BucketConfiguration.swift.)
    func headBucket(_ x: MockExchange) throws -> MockResponse {
        try store.withBucket(x.request.bucket!) { (_: inout MockBucket) throws(MockOSSError) in }
        return MockResponse(status: 200, headers: [("x-oss-bucket-region", configuration.region)])
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
