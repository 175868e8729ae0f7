import Foundation
import OSSHTTP
import Testing

/// Replays every input the HTTP fuzzers saved (`Fuzz/regressions/<target>/`) through the same
/// checks as the fuzz targets: no crash, the same result whole and in pieces, framing as declared,
/// chunked bodies as the reference reading decodes them.
///
/// The checks are the fuzz targets' own file: `HTTPFuzzChecks.swift` in this folder is a symbolic
/// link to `Fuzz/Sources/HTTPFuzzChecks/HTTPFuzzChecks.swift`, compiled into both.
@Suite struct FuzzReplayTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every saved input of `target` (file name, bytes); none when the target has not crashed yet.
    static func inputs(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        let folder = root.appendingPathComponent("Fuzz/regressions/\(target)")
        guard FileManager.default.fileExists(atPath: folder.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { !$0.hasPrefix(".") }.sorted()
            .map { ($0, Array(try Data(contentsOf: folder.appendingPathComponent($0)))) }
    }

    @Test func everySavedResponseParserInputPasses() throws {
        for (name, bytes) in try Self.inputs("FuzzHTTPResponseParser") {
            #expect(HTTPChecks.checkResponseParser(bytes) == nil, "Fuzz/regressions/FuzzHTTPResponseParser/\(name)")
        }
    }

    @Test func everySavedRequestParserInputPasses() throws {
        for (name, bytes) in try Self.inputs("FuzzHTTPRequestParser") {
            #expect(HTTPChecks.checkRequestParser(bytes) == nil, "Fuzz/regressions/FuzzHTTPRequestParser/\(name)")
        }
    }

    @Test func everySavedChunkedInputPasses() throws {
        for (name, bytes) in try Self.inputs("FuzzChunkedDecoder") {
            #expect(HTTPChecks.checkChunkedDecoder(bytes) == nil, "Fuzz/regressions/FuzzChunkedDecoder/\(name)")
        }
    }

    /// Found by FuzzChunkedDecoder: a chunk-size line longer than 4096 bytes was accepted when it
    /// arrived in one piece and refused when it arrived in several. Now it is refused either way.
    /// Long chunk-size and trailer lines fed one byte at a time: the decoder resumes its LF scan
    /// where the last feed stopped (it once rescanned from the line's start on every feed, which is
    /// quadratic: 60,000 one-byte feeds of a trailer line were 1.8 billion byte reads).
    @Test func longLinesFedByteByByteParseTheSame() throws {
        let ext = Array(repeating: UInt8(ascii: "e"), count: 4000)
        let value = Array(repeating: UInt8(ascii: "v"), count: 60_000)
        let body =
            Array("3;".utf8) + ext + Array("\r\nabc\r\n0\r\nX-Long: ".utf8) + value
            + Array("\r\nX-Short: s\n\r\n".utf8)
        var parser = HTTPRequestParser()
        parser.feed(Array("PUT /b/k HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
        var data: [UInt8] = []
        var ended = false
        let clock = ContinuousClock()
        let start = clock.now
        for byte in body {
            parser.feed([byte])
            while let event = try parser.next() {
                switch event {
                case .body(let piece): data += piece
                case .end: ended = true
                default: break
                }
            }
        }
        print("long lines byte by byte: \(body.count) feeds in \(clock.now - start)")
        #expect(ended && data == Array("abc".utf8))
        #expect(parser.lastTrailers["X-Long"] == String(decoding: value, as: UTF8.self))
        #expect(parser.lastTrailers["X-Short"] == "s")
    }

    @Test func aChunkLineOverTheLimitIsRefusedHoweverItArrives() throws {
        for (extensionBytes, accepted) in [(4093, true), (4094, false)] {
            let body =
                Array("1;".utf8) + Array(repeating: UInt8(ascii: "a"), count: extensionBytes)
                + Array("\r\nx\r\n0\r\n\r\n".utf8)
            #expect(HTTPChecks.checkChunkedDecoder([0x00] + body) == nil)  // whole and byte by byte
            #expect(HTTPChecks.referenceChunked(body[...]).failed == !accepted)
            var parser = HTTPRequestParser()
            parser.feed(Array("PUT /b/k HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".utf8) + body)
            var events: [HTTPRequestParser.Event] = []
            do {
                while let event = try parser.next() { events.append(event) }
                #expect(accepted, "a \(extensionBytes + 3)-byte chunk line was accepted")
                #expect(events.last == .end)
            } catch {
                #expect(!accepted)
                #expect(error == .invalidChunkSize)
            }
        }
    }
}
