import OSSCore
import OSSProtocol

/// One OSS operation as a value: what goes on the wire and how the answer is checked, with no
/// transport involved. `OSSClient` signs and sends it; tests inspect it.
///
/// The operation (and with it the method) is fixed when the request is made; what OSSWire checks
/// of the answer (CRC64, `Content-MD5`) follows from the operation and the options the builders
/// take, not from settable switches.
public struct OSSOperationRequest: Sendable {
    /// The OSS API operation, from the table client and mock share.
    public let operation: OSSOperation
    /// The HTTP method: the operation's.
    public var method: String { operation.method }
    /// `nil` for service-level requests (ListBuckets).
    public var bucket: String?
    /// `nil` for bucket-level requests.
    public var key: String?
    /// Query parameters in order; `nil` values are bare names (`?uploads`).
    public var query: [(String, String?)]
    /// Request headers (without Host, Date, Authorization, Content-Length: the client adds them).
    public var headers: [(String, String)]
    public var body: OSSRequestBody
    /// Compare the CRC64 of the body sent with the answer's `x-oss-hash-crc64ecma`.
    var checksUploadCRC: Bool = false
    /// Compute and send `Content-MD5` of the body.
    var sendsContentMD5: Bool = false

    /// A request for any operation of the table, for operations this client has no builder for
    /// (send it with `OSSClient.send(_:)`).
    public init(
        _ operation: OSSOperation, bucket: String?, key: String? = nil, query: [(String, String?)] = [],
        headers: [(String, String)] = [], body: OSSRequestBody = .empty
    ) {
        self.operation = operation
        self.bucket = bucket
        self.key = key
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The first value of a header (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { ASCIICase.equal($0.0, name) }?.1
    }

    /// Sets a header, replacing any with the same name.
    public mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { ASCIICase.equal($0.0, name) }
        headers.append((name, value))
    }

    /// Checks everything that must hold before a byte is sent.
    /// - Throws: `OSSClientError` (`.invalidArgument`).
    public func validate() throws(OSSClientError) {
        try OSSOperationRequest.validate(bucket: bucket, key: key, query: query, headers: headers)
    }

    /// Checks the parts of a request that must hold before a byte is sent (also of a presigned one).
    static func validate(
        bucket: String?, key: String?, query: [(String, String?)], headers: [(String, String)]
    ) throws(OSSClientError) {
        try checkInput {
            if let bucket { try Validation.checkBucketName(bucket) }
            if let key { try Validation.checkObjectKey(key) }
            for (name, value) in headers {
                try Validation.checkHeaderName(name)
                try Validation.checkHeaderValue(value, name: name)
            }
            for (name, value) in query {
                try Validation.checkParameter(name, name: name)
                if let value { try Validation.checkParameter(value, name: name) }
            }
            // Issue 16 objects: tags, ACL, storage class and traffic limit, whichever call sets them.
            try Validation.checkObjectFeatureHeaders(headers)
        }
    }
}

/// A byte range of an object for GetObject (RFC 9110 §14.1.2).
public struct ByteRange: Sendable, Hashable, CustomStringConvertible {
    /// First byte, or `nil` for a suffix range.
    public var first: Int64?
    /// Last byte (inclusive), or `nil` for "to the end" (or, with `first == nil`, the suffix length).
    public var last: Int64?

    /// Bytes `range.lowerBound...range.upperBound`.
    public init(_ range: ClosedRange<Int64>) {
        first = range.lowerBound
        last = range.upperBound
    }

    private init(first: Int64?, last: Int64?) {
        self.first = first
        self.last = last
    }

    /// From `offset` to the end.
    public static func from(_ offset: Int64) -> ByteRange { ByteRange(first: offset, last: nil) }
    /// The last `count` bytes.
    public static func suffix(_ count: Int64) -> ByteRange { ByteRange(first: nil, last: count) }

    /// `bytes=0-99`, `bytes=100-`, `bytes=-50`.
    public var headerValue: String {
        switch (first, last) {
        case (let f?, let l?): "bytes=\(f)-\(l)"
        case (let f?, nil): "bytes=\(f)-"
        case (nil, let n?): "bytes=-\(n)"
        case (nil, nil): "bytes=0-"
        }
    }

    public var description: String { headerValue }

    func validate() throws {
        if let first, first < 0 { throw OSSClientError.invalidArgument("range \(self): the first byte is negative") }
        if let first, let last, last < first {
            throw OSSClientError.invalidArgument("range \(self): the last byte comes before the first")
        }
        if first == nil, let last, last <= 0 {
            throw OSSClientError.invalidArgument("range \(self): a suffix range needs a positive length")
        }
    }
}
