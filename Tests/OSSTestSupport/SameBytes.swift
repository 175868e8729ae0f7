import Foundation

/// Whether two byte sequences hold the same bytes, and if not where they first differ, for an
/// expectation on large bodies.
///
/// Write `let same = SameBytes(got, expected)` then `#expect(same.equal, "\(same)")`, never
/// `#expect(got == expected)` on megabytes: when such an expectation fails, Swift Testing
/// computes the two collections' difference (Myers' algorithm, quadratic when they differ a
/// lot) on a cooperative thread, which stalled a whole run for minutes while every in-process
/// server beside it starved.
public struct SameBytes: CustomStringConvertible, Sendable {
    public let equal: Bool
    public let description: String

    private init(equal: Bool, description: String) {
        self.equal = equal
        self.description = description
    }

    public init(_ got: some Collection<UInt8>, _ expected: some Collection<UInt8>) {
        var index = 0
        var a = got.makeIterator()
        var b = expected.makeIterator()
        while true {
            let x = a.next()
            let y = b.next()
            if x == nil && y == nil {
                equal = true
                description = "the same \(index) bytes"
                return
            }
            if x != y {
                equal = false
                description = "\(got.count) bytes against \(expected.count) expected; they first differ at byte \(index)"
                return
            }
            index += 1
        }
    }

    /// `nil` (no object) counts as different from any bytes.
    public init(_ got: (some Collection<UInt8>)?, _ expected: some Collection<UInt8>) {
        guard let got else {
            self.init(equal: false, description: "nothing against \(expected.count) bytes expected")
            return
        }
        self.init(got, expected)
    }
}
