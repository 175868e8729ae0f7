import OSSCore
import OSSProtocol

/// The OSS operations the uploader and downloader need, so they can run over the real client
/// (an adapter over `OSSClient`) or an in-memory fake in tests.
///
/// Every method honours Swift `Task` cancellation: a cancelled call stops at once (its socket is
/// shut down mid-body) and throws. `classify(_:)` tells the transfer layer what an error means.
public protocol TransferOperations: Sendable {
    /// Uploads a whole file range as one object (PutObject).
    /// - Parameter progress: bytes of the body sent so far (monotonic within the call).
    /// - Returns: the object's ETag and CRC64, the CRC64 already checked against the bytes sent.
    func putObject(bucket: String, key: String, source: FileRange, progress: @escaping @Sendable (Int64) -> Void)
        async throws -> StoredObject

    /// Starts a multipart upload (InitiateMultipartUpload).
    /// - Returns: the UploadId.
    func initiateMultipartUpload(bucket: String, key: String) async throws -> String

    /// Uploads one part from a file range (UploadPart), re-reading the file on each retry.
    /// - Returns: the part's ETag and the CRC64 of its bytes (already checked against the
    ///   server's `x-oss-hash-crc64ecma`; a mismatch throws an error `classify` calls `.retryable`).
    func uploadPart(
        bucket: String, key: String, uploadId: String, partNumber: Int, source: FileRange,
        progress: @escaping @Sendable (Int64) -> Void
    ) async throws -> UploadedPart

    /// Every part the server holds for an upload (ListParts, all pages).
    func listParts(bucket: String, key: String, uploadId: String) async throws -> [ListedPart]

    /// Completes an upload with the given parts in order (CompleteMultipartUpload).
    func completeMultipartUpload(bucket: String, key: String, uploadId: String, parts: [UploadedPart]) async throws
        -> StoredObject

    /// Abandons an upload (AbortMultipartUpload).
    func abortMultipartUpload(bucket: String, key: String, uploadId: String) async throws

    /// An object's size and identity (HeadObject).
    func headObject(bucket: String, key: String) async throws -> RemoteObject

    /// Reads `length` bytes of an object from `offset` (a ranged GetObject), handing them to `sink`.
    func getObject(bucket: String, key: String, offset: Int64, length: Int64, into sink: RangeSink) async throws

    /// The same ranged read under conditions (issue 16): `If-Match` pins every range to the
    /// ETag the download started with, so a changed object fails (412) instead of mixing versions.
    /// The default ignores the conditions.
    func getObject(
        bucket: String, key: String, offset: Int64, length: Int64, conditions: RangeConditions, into sink: RangeSink
    ) async throws

    /// What an error thrown by one of these methods means for a transfer.
    func classify(_ error: any Error) -> FailureClass

    /// How long to wait before the transfer tries a part again (retry number `retry`, from 1):
    /// the transfer retries parts itself, with the back-off of the operations' retry policy.
    func retryDelay(beforeRetry retry: Int) -> Duration

    // Issue 16 uploads: the headers an upload sets, and its callback.

    /// PutObject with the object's headers and the callback (the result's `callbackBody` holds
    /// the callback server's answer).
    func putObject(
        bucket: String, key: String, source: FileRange, headers: UploadHeaders,
        progress: @escaping @Sendable (Int64) -> Void
    ) async throws -> StoredObject

    /// InitiateMultipartUpload with the object's headers (the callback is not sent: it goes on
    /// the Complete).
    func initiateMultipartUpload(bucket: String, key: String, headers: UploadHeaders) async throws -> String

    /// CompleteMultipartUpload with an upload callback.
    func completeMultipartUpload(
        bucket: String, key: String, uploadId: String, parts: [UploadedPart], callback: UploadCallback?
    ) async throws -> StoredObject
}

extension TransferOperations {
    /// Operations that cannot send headers (in-memory fakes) drop a Content-Type (the one
    /// guessed from the file name, say) and refuse anything else: an upload that sets other
    /// headers fails rather than make an object without them.
    public func putObject(
        bucket: String, key: String, source: FileRange, headers: UploadHeaders,
        progress: @escaping @Sendable (Int64) -> Void
    ) async throws -> StoredObject {
        try Self.checkOnlyContentType(headers)
        return try await putObject(bucket: bucket, key: key, source: source, progress: progress)
    }

    public func initiateMultipartUpload(bucket: String, key: String, headers: UploadHeaders) async throws -> String {
        try Self.checkOnlyContentType(headers)
        return try await initiateMultipartUpload(bucket: bucket, key: key)
    }

    private static func checkOnlyContentType(_ headers: UploadHeaders) throws {
        var h = headers
        h.contentType = nil
        guard h.isEmpty else { throw TransferError.invalidArgument("these operations cannot send upload headers") }
    }

    public func completeMultipartUpload(
        bucket: String, key: String, uploadId: String, parts: [UploadedPart], callback: UploadCallback?
    ) async throws -> StoredObject {
        guard callback == nil else { throw TransferError.invalidArgument("these operations cannot send a callback") }
        return try await completeMultipartUpload(bucket: bucket, key: key, uploadId: uploadId, parts: parts)
    }
}

extension TransferOperations {
    /// No wait: operations without a retry policy of their own (in-memory fakes).
    public func retryDelay(beforeRetry retry: Int) -> Duration { .zero }
}

/// A byte range of a local file to send, with the reader that streams it through the
/// transfer's bounded buffer pool (an adapter may read the path itself instead).
public struct FileRange: Sendable {
    public var path: String
    public var offset: Int64
    public var length: Int64
    /// Reads the range with `pread` through the transfer's buffers, computing CRC64.
    public var reader: PartReader

    public init(path: String, offset: Int64, length: Int64, reader: PartReader) {
        self.path = path
        self.offset = offset
        self.length = length
        self.reader = reader
    }
}

/// A part the server accepted.
public struct UploadedPart: Sendable, Hashable {
    public var number: Int
    /// The ETag UploadPart returned, quotes included.
    public var etag: String
    /// The CRC64 of the part's bytes; `nil` when the server did not report one.
    public var crc64: UInt64?

    public init(number: Int, etag: String, crc64: UInt64?) {
        self.number = number
        self.etag = etag
        self.crc64 = crc64
    }
}

/// A part as ListParts reports it.
public struct ListedPart: Sendable, Hashable {
    public var number: Int
    public var etag: String
    public var size: Int64
    public var crc64: UInt64?

    public init(number: Int, etag: String, size: Int64, crc64: UInt64?) {
        self.number = number
        self.etag = etag
        self.size = size
        self.crc64 = crc64
    }
}

/// An object just written.
public struct StoredObject: Sendable, Hashable {
    public var etag: String
    /// The server's `x-oss-hash-crc64ecma`, when it sent one.
    public var crc64: UInt64?
    /// What the upload callback's server answered, when the upload had a callback.
    public var callbackBody: [UInt8]? = nil

    public init(etag: String, crc64: UInt64?, callbackBody: [UInt8]? = nil) {
        self.etag = etag
        self.crc64 = crc64
        self.callbackBody = callbackBody
    }
}

/// An object's identity as HeadObject reports it.
public struct RemoteObject: Sendable, Hashable {
    public var size: Int64
    public var etag: String
    public var crc64: UInt64?
    /// `Last-Modified` as sent.
    public var lastModified: String

    public init(size: Int64, etag: String, crc64: UInt64?, lastModified: String) {
        self.size = size
        self.etag = etag
        self.crc64 = crc64
        self.lastModified = lastModified
    }
}

/// What an error means for a transfer.
public struct FailureClass: Sendable, Hashable, CustomStringConvertible {
    /// The kinds of failure the transfer layer tells apart.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// The calling task was cancelled (a pause or abort of this transfer, or the caller's task).
        public static let cancelled = Kind("cancelled")
        /// The client-wide switch was off before the request started (C++ SDK `ClientError:100002`).
        public static let disabledBeforeStart = Kind("disabled before start")
        /// The client-wide switch stopped the request in flight (C++ SDK `ClientError:200042`).
        public static let abortedInFlight = Kind("aborted in flight")
        /// The UploadId is unknown to the server (aborted or completed elsewhere).
        public static let noSuchUpload = Kind("no such upload")
        /// Worth another try of the same part: a network failure, a 5xx, a CRC64 mismatch.
        public static let retryable = Kind("retryable")
        /// Anything else: access denied, a missing bucket, a local file error.
        public static let fatal = Kind("fatal")
        public var description: String { name }
    }

    public var kind: Kind
    /// The client's code, for example `ClientError:100002` or `NoSuchUpload`.
    public var code: String?
    /// For a request cut short in flight: whether the server may have its whole body (the
    /// client's `bodyFullySent`, asked of the kernel before the reset). `nil` when no body was
    /// in flight or the operations cannot say.
    public var bodyFullySent: Bool?

    public init(_ kind: Kind, code: String? = nil, bodyFullySent: Bool? = nil) {
        self.kind = kind
        self.code = code
        self.bodyFullySent = bodyFullySent
    }

    /// Whether the client-wide switch caused it.
    public var isDisabled: Bool { kind == .disabledBeforeStart || kind == .abortedInFlight }

    public var description: String { code.map { "\(kind) (\($0))" } ?? "\(kind)" }
}
