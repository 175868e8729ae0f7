/// What a resumable download remembers between runs: the object's identity (size, ETag,
/// CRC64, last modified), the destination and its temporary file, the part size, and the
/// parts already written with their CRC64.
package struct DownloadCheckpoint: Sendable, Hashable {
    package var bucket: String
    package var key: String
    package var destination: String
    /// The file the parts are written to, renamed to `destination` when complete.
    package var temporaryPath: String
    package var objectSize: Int64
    package var etag: String
    package var objectCRC64: UInt64?
    package var lastModified: String
    package var partSize: Int64
    /// The CRC64 of each part written to `temporaryPath`, by number.
    package var parts: [Int: UInt64]
    /// The progress figure the last run showed: a resumed run starts its figure there. 0 when
    /// unknown (a checkpoint written before it was kept).
    package var shownBytes: Int64

    package init(
        bucket: String, key: String, destination: String, temporaryPath: String, objectSize: Int64, etag: String,
        objectCRC64: UInt64?, lastModified: String, partSize: Int64, parts: [Int: UInt64] = [:], shownBytes: Int64 = 0
    ) {
        self.bucket = bucket
        self.key = key
        self.destination = destination
        self.temporaryPath = temporaryPath
        self.objectSize = objectSize
        self.etag = etag
        self.objectCRC64 = objectCRC64
        self.lastModified = lastModified
        self.partSize = partSize
        self.parts = parts
        self.shownBytes = shownBytes
    }

    /// The file's bytes.
    package func encode() -> [UInt8] {
        var c = CheckpointCodec()
        c.add("bucket", bucket)
        c.add("key", key)
        c.add("destination", destination)
        c.add("temporary", temporaryPath)
        c.add("object-size", String(objectSize))
        c.add("etag", etag)
        c.add("object-crc64", objectCRC64.map { String($0) } ?? "")
        c.add("last-modified", lastModified)
        c.add("part-size", String(partSize))
        c.add("shown", String(shownBytes))
        for (n, crc) in parts.sorted(by: { $0.key < $1.key }) { c.add("part", String(n), String(crc)) }
        return c.encode(kind: "download")
    }

    /// Parses a checkpoint file.
    /// - Throws: `TransferError.checkpoint` when it is damaged or not a download checkpoint.
    package init(decoding bytes: [UInt8]) throws(TransferError) {
        let f = CheckpointFields(lines: try CheckpointCodec.decode(bytes, kind: "download"))
        bucket = try f.string("bucket")
        key = try f.string("key")
        destination = try f.string("destination")
        temporaryPath = try f.string("temporary")
        objectSize = try f.int64("object-size")
        etag = try f.string("etag")
        let crc = try f.string("object-crc64")
        if crc.isEmpty {
            objectCRC64 = nil
        } else {
            guard let v = UInt64(crc) else { throw TransferError.checkpoint("the object CRC64 is not a number") }
            objectCRC64 = v
        }
        lastModified = try f.string("last-modified")
        partSize = try f.int64("part-size")
        guard partSize > 0, objectSize >= 0, !temporaryPath.isEmpty else {
            throw TransferError.checkpoint("the sizes or the temporary path are invalid")
        }
        var parts: [Int: UInt64] = [:]
        for v in f.all("part") {
            guard v.count == 2, let n = Int(v[0]), n >= 1, let crc = UInt64(v[1]), parts[n] == nil else {
                throw TransferError.checkpoint("a part line is damaged")
            }
            parts[n] = crc
        }
        self.parts = parts
        shownBytes = try f.optionalInt64("shown") ?? 0
    }
}
