import Testing

@testable import OSSTransfer

/// The resume decision of a multipart upload, checked with plain values: no fake server, no file.
private let K: Int64 = 1024

@Suite struct UploadResumeTests {
    static let file = FileIdentity(
        path: "/data/big.iso", size: 250 * K, modifiedSeconds: 1_700_000_000, modifiedNanoseconds: 5, device: 1, inode: 42)
    /// Three parts: 100, 100 and 50 KiB.
    static let plan = try! PartPlan(totalSize: 250 * K, requestedPartSize: 100 * K)

    static func checkpoint(parts: [UploadCheckpoint.Part] = []) -> UploadCheckpoint {
        UploadCheckpoint(
            source: file, bucket: "b", key: "k", partSize: 100 * K, uploadId: "U1",
            parts: Dictionary(uniqueKeysWithValues: parts.map { ($0.number, $0) }))
    }

    @Test("a checkpoint fits only its own destination, file and part size")
    func verdict() {
        let cp = Self.checkpoint()
        #expect(UploadResume.verdict(cp, bucket: "b", key: "k", file: Self.file, partSize: 100 * K) == .listParts(uploadId: "U1"))
        // Another destination: not ours to abort.
        guard case .fresh(_, let abortOther) = UploadResume.verdict(cp, bucket: "b", key: "other", file: Self.file, partSize: 100 * K)
        else { Issue.record("another key resumed"); return }
        #expect(!abortOther)
        // The file changed, or the part size: the old upload can never be completed, so it is aborted.
        var touched = Self.file
        touched.modifiedNanoseconds += 1
        guard case .fresh(let why, let abortChanged) = UploadResume.verdict(cp, bucket: "b", key: "k", file: touched, partSize: 100 * K)
        else { Issue.record("a changed file resumed"); return }
        #expect(abortChanged && why.contains("modification time"))
        guard case .fresh(let sizeWhy, let abortSize) = UploadResume.verdict(cp, bucket: "b", key: "k", file: Self.file, partSize: 200 * K)
        else { Issue.record("another part size resumed"); return }
        #expect(abortSize && sizeWhy.contains("\(100 * K)") && sizeWhy.contains("\(200 * K)"))
    }

    @Test("every part is checked against the file's bytes, recorded ones too; mismatches are sent again")
    func matching() {
        let cp = Self.checkpoint(parts: [
            .init(number: 1, etag: "\"E1\"", crc64: 11, size: 100 * K),
            .init(number: 2, etag: "\"OLD\"", crc64: 22, size: 100 * K),
        ])
        let listed = [
            ListedPart(number: 1, etag: "\"e1\"", size: 100 * K, crc64: 11),  // recorded (ETag case aside)
            ListedPart(number: 2, etag: "\"NEW\"", size: 100 * K, crc64: 99),  // re-sent elsewhere: read the file
            ListedPart(number: 3, etag: "\"E3\"", size: 40 * K, crc64: 33),  // wrong size for part 3 (50)
            ListedPart(number: 4, etag: "\"E4\"", size: 10 * K, crc64: 44),  // not in the plan: ignored
        ]
        #expect(UploadResume.partsToRead(listed: listed, checkpoint: cp, plan: Self.plan) == [1, 2])

        // The file's part 1 still has its recorded CRC64, part 2 has 99 as the server's: both kept,
        // with the server's ETags.
        let agree = UploadResume.match(listed: listed, checkpoint: cp, plan: Self.plan, fileCRCs: [1: 11, 2: 99])
        #expect(agree.parts.keys.sorted() == [1, 2])
        #expect(agree.parts[1] == .init(number: 1, etag: "\"e1\"", crc64: 11, size: 100 * K))
        #expect(agree.parts[2] == .init(number: 2, etag: "\"NEW\"", crc64: 99, size: 100 * K))
        #expect(agree.damaged == [3])

        // The file differs from the server's part 2, or could not be read: sent again.
        #expect(UploadResume.match(listed: listed, checkpoint: cp, plan: Self.plan, fileCRCs: [1: 11, 2: 98]).damaged == [2, 3])
        #expect(UploadResume.match(listed: listed, checkpoint: cp, plan: Self.plan, fileCRCs: [1: 11]).damaged == [2, 3])
        // The file's part 1 changed since it was sent (its time stamp put back, so the checkpoint
        // still fits): the recorded part is not trusted, it is sent again.
        let changed = UploadResume.match(listed: listed, checkpoint: cp, plan: Self.plan, fileCRCs: [1: 12, 2: 99])
        #expect(changed.parts.keys.sorted() == [2] && changed.damaged == [1, 3])
    }

    @Test("a part the server lists without a CRC64 is trusted only from the checkpoint")
    func noServerCRC() {
        let cp = Self.checkpoint(parts: [.init(number: 1, etag: "\"E1\"", crc64: 11, size: 100 * K)])
        let listed = [
            ListedPart(number: 1, etag: "\"E1\"", size: 100 * K, crc64: nil),
            ListedPart(number: 2, etag: "\"E2\"", size: 100 * K, crc64: nil),
        ]
        #expect(UploadResume.partsToRead(listed: listed, checkpoint: cp, plan: Self.plan) == [1])
        let m = UploadResume.match(listed: listed, checkpoint: cp, plan: Self.plan, fileCRCs: [1: 11])
        #expect(m.parts.keys.sorted() == [1] && m.damaged == [2])
        // Its bytes in the file changed: not even the checkpoint's word keeps it.
        #expect(UploadResume.match(listed: listed, checkpoint: cp, plan: Self.plan, fileCRCs: [1: 10]).damaged == [1, 2])
    }
}
