import OSSProtocol
import OSSXML
import OSSTestSupport
import Testing

/// Corrupted documents only ever give errors: no crash, no hang.
@Suite struct FuzzTests {
    static let interesting: [UInt8] = Array("<>/&;\"'=![]?-#x \t\r\n".utf8) + [0x00, 0x80, 0xC3, 0xE4, 0xF0, 0xFF]

    /// Run on a thread of its own (`Blocking.run`): seconds of parsing on a cooperative thread
    /// starved the in-process servers of the suites running beside it.
    @Test func mutatedSamplesNeverCrashTheReaderOrTheDecoders() async throws {
        let (accepted, refused, badErrors) = try await Blocking.run { try Self.fuzz() }
        #expect(badErrors.isEmpty, "\(badErrors.prefix(5))")
        #expect(accepted > 0 && refused > 0)
    }

    /// Parses 200 mutations of each sample: how many were accepted and refused, and the errors
    /// whose offset or message was wrong.
    static func fuzz() throws -> (accepted: Int, refused: Int, badErrors: [String]) {
        var random = SplitMix64(state: 0x0551_7EE5)
        var accepted = 0
        var refused = 0
        var badErrors: [String] = []
        for name in try Fixtures.responseNames() {
            let original = try Fixtures.response(name)
            for _ in 0..<200 {
                var bytes = original
                for _ in 0..<(1 + random.below(4)) {
                    let at = random.below(bytes.count)
                    switch random.below(3) {
                    case 0: bytes[at] = Self.interesting[random.below(Self.interesting.count)]
                    case 1: bytes.remove(at: at)
                    default: bytes.insert(Self.interesting[random.below(Self.interesting.count)], at: at)
                    }
                }
                var reader = XMLReader()
                let cut = random.below(bytes.count + 1)
                do {
                    try reader.feed(bytes[..<cut])
                    try reader.feed(bytes[cut...])
                    let root = try reader.finish()
                    accepted += 1
                    _ = try? ListBucketResult(xml: root)
                    _ = try? ListPartsResult(xml: root)
                    _ = try? ListMultipartUploadsResult(xml: root)
                    _ = try? ErrorResponse(xml: root)
                    _ = try? DeleteResult(xml: root)
                    _ = try? InitiateMultipartUploadResult(xml: root)
                    _ = try? CompleteMultipartUploadResult(xml: root)
                    _ = try? CopyObjectResult(xml: root)
                } catch {
                    refused += 1
                    if !(error.offset >= 0 && error.offset <= bytes.count) || error.message.isEmpty {
                        badErrors.append("\(name): \(error)")
                    }
                }
            }
        }
        return (accepted, refused, badErrors)
    }
}
