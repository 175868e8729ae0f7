import Foundation
import OSSProtocol
import OSSXML
import Testing

/// Replays every input the fuzzers saved (`Fuzz/regressions/<target>/`) through the same checks
/// as the fuzz target: no crash, and either a clean error or a consistent success.
///
/// The checks are the fuzz targets' own file: `XMLFuzzChecks.swift` in this folder is a symbolic
/// link to `Fuzz/Sources/XMLFuzzChecks/XMLFuzzChecks.swift`, compiled into both.
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
