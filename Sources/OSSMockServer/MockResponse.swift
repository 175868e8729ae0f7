import OSSProtocol
import OSSCore
internal import OSSXML

/// An answer of the mock OSS: status, headers, and a body in memory or read from the store.
public struct MockResponse: Sendable {
    public var status: Int
    /// Header fields in order. `Content-Length` is present whenever the body length is known.
    public var headers: [(name: String, value: String)]
    public var body: Body
    /// Close the connection after this response.
    public var closeConnection: Bool = false
    /// No answer can be given (the client went away): the connection is closed.
    public var noAnswer: Bool = false
    /// The OSS error code, for the log.
    public var errorCode: String?

    /// A response body.
    public struct Body: Sendable {
        enum Storage: Sendable {
            case bytes([UInt8])
            case stored(MockData)
        }
        let storage: Storage

        public static let empty = Body(storage: .bytes([]))
        public static func bytes(_ b: [UInt8]) -> Body { Body(storage: .bytes(b)) }
        static func stored(_ d: MockData) -> Body { Body(storage: .stored(d)) }

        /// The number of bytes.
        public var count: Int64 {
            switch storage {
            case .bytes(let b): return Int64(b.count)
            case .stored(let d): return d.size
            }
        }

        /// Calls `body` with consecutive pieces of the body.
        public func forEachChunk(_ body: (UnsafeRawBufferPointer) async throws -> Void) async throws {
            switch storage {
            case .bytes(let b): if !b.isEmpty { try await MockBlob(memory: b).forEachChunk(in: 0..<Int64(b.count), body) }
            case .stored(let d): try await d.forEachChunk(body)
            }
        }

        /// The whole body in memory.
        public func collect() async throws -> [UInt8] {
            switch storage {
            case .bytes(let b): return b
            case .stored(let d): return try await d.readAll()
            }
        }
    }

    public init(status: Int, headers: [(name: String, value: String)] = [], body: Body = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The last value of a header (case-insensitive), or `nil`.
    public func header(_ name: String) -> String? {
        headers.last(where: { ASCIICase.equal($0.name, name) })?.value
    }

    mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { ASCIICase.equal($0.name, name) }
        headers.append((name, value))
    }

    /// A 200 answer whose body is a shared OSS model (OSSProtocol's models), so the client decodes
    /// exactly what the mock encodes.
    static func model(_ m: some XMLEncodableModel) -> MockResponse {
        MockResponse(status: 200, headers: [("Content-Type", "application/xml")], body: .bytes(m.encode()))
    }

    static func xml(_ status: Int = 200, _ build: (inout XMLWriter) -> Void) -> MockResponse {
        var w = XMLWriter(declaration: true)
        build(&w)
        return MockResponse(status: status, headers: [("Content-Type", "application/xml")], body: .bytes(w.bytes))
    }
}
