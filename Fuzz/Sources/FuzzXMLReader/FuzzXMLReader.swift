import CFuzzDriver
import Glibc
import OSSXML

/// A libFuzzer target for `XMLReader`.
///
/// The input is parsed whole, then again fed in two pieces cut at `bytes[0] % (count + 1)` (the
/// reader is incremental, so an unfinished token must resume correctly). Besides any crash, it
/// traps when:
/// - the two feeds disagree (a different tree, or a different error kind or offset);
/// - an error's offset lies outside the input or its message is empty;
/// - an accepted tree, written back with `XMLWriter.write`, does not read back equal.
///
/// `Tests/OSSXMLTests/FuzzReplayTests.swift` runs the same checks on every saved crash input;
/// keep the two equal.
@main
struct FuzzXMLReader {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzXMLReader))
    }
}

/// libFuzzer calls this for every input.
func fuzzXMLReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    if let violation = checkXMLReader(bytes) {
        fatalError("FuzzXMLReader: \(violation)")
    }
    return 0
}

/// One input through the reader; a description of the first broken expectation, or `nil`.
func checkXMLReader(_ bytes: [UInt8]) -> String? {
    let whole = Result { () throws(XMLError) in try XMLReader.parse(bytes) }

    let cut = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    let split = Result { () throws(XMLError) in
        var reader = XMLReader()
        try reader.feed(bytes[..<cut])
        try reader.feed(bytes[cut...])
        return try reader.finish()
    }

    switch (whole, split) {
    case (.success(let a), .success(let b)):
        guard a == b else { return "whole and split at \(cut) give different trees" }
        var writer = XMLWriter()
        writer.write(a)
        guard let again = try? XMLReader.parse(writer.bytes) else {
            return "the written-back tree does not parse: \(writer.string)"
        }
        guard again == a else { return "the written-back tree reads back different: \(writer.string)" }
    case (.failure(let a), .failure(let b)):
        guard a.kind == b.kind, a.offset == b.offset else {
            return "whole and split at \(cut) fail differently: \(a) / \(b)"
        }
        guard a.offset >= 0, a.offset <= bytes.count, !a.message.isEmpty else { return "bad error: \(a)" }
    case (.success, .failure(let e)):
        return "whole accepted, split at \(cut) refused: \(e)"
    case (.failure(let e), .success):
        return "whole refused (\(e)), split at \(cut) accepted"
    }
    return nil
}
