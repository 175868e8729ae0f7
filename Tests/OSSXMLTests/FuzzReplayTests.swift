import Foundation
import OSSClient
import OSSXML
import Testing

/// Replays every input the fuzzers saved (`Fuzz/regressions/<target>/`) through the same checks
/// as the fuzz target: no crash, and either a clean error or a consistent success.
///
/// The checks mirror `Fuzz/Sources/FuzzXMLReader` and `Fuzz/Sources/FuzzModels`; keep them equal.
@Suite struct FuzzReplayTests {
    static let regressions = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/regressions")

    /// Every saved input of `target` (file name, bytes); none when the target has not crashed yet.
    static func inputs(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        let folder = regressions.appendingPathComponent(target)
        guard FileManager.default.fileExists(atPath: folder.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { !$0.hasPrefix(".") }.sorted()
            .map { ($0, Array(try Data(contentsOf: folder.appendingPathComponent($0)))) }
    }

    @Test func theRegressionFolderIsWhereTheFuzzersWriteIt() {
        #expect(FileManager.default.fileExists(atPath: Self.regressions.appendingPathComponent("README.md").path))
    }

    @Test func everySavedXMLReaderInputGivesAConsistentResult() throws {
        for (name, bytes) in try Self.inputs("FuzzXMLReader") {
            #expect(XMLReaderChecks.check(bytes) == nil, "Fuzz/regressions/FuzzXMLReader/\(name)")
            #expect(ModelChecks.check(bytes) == nil, "Fuzz/regressions/FuzzXMLReader/\(name)")
        }
    }

    @Test func everySavedModelInputRoundTrips() throws {
        for (name, bytes) in try Self.inputs("FuzzModels") {
            #expect(ModelChecks.check(bytes) == nil, "Fuzz/regressions/FuzzModels/\(name)")
            #expect(XMLReaderChecks.check(bytes) == nil, "Fuzz/regressions/FuzzModels/\(name)")
        }
    }

    /// The first fuzzer find: a NUL inside CDATA was accepted, and the tree could not be written back.
    @Test func nulIsRefusedInCDATACommentsAndProcessingInstructions() {
        for doc in [
            "<a><![CDATA[x\0y]]></a>", "<a><!-- \0 --></a>", "<a><?pi \0?></a>", "<?xml version=\"1.0\"\0?><a/>",
        ] {
            #expect(throws: XMLError.self, "\(doc.debugDescription)") { try XMLReader.parse(doc) }
            #expect(XMLReaderChecks.check(Array(doc.utf8)) == nil)
        }
    }
}

/// The checks of `Fuzz/Sources/FuzzXMLReader`: a whole feed and a two-piece feed (cut at
/// `bytes[0] % (count + 1)`) agree, errors are well-formed, and an accepted tree written back with
/// `XMLWriter.write` reads back equal.
enum XMLReaderChecks {
    static func check(_ bytes: [UInt8]) -> String? {
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
}

/// The checks of `Fuzz/Sources/FuzzModels`: every model's `init(xml:)` on the parsed input, and
/// for each that decodes, `decode(encode())` succeeds and encodes to the same bytes.
enum ModelChecks {
    static func check(_ bytes: [UInt8]) -> String? {
        guard let root = try? XMLReader.parse(bytes) else { return nil }
        let checks: [(XMLElement) -> String?] = [
            roundTrip(ListBucketResult.self), roundTrip(ListAllMyBucketsResult.self),
            roundTrip(ListPartsResult.self), roundTrip(ListMultipartUploadsResult.self),
            roundTrip(InitiateMultipartUploadResult.self), roundTrip(CompleteMultipartUploadResult.self),
            roundTrip(CompleteMultipartUpload.self), roundTrip(CopyObjectResult.self),
            roundTrip(Delete.self), roundTrip(DeleteResult.self), roundTrip(ErrorResponse.self),
        ]
        for check in checks {
            if let violation = check(root) { return violation }
        }
        return nil
    }

    static func roundTrip<M: XMLModel>(_ type: M.Type) -> (XMLElement) -> String? {
        { root in
            guard let model = try? M(xml: root) else { return nil }
            let body = model.encode()
            let again: M
            do {
                again = try M.decode(body)
            } catch {
                return "\(M.self) does not decode its own encoding (\(error)): \(String(decoding: body, as: UTF8.self))"
            }
            let body2 = again.encode()
            guard body2 == body else {
                return "\(M.self) changes on a second round trip: \(String(decoding: body, as: UTF8.self)) -> "
                    + String(decoding: body2, as: UTF8.self)
            }
            return nil
        }
    }
}
