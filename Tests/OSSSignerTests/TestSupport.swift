import OSSCore
import OSSSigner

/// The value of a header in a list of (name, value), case-insensitive.
func value(_ headers: [(name: String, value: String)], _ name: String) -> String? {
    headers.last { $0.name.lowercased() == name.lowercased() }?.value
}

/// The decoded value of a query parameter.
func value(_ query: [(name: String, value: String?)], _ name: String) -> String? {
    guard let item = query.last(where: { $0.name == name }) else { return nil }
    return item.value ?? ""
}

/// A UTC time from calendar fields (tests only use valid dates).
func utc(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> UTCTime {
    UTCTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s)!
}

let akSk = OSSCredentials(accessKeyId: "ak", accessKeySecret: "sk")
let akSkToken = OSSCredentials(accessKeyId: "ak", accessKeySecret: "sk", securityToken: "token")

/// The query the official SDKs' V4 tests use: names that sort differently raw and encoded, and
/// empty values.
let sdkQuery: [(name: String, value: String?)] = [
    ("param1", "value1"), ("+param1", "value3"), ("|param1", "value4"), ("+param2", ""), ("|param2", ""),
    ("param2", ""),
]

/// Replaces one alphanumeric character with another of the same class.
func mutated(_ c: Character) -> Character? {
    guard let a = c.asciiValue else { return nil }
    switch a {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return Character(UnicodeScalar((a - 48 + 1) % 10 + 48))
    case UInt8(ascii: "a")...UInt8(ascii: "z"): return Character(UnicodeScalar((a - 97 + 1) % 26 + 97))
    case UInt8(ascii: "A")...UInt8(ascii: "Z"): return Character(UnicodeScalar((a - 65 + 1) % 26 + 65))
    default: return nil
    }
}

/// Every variant of `text` with one alphanumeric character changed, skipping the two hex digits
/// of each `%XX` escape (changing their case would not change the bytes they stand for).
func oneCharacterMutations(_ text: String) -> [String] {
    let chars = Array(text)
    var out: [String] = []
    var skip = 0
    for i in chars.indices {
        if chars[i] == "%" {
            skip = 2
            continue
        }
        if skip > 0 {
            skip -= 1
            continue
        }
        guard let m = mutated(chars[i]) else { continue }
        var copy = chars
        copy[i] = m
        out.append(String(copy))
    }
    return out
}
