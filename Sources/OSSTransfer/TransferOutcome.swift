import OSSCore

/// How a transfer ended.
public struct TransferState: Sendable, Hashable, CustomStringConvertible {
    private let name: String
    private init(_ name: String) { self.name = name }

    /// Every byte is in place and the CRC64 matched.
    public static let completed = TransferState("completed")
    /// Stopped by `pause()`, the caller's Task cancellation or the client-wide switch. The
    /// UploadId and checkpoint stay: the same transfer run again resumes (a single PutObject
    /// starts again).
    public static let paused = TransferState("paused")
    /// Stopped by `abort()`: the upload was abandoned on the server, the checkpoint removed.
    public static let aborted = TransferState("aborted")
    /// Stopped by an error (`error` says which). The checkpoint stays where a resume can help.
    public static let failed = TransferState("failed")

    public var description: String { name }
}

/// A request a stop cut short in flight.
public struct InterruptedRequest: Sendable, Hashable {
    /// The part; `nil` for a single PutObject.
    public var partNumber: Int?
    /// Whether the server may have the whole body (every byte had left this host before the
    /// reset, as the kernel counted it). False: it cannot have stored it.
    public var bodyFullySent: Bool

    public init(partNumber: Int?, bodyFullySent: Bool) {
        self.partNumber = partNumber
        self.bodyFullySent = bodyFullySent
    }
}

/// What an upload or download did: its state, the UploadId, the parts, the bytes, the CRC64,
/// and why it stopped.
public struct TransferOutcome: Sendable, CustomStringConvertible {
    public var state: TransferState
    public var bucket: String
    public var key: String
    /// The local file.
    public var localPath: String
    /// The multipart UploadId; `nil` for a single PutObject or a download.
    public var uploadId: String?
    /// The file's or object's size.
    public var bytes: Int64
    /// Bytes sent (or received) in this run, resumed parts excluded.
    public var bytesTransferred: Int64
    public var partsTotal: Int
    /// Parts done when it stopped, resumed ones included.
    public var partsDone: Int
    /// Parts found already done when this run started.
    public var partsResumed: Int
    /// The object's CRC64 (checked against the server's when completed).
    public var crc64: UInt64?
    public var etag: String?
    /// Why it stopped early: `paused`, `taskCancelled`, `disabled` or `aborted`.
    public var reason: CancellationSignal.Reason?
    /// The cause of a failure, or the client's error that stopped a paused transfer.
    public var error: (any Error & Sendable)?
    /// The client's code of `error`, for example `ClientError:200042`.
    public var errorCode: String?
    /// How `error` was classified (`disabled before start`, `aborted in flight`, ...).
    public var failureClass: FailureClass?
    /// The requests a stop cut short in flight (a pause, an abort, a cancellation, the
    /// client-wide switch), each with whether the server may have its whole body. A part whose
    /// `bodyFullySent` is false cannot have been stored; one whose flag is true may exist on the
    /// server (after a pause, the parts a ListParts finds are counted in `partsDone` too).
    public var interrupted: [InterruptedRequest] = []
    /// Whether a request cut short may have delivered its whole body: `nil` when none was cut
    /// short in flight (then nothing this run sent can exist beyond `partsDone`), `false` when
    /// none of them can have been stored, `true` when at least one may have been. For a single
    /// PutObject: whether the object may exist.
    public var bodyFullySent: Bool? {
        interrupted.isEmpty ? nil : interrupted.contains { $0.bodyFullySent }
    }
    /// Things a person should know: why a checkpoint was not used, that a stale upload was aborted.
    public var notes: [String]
    /// The checkpoint file, when one is kept.
    public var checkpointPath: String?
    /// Wall-clock seconds this run took.
    public var seconds: Double
    /// What the upload callback's server answered, for a completed upload with a callback.
    public var callbackBody: [UInt8]? = nil

    /// An outcome to fill in (state `failed` until set), for transfers made without the
    /// uploader or downloader, such as a single GetObject.
    public init(bucket: String, key: String, localPath: String) {
        state = .failed
        self.bucket = bucket
        self.key = key
        self.localPath = localPath
        bytes = 0
        bytesTransferred = 0
        partsTotal = 0
        partsDone = 0
        partsResumed = 0
        notes = []
        seconds = 0
    }

    public var description: String {
        var s = "\(state)"
        if let uploadId { s += " upload \(uploadId)" }
        s += ", \(partsDone)/\(partsTotal) parts, \(bytes) bytes"
        if let crc64 { s += ", crc64 \(crc64)" }
        if let reason { s += ", \(reason)" }
        if let errorCode { s += ", \(errorCode)" }
        if let error { s += ": \(error)" }
        return s
    }
}
