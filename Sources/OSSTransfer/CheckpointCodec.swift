import OSSCore

/// The text format of checkpoint files: a header line, `name value` lines (values
/// percent-encoded so any path or key fits on one line), and a last line `checksum HEX` holding
/// the CRC64 of every byte before it. A torn, truncated or edited file fails the checksum.
///
/// ```
/// osswire-checkpoint 1 upload
/// source /data/big.iso
/// part 1 %22C3A8...%22 1234567890
/// checksum 0123456789abcdef
/// ```
///
/// Readers ignore lines they do not know, so a line added later (`shown`, the progress figure to
/// resume from) needs no new version: older builds read such a file and newer builds read older
/// files (the line then counts as absent).
struct CheckpointCodec {
    static let magic = "osswire-checkpoint"
    static let version = 1

    /// Lines to write, in order.
    private(set) var lines: [(name: String, values: [String])] = []

    init() {}

    /// Adds a line; each value is percent-encoded.
    mutating func add(_ name: String, _ values: String...) {
        lines.append((name, values))
    }

    /// The file's bytes for a checkpoint of `kind` (`upload`, `download`).
    func encode(kind: String) -> [UInt8] {
        var text = "\(CheckpointCodec.magic) \(CheckpointCodec.version) \(kind)\n"
        for line in lines {
            text += line.name
            for v in line.values {
                text += " " + (v.isEmpty ? "-" : PercentEncoding.encode(v, allowed: .unreservedAndSlash))
            }
            text += "\n"
        }
        var bytes = Array(text.utf8)
        let sum = CRC64.checksum(bytes)
        bytes.append(contentsOf: Array("checksum \(Hex.encode(sum.bigEndianBytes))\n".utf8))
        return bytes
    }

    /// Parses a checkpoint file of `kind`, checking its header and checksum.
    /// - Throws: `TransferError.checkpoint` saying what is wrong.
    static func decode(_ bytes: [UInt8], kind: String) throws(TransferError) -> [(name: String, values: [String])] {
        // The checksum line is the last line; it covers everything before it.
        guard bytes.last == UInt8(ascii: "\n") else { throw TransferError.checkpoint("the file is truncated") }
        let body = bytes.dropLast()
        guard let lastNewline = body.lastIndex(of: UInt8(ascii: "\n")) else {
            throw TransferError.checkpoint("the file has no checksum line")
        }
        let covered = Array(bytes[..<(lastNewline + 1)])
        let sumLine = String(decoding: bytes[(lastNewline + 1)..<(bytes.count - 1)], as: UTF8.self)
        guard sumLine.hasPrefix("checksum ") else { throw TransferError.checkpoint("the checksum line is damaged") }
        // Compared as text, so even a change of letter case in the digits counts as damage.
        guard sumLine == "checksum \(Hex.encode(CRC64.checksum(covered).bigEndianBytes))" else {
            throw TransferError.checkpoint("the checksum does not match the contents (the file is damaged)")
        }
        guard let text = String(validating: covered, as: UTF8.self) else {
            throw TransferError.checkpoint("the file is not UTF-8 text")
        }
        var rows = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()  // the final "" after \n
        guard let header = rows.first else { throw TransferError.checkpoint("the file is empty") }
        rows = rows.dropFirst()
        guard header == "\(magic) \(version) \(kind)" else {
            throw TransferError.checkpoint("not an osswire \(kind) checkpoint of version \(version)")
        }
        var out: [(name: String, values: [String])] = []
        for row in rows {
            let fields = row.split(separator: " ", omittingEmptySubsequences: false)
            guard let name = fields.first, !name.isEmpty else { throw TransferError.checkpoint("a line has no name") }
            var values: [String] = []
            for f in fields.dropFirst() {
                if f == "-" {
                    values.append("")
                    continue
                }
                guard let v = PercentEncoding.decode(f) else {
                    throw TransferError.checkpoint("a value is badly encoded")
                }
                values.append(v)
            }
            out.append((String(name), values))
        }
        return out
    }
}

/// Typed access to decoded checkpoint lines.
struct CheckpointFields {
    let lines: [(name: String, values: [String])]

    /// The single value of a line that must be present once.
    func string(_ name: String) throws(TransferError) -> String {
        let found = lines.filter { $0.name == name }
        guard found.count == 1, found[0].values.count == 1 else {
            throw TransferError.checkpoint("the line \(name) is missing or repeated")
        }
        return found[0].values[0]
    }

    func int64(_ name: String) throws(TransferError) -> Int64 {
        guard let v = Int64(try string(name)) else {
            throw TransferError.checkpoint("the line \(name) is not a number")
        }
        return v
    }

    /// The number of a line that may be absent (a line added after version 1's first files).
    func optionalInt64(_ name: String) throws(TransferError) -> Int64? {
        guard lines.contains(where: { $0.name == name }) else { return nil }
        let v = try int64(name)
        guard v >= 0 else { throw TransferError.checkpoint("the line \(name) is negative") }
        return v
    }

    func uint64(_ name: String) throws(TransferError) -> UInt64 {
        guard let v = UInt64(try string(name)) else {
            throw TransferError.checkpoint("the line \(name) is not a number")
        }
        return v
    }

    /// Every line with a given name.
    func all(_ name: String) -> [[String]] {
        lines.filter { $0.name == name }.map(\.values)
    }
}

extension UInt64 {
    /// The eight bytes, most significant first.
    var bigEndianBytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: self >> (56 - 8 * UInt64($0))) }
    }
}
