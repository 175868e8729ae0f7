/// The resume decision of a multipart upload, as pure functions of the checkpoint, the file's
/// identity, the part plan and what ListParts reports: no I/O, so each rule is tested with plain
/// values (`UploadResumeTests`).
///
/// The uploader asks in three steps: ``verdict(_:bucket:key:file:partSize:)`` before any request
/// (does the checkpoint fit this file and destination?), ``partsToRead(listed:checkpoint:plan:)``
/// once the server listed its parts (which parts are read from the file: every one that can be
/// checked, recorded ones included), and ``match(listed:checkpoint:plan:fileCRCs:)`` with those
/// CRC64s (which parts are kept: only those whose bytes are the file's now). The size and
/// modification time only decide whether the checkpoint is worth trying; a part is trusted on
/// its bytes.
enum UploadResume {
    /// What a checkpoint allows, before the server is asked anything.
    enum Verdict: Sendable, Equatable {
        /// It does not fit: start a fresh upload. `abortOld` when its upload is for this
        /// destination but can never be completed from this file (the file or the part size
        /// changed), so it should be aborted rather than left on the server.
        case fresh(reason: String, abortOld: Bool)
        /// It fits: ask the server (ListParts) which parts of this upload it holds.
        case listParts(uploadId: String)
    }

    /// Whether `checkpoint` can resume an upload of `file` to `bucket`/`key` in parts of `partSize`.
    static func verdict(
        _ checkpoint: UploadCheckpoint, bucket: String, key: String, file: FileIdentity, partSize: Int64,
        headers: [String: String] = [:]
    ) -> Verdict {
        if checkpoint.bucket != bucket || checkpoint.key != key {
            return .fresh(reason: "it is for oss://\(checkpoint.bucket)/\(checkpoint.key), not this destination", abortOld: false)
        }
        if let change = file.difference(from: checkpoint.source) {
            return .fresh(reason: "the file changed since it was made (\(change))", abortOld: true)
        }
        if checkpoint.partSize != partSize {
            return .fresh(
                reason: "it was made with parts of \(checkpoint.partSize) bytes, not \(partSize)", abortOld: true)
        }
        if checkpoint.headers != headers {
            // Its object would get the headers it was started with, not these.
            return .fresh(reason: "it was started with other headers or another callback", abortOld: true)
        }
        return .listParts(uploadId: checkpoint.uploadId)
    }

    /// The listed parts whose bytes must be read from the file before they can be trusted: every
    /// part of the plan with the right size that can be checked, that is, the checkpoint records
    /// it (same size and ETag: its CRC64 is compared) or the server reports its CRC64.
    ///
    /// Recorded parts are read too: a file changed in place with its modification time put back
    /// passes ``verdict(_:bucket:key:file:partSize:)``, and only its bytes tell that a part sent
    /// by an earlier run no longer holds them (CRC64 reads at many GB/s, so this is cheap).
    static func partsToRead(listed: [ListedPart], checkpoint: UploadCheckpoint, plan: PartPlan) -> [Int] {
        listed.filter { p in
            plan.partNumbers.contains(p.number) && p.size == plan.range(ofPart: p.number).length
                && (recorded(p, in: checkpoint) != nil || p.crc64 != nil)
        }.map(\.number)
    }

    /// What the resumed upload keeps.
    struct Match: Sendable, Equatable {
        /// The parts on the server that hold the file's bytes, by number.
        var parts: [Int: UploadCheckpoint.Part]
        /// Parts the server holds that do not match the file (wrong size, CRC64 differs from the
        /// file's, or nothing to check them with): sent again. Ascending.
        var damaged: [Int]
    }

    /// Keeps the listed parts that hold the file's bytes as they are now.
    /// - Parameter fileCRCs: the CRC64 of the file's range of each part `partsToRead` named (a
    ///   part missing here could not be read, and is sent again).
    static func match(
        listed: [ListedPart], checkpoint: UploadCheckpoint, plan: PartPlan, fileCRCs: [Int: UInt64]
    ) -> Match {
        var parts: [Int: UploadCheckpoint.Part] = [:]
        var damaged: [Int] = []
        for p in listed where plan.partNumbers.contains(p.number) {
            guard p.size == plan.range(ofPart: p.number).length, let file = fileCRCs[p.number] else {
                damaged.append(p.number)
                continue
            }
            // What the part holds: the checkpoint's record, else the server's CRC64; both, when
            // known, must be the file's.
            let held = recorded(p, in: checkpoint)?.crc64 ?? p.crc64
            guard let held, held == file, p.crc64 == nil || p.crc64 == file else {
                damaged.append(p.number)
                continue
            }
            parts[p.number] = UploadCheckpoint.Part(number: p.number, etag: p.etag, crc64: file, size: p.size)
        }
        return Match(parts: parts, damaged: damaged.sorted())
    }

    /// The checkpoint's record of a listed part, when it is the same part (size and ETag).
    private static func recorded(_ p: ListedPart, in checkpoint: UploadCheckpoint) -> UploadCheckpoint.Part? {
        guard let rec = checkpoint.parts[p.number], rec.size == p.size, sameETag(rec.etag, p.etag) else { return nil }
        return rec
    }
}
