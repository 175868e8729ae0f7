/// A parsed command line: positional arguments, `--name value` options and `--flag` switches.
///
/// Each command declares which option names take a value and which are flags, so a typo is a
/// usage error (exit 2) instead of being silently ignored.
struct Arguments {
    var positional: [String] = []
    var options: [String: [String]] = [:]
    var flags: Set<String> = []

    /// Options every command that talks to OSS accepts (DESIGN.md, "Common options").
    static let commonValueOptions: Set<String> = [
        "endpoint", "region", "signature-version", "cacert", "timeout",
    ]
    static let commonFlags: Set<String> = ["path-style", "insecure", "json"]

    /// Parses `args` (without the command words).
    /// - Throws: `UsageError` for an unknown option or a missing value.
    init(_ args: [String], valueOptions: Set<String>, flags flagNames: Set<String>) throws {
        var i = 0
        var onlyPositional = false
        while i < args.count {
            let a = args[i]
            if onlyPositional || !a.hasPrefix("-") || a == "-" {
                positional.append(a)
            } else if a == "--" {
                onlyPositional = true
            } else {
                var name = String(a.drop(while: { $0 == "-" }))
                var inlineValue: String? = nil
                if let (n, v) = Self.assignment(name) { (name, inlineValue) = (n, v) }
                if name == "o" { name = "output" }
                if name == "H" { name = "header" }
                if valueOptions.contains(name) {
                    let value: String
                    if let inlineValue {
                        value = inlineValue
                    } else {
                        i += 1
                        guard i < args.count else { throw UsageError("option --\(name) needs a value") }
                        value = args[i]
                    }
                    options[name, default: []].append(value)
                } else if flagNames.contains(name) {
                    guard inlineValue == nil else { throw UsageError("option --\(name) takes no value") }
                    flags.insert(name)
                } else {
                    throw UsageError("unknown option \(a)")
                }
            }
            i += 1
        }
    }

    /// The last value of an option.
    func value(_ name: String) -> String? { options[name]?.last }

    /// All values of a repeatable option.
    func values(_ name: String) -> [String] { options[name] ?? [] }

    func flag(_ name: String) -> Bool { flags.contains(name) }

    /// An integer option (sizes and rates are plain byte counts).
    func int(_ name: String) throws -> Int? {
        guard let v = value(name) else { return nil }
        guard let n = Int(v), n >= 0 else { throw UsageError("--\(name) takes a non-negative whole number, not \(v)") }
        return n
    }

    /// A duration option in seconds (fractions allowed).
    func seconds(_ name: String) throws -> Duration? {
        guard let v = value(name) else { return nil }
        guard let d = Double(v), d >= 0, d.isFinite else { throw UsageError("--\(name) takes seconds, not \(v)") }
        return .nanoseconds(Int64(d * 1e9))
    }

    /// A `NAME=VALUE` option value split at its first `=` (the value may hold more); nil when it
    /// has none.
    static func assignment(_ s: String) -> (name: String, value: String)? {
        guard let eq = s.firstIndex(of: "=") else { return nil }
        return (String(s[..<eq]), String(s[s.index(after: eq)...]))
    }
}
