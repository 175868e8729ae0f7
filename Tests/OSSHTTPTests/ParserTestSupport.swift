import OSSCore
import Testing

@testable import OSSHTTP

/// The ways a test feeds one input: whole, one byte at a time, and in 7-byte pieces.
let splits: [(String, Int)] = [("whole", Int.max), ("one byte at a time", 1), ("7-byte pieces", 7)]

func pieces(_ input: [UInt8], size: Int) -> [[UInt8]] {
    if size >= input.count { return [input] }
    return stride(from: 0, to: input.count, by: size).map { Array(input[$0..<min($0 + size, input.count)]) }
}

/// Runs the response parser over `input` fed in `size`-byte pieces; events as short strings with
/// adjacent body pieces merged: "info 100", "head 200", "body:hello", "end".
func responseEvents(
    _ input: String, methods: [HTTPMethod] = [.get], size: Int, eof: Bool = false,
    limits: HTTPParserLimits = HTTPParserLimits()
) throws -> [String] {
    var parser = HTTPResponseParser(limits: limits)
    for m in methods { parser.expectResponse(to: m) }
    var out: [String] = []
    func drain() throws {
        while let e = try parser.next() {
            switch e {
            case .informational(let h): out.append("info \(h.status)")
            case .head(let h): out.append("head \(h.status)")
            case .body(let b): appendBody(b, to: &out)
            case .end: out.append("end")
            }
        }
    }
    for p in pieces(Array(input.utf8), size: size) {
        parser.feed(p)
        try drain()
    }
    if eof {
        parser.feedEOF()
        try drain()
    }
    return out
}

/// Adds a body piece to `out`, merged into the last entry when that is body too (where a body
/// is cut depends on how the bytes arrived).
private func appendBody(_ piece: [UInt8], to out: inout [String]) {
    let s = String(decoding: piece, as: UTF8.self)
    if let last = out.last, last.hasPrefix("body:") { out[out.count - 1] = last + s } else { out.append("body:" + s) }
}

func requestEvents(
    _ input: String, size: Int, eof: Bool = false, limits: HTTPParserLimits = HTTPParserLimits()
) throws -> [String] {
    var parser = HTTPRequestParser(limits: limits)
    var out: [String] = []
    func drain() throws {
        while let e = try parser.next() {
            switch e {
            case .head(let h): out.append("\(h.method) \(h.target)")
            case .body(let b): appendBody(b, to: &out)
            case .end: out.append("end")
            }
        }
    }
    for p in pieces(Array(input.utf8), size: size) {
        parser.feed(p)
        try drain()
    }
    if eof {
        parser.feedEOF()
        try drain()
    }
    return out
}

/// Expects the same events for every split.
func expectResponse(
    _ input: String, methods: [HTTPMethod] = [.get], eof: Bool = false, _ expected: [String],
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    for (name, size) in splits {
        let got = try responseEvents(input, methods: methods, size: size, eof: eof)
        #expect(got == expected, "fed \(name)", sourceLocation: sourceLocation)
    }
}

/// Expects `error` for every split.
func expectResponseError(
    _ input: String, methods: [HTTPMethod] = [.get], eof: Bool = false, limits: HTTPParserLimits = HTTPParserLimits(),
    _ error: HTTPParserError, sourceLocation: SourceLocation = #_sourceLocation
) {
    for (name, size) in splits {
        #expect(throws: error, "fed \(name)", sourceLocation: sourceLocation) {
            _ = try responseEvents(input, methods: methods, size: size, eof: eof, limits: limits)
        }
    }
}

func expectRequestError(
    _ input: String, eof: Bool = false, limits: HTTPParserLimits = HTTPParserLimits(), _ error: HTTPParserError,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    for (name, size) in splits {
        #expect(throws: error, "fed \(name)", sourceLocation: sourceLocation) {
            _ = try requestEvents(input, size: size, eof: eof, limits: limits)
        }
    }
}
