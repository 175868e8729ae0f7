import OSSClient
import OSSCore
import OSSXML

extension MockOSS {
    static let ownerId = "1234567890123456"

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
        return MockResponse.model(
            ListAllMyBucketsResult(
                buckets: page.map {
                    ListAllMyBucketsResult.Bucket(
                        name: $0.name, creationDate: $0.created, location: "oss-\(region)",
                        extranetEndpoint: "oss-\(region).mock.localhost", intranetEndpoint: "oss-\(region)-internal.mock.localhost",
                        region: region, storageClass: "Standard")
                }, owner: Owner(id: MockOSS.ownerId, displayName: MockOSS.ownerId), prefix: prefix.isEmpty ? nil : prefix,
                marker: marker.isEmpty ? nil : marker, maxKeys: x.request.queryValue("max-keys") != nil ? maxKeys : nil,
                isTruncated: truncated ? true : nil, nextMarker: truncated ? page.last!.name : nil))
    }

    func putBucket(_ x: MockExchange) async throws -> MockResponse {
        let name = x.request.bucket!
        guard MockOSS.isValidBucketName(name) else { throw MockOSSError.invalidBucketName.with("BucketName", name) }
        // The CreateBucketConfiguration body (storage class, redundancy) is read and not used.
        let body = try await x.receiveSmallBody(limit: 64 * 1024)
        if !body.isEmpty {
            do throws(XMLError) { _ = try XMLReader.parse(body) } catch { throw MockOSSError.malformedXML }
        }
        let now = x.now
        try store.withLock { (all: inout [String: MockBucket]) throws(MockOSSError) in
            if all[name] != nil { throw MockOSSError.bucketAlreadyExists.with("BucketName", name) }
            all[name] = MockBucket(name: name, created: now)
        }
        return MockResponse(status: 200, headers: [("Location", "/\(name)")])
    }

    func deleteBucket(_ x: MockExchange) throws -> MockResponse {
        let name = x.request.bucket!
        try store.withLock { (all: inout [String: MockBucket]) throws(MockOSSError) in
            guard let b = all[name] else { throw MockOSSError.noSuchBucket.with("BucketName", name) }
            guard b.objects.isEmpty, b.uploads.isEmpty else { throw MockOSSError.bucketNotEmpty.with("BucketName", name) }
            all[name] = nil
        }
        return MockResponse(status: 204)
    }

    func bucketInfo(_ x: MockExchange) throws -> MockResponse {
        let name = x.request.bucket!
        let bucket = try store.withBucket(name) { (b: inout MockBucket) throws(MockOSSError) -> (UTCTime, Int, Int64) in
            (b.created, b.objects.count, b.objects.values.reduce(0) { $0 + $1.size })
        }
        let region = configuration.region
        switch x.operation {
        case "HeadBucket":
            return MockResponse(status: 200, headers: [("x-oss-bucket-region", region)])
        case "GetBucketLocation":
            return MockResponse.xml { $0.element("LocationConstraint", "oss-\(region)") }
        case "GetBucketAcl":
            return MockResponse.xml { w in
                w.element("AccessControlPolicy") { w in
                    w.element("Owner") { w in
                        w.element("ID", MockOSS.ownerId)
                        w.element("DisplayName", MockOSS.ownerId)
                    }
                    w.element("AccessControlList") { $0.element("Grant", "private") }
                }
            }
        case "GetBucketStat":
            return MockResponse.xml { w in
                w.element("BucketStat") { w in
                    w.element("Storage", String(bucket.2))
                    w.element("ObjectCount", String(bucket.1))
                }
            }
        default:
            return MockResponse.xml { w in
                w.element("BucketInfo") { w in
                    w.element("Bucket") { w in
                        w.element("CreationDate", bucket.0.iso8601)
                        w.element("ExtranetEndpoint", "oss-\(region).mock.localhost")
                        w.element("IntranetEndpoint", "oss-\(region)-internal.mock.localhost")
                        w.element("Location", "oss-\(region)")
                        w.element("StorageClass", "Standard")
                        w.element("Name", name)
                        w.element("Region", region)
                        w.element("Owner") { w in
                            w.element("ID", MockOSS.ownerId)
                            w.element("DisplayName", MockOSS.ownerId)
                        }
                        w.element("AccessControlList") { $0.element("Grant", "private") }
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
