import OSSCore
import OSSCrypto
import Testing

@testable import OSSMockServer

/// A service that accepts unsigned requests, for tests of the operations themselves.
func anonymousService(buckets: [String] = ["bkt"], dataDirectory: String? = nil, spill: Int = 1 << 20) throws -> MockOSS {
    var c = MockServerConfiguration()
    c.allowAnonymous = true
    c.buckets = buckets
    c.dataDirectory = dataDirectory
    c.spillThreshold = spill
    return try MockOSS(configuration: c)
}

struct Answer {
    var response: MockResponse
    var body: [UInt8]
    var status: Int { response.status }
    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ n: String) -> String? { response.header(n) }

    /// The text of the first `<name>` element.
    func xml(_ name: String) -> String? {
        guard let open = text.firstRange(of: "<\(name)>"), let close = text[open.upperBound...].firstRange(of: "</\(name)>")
        else { return nil }
        return String(text[open.upperBound..<close.lowerBound])
    }

    /// The texts of every `<name>` element.
    func xmlAll(_ name: String) -> [String] {
        var out: [String] = []
        var rest = Substring(text)
        while let open = rest.firstRange(of: "<\(name)>"), let close = rest[open.upperBound...].firstRange(of: "</\(name)>") {
            out.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return out
    }

    var code: String? { xml("Code") }
}

@discardableResult
func send(
    _ oss: MockOSS, _ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = [],
    clientGoneAfter: Int? = nil, host: String = "127.0.0.1:9000"
) async throws -> Answer {
    var h: [(name: String, value: String)] = [("Host", host)]
    for x in headers { h.append((x.0, x.1)) }
    let request = MockRequest(method: method, target: target, headers: h)
    let response = await oss.handle(request, body: MockMemoryBody(body, clientGoneAfter: clientGoneAfter))
    return Answer(response: response, body: try await response.body.collect())
}

func bytes(_ n: Int, seed: UInt8 = 1) -> [UInt8] {
    (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
}

func quotedMD5(_ b: [UInt8]) -> String { "\"\(Hex.encode(Digest.md5(b), uppercase: true))\"" }
