import OSSCore
import OSSProtocol

/// Parameters of ListObjectVersions (`GET /?versions`).
public struct ListObjectVersionsParameters: Sendable, Hashable {
    public var prefix: String?
    public var delimiter: String?
    /// Resume after this key (with `versionIdMarker`, after that version of it).
    public var keyMarker: String?
    /// Needs `keyMarker`.
    public var versionIdMarker: String?
    /// 1...1000; OSS defaults to 100.
    public var maxKeys: Int?

    public init(
        prefix: String? = nil, delimiter: String? = nil, keyMarker: String? = nil, versionIdMarker: String? = nil,
        maxKeys: Int? = nil
    ) {
        self.prefix = prefix
        self.delimiter = delimiter
        self.keyMarker = keyMarker
        self.versionIdMarker = versionIdMarker
        self.maxKeys = maxKeys
    }
}

extension OSSOperationRequest {
    /// PutBucketVersioning: `PUT /?versioning` with the `<VersioningConfiguration>` body.
    public static func putBucketVersioning(bucket: String, status: String) -> OSSOperationRequest {
        OSSOperationRequest(
            .putBucketVersioning, bucket: bucket, query: [("versioning", nil)],
            headers: [("Content-Type", "application/xml")],
            body: .bytes(VersioningConfiguration(status: status).encode()))
    }

    /// GetBucketVersioning: `GET /?versioning`.
    public static func getBucketVersioning(bucket: String) -> OSSOperationRequest {
        OSSOperationRequest(.getBucketVersioning, bucket: bucket, query: [("versioning", nil)])
    }

    /// ListObjectVersions: `GET /?versions`, with `encoding-type=url` (decoded by the model).
    public static func listObjectVersions(bucket: String, _ p: ListObjectVersionsParameters) -> OSSOperationRequest {
        var q: [(String, String?)] = []
        if let v = p.delimiter { q.append(("delimiter", v)) }
        q.append(("encoding-type", "url"))
        if let v = p.keyMarker { q.append(("key-marker", v)) }
        if let v = p.maxKeys { q.append(("max-keys", String(v))) }
        if let v = p.prefix { q.append(("prefix", v)) }
        if let v = p.versionIdMarker { q.append(("version-id-marker", v)) }
        q.append(("versions", nil))
        return OSSOperationRequest(.listObjectVersions, bucket: bucket, query: q)
    }
}
