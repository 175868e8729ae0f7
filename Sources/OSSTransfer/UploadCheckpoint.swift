/// What a resumable upload remembers between runs: the source file's identity, the
/// destination, the part size, the UploadId and the parts known to be on the server.
///
/// It holds nothing secret: no credentials, no signatures.
package struct UploadCheckpoint: Sendable, Hashable {
    /// A part the server accepted.
    package struct Part: Sendable, Hashable {
        package var number: Int
        /// The ETag UploadPart returned (with its quotes).
        package var etag: String
        /// The CRC64 of the part's bytes.
        package var crc64: UInt64
        package var size: Int64

        package init(number: Int, etag: String, crc64: UInt64, size: Int64) {
            self.number = number
            self.etag = etag
            self.crc64 = crc64
            self.size = size
        }
    }

    package var source: FileIdentity
    package var bucket: String
    package var key: String
    package var partSize: Int64
    package var uploadId: String
    /// Parts on the server, by number.
    package var parts: [Int: Part]
    /// The progress figure the last run showed (`TransferProgress.bytesTransferred`): a resumed
    /// run starts its figure there. 0 when unknown (a checkpoint written before it was kept).
    package var shownBytes: Int64
    /// The headers the upload was started with and its callback (name to value, names lower
    /// case), so a resume sends the same Complete and never finishes an object with other
    /// headers than the run asks for. Empty for a checkpoint written before they were kept.
    package var headers: [String: String] = [:]

    package init(
        source: FileIdentity, bucket: String, key: String, partSize: Int64, uploadId: String, parts: [Int: Part] = [:],
        shownBytes: Int64 = 0, headers: [String: String] = [:]
    ) {
        self.headers = headers
        self.source = source
        self.bucket = bucket
        self.key = key
        self.partSize = partSize
        self.uploadId = uploadId
        self.parts = parts
        self.shownBytes = shownBytes
    }

    /// The file's bytes.
    package func encode() -> [UInt8] {
        var c = CheckpointCodec()
        c.add("source", source.path)
        c.add("size", String(source.size))
        c.add("mtime", String(source.modifiedSeconds), String(source.modifiedNanoseconds))
        c.add("inode", String(source.device), String(source.inode))
        c.add("bucket", bucket)
        c.add("key", key)
        c.add("part-size", String(partSize))
        c.add("upload-id", uploadId)
        c.add("shown", String(shownBytes))
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { c.add("header", name, value) }
        for p in parts.values.sorted(by: { $0.number < $1.number }) {
            c.add("part", String(p.number), p.etag, String(p.crc64), String(p.size))
        }
        return c.encode(kind: "upload")
    }

    /// Parses a checkpoint file.
    /// - Throws: `TransferError.checkpoint` when it is damaged or not an upload checkpoint.
    package init(decoding bytes: [UInt8]) throws(TransferError) {
        let f = CheckpointFields(lines: try CheckpointCodec.decode(bytes, kind: "upload"))
        let mtime = f.all("mtime")
        let inode = f.all("inode")
        guard mtime.count == 1, mtime[0].count == 2, let ms = Int64(mtime[0][0]), let mns = Int64(mtime[0][1]),
            inode.count == 1, inode[0].count == 2, let dev = UInt64(inode[0][0]), let ino = UInt64(inode[0][1])
        else { throw TransferError.checkpoint("the file's time stamp or inode line is damaged") }
        source = FileIdentity(
            path: try f.string("source"), size: try f.int64("size"), modifiedSeconds: ms, modifiedNanoseconds: mns,
            device: dev, inode: ino)
        bucket = try f.string("bucket")
        key = try f.string("key")
        partSize = try f.int64("part-size")
        uploadId = try f.string("upload-id")
        guard !uploadId.isEmpty, partSize > 0 else {
            throw TransferError.checkpoint("the upload id or part size is empty")
        }
        var parts: [Int: Part] = [:]
        for v in f.all("part") {
            guard v.count == 4, let n = Int(v[0]), (1...PartPlan.maximumPartCount).contains(n), let crc = UInt64(v[2]),
                let size = Int64(v[3]), parts[n] == nil
            else { throw TransferError.checkpoint("a part line is damaged") }
            parts[n] = Part(number: n, etag: v[1], crc64: crc, size: size)
        }
        self.parts = parts
        shownBytes = try f.optionalInt64("shown") ?? 0
        for v in f.all("header") {
            guard v.count == 2, !v[0].isEmpty, headers[v[0]] == nil else {
                throw TransferError.checkpoint("a header line is damaged")
            }
            headers[v[0]] = v[1]
        }
    }
}
