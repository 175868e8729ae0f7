import OSSClient
import OSSCore
import OSSHTTP
import OSSTransfer

/// A mistake in how a command was called (exit 2): printed as one line, then a hint to the
/// command's `--help`.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A configuration mistake (exit 2): no credentials, no endpoint, an endpoint that does not parse.
/// The text says what to set; no usage hint follows.
struct ConfigError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A failure reported as one line, exit code 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    /// The code `--json` reports (`FileError`, ...).
    let code: String
    init(_ description: String, code: String = "Failed") {
        self.description = description
        self.code = code
    }
}

/// Exit codes of DESIGN.md's command-line contract.
enum ExitCode {
    static let success: Int32 = 0
    static let failure: Int32 = 1
    /// A usage or configuration mistake.
    static let usage: Int32 = 2
    /// Stopped by SIGINT (128 + 2).
    static let interrupted: Int32 = 130
    /// Stopped by SIGTERM (128 + 15).
    static let terminated: Int32 = 143
}

/// How an error is reported: its code, its one-line text and the exit status.
struct FailureReport {
    var code: String
    var text: String
    var status: Int32
    /// Whether a hint to `--help` follows (usage mistakes only).
    var hint: Bool

    init(_ error: any Error) {
        hint = false
        switch error {
        case let e as UsageError:
            (code, text, status, hint) = ("UsageError", e.description, ExitCode.usage, true)
        case let e as ConfigError:
            (code, text, status) = ("ConfigError", e.description, ExitCode.usage)
        case let e as CLIError:
            (code, text, status) = (e.code, e.description, ExitCode.failure)
        case let e as OSSClientError:
            // Bad input the user typed (a bucket name, a key with CR/LF) and missing credentials
            // are mistakes in the call, not failures of the service.
            let mistake = e.kind == .invalidArgument || e.kind == .credentials
            (code, text, status) = (e.code, e.description, mistake ? ExitCode.usage : ExitCode.failure)
        case let e as OSSServiceError:
            (code, text, status) = (e.code, e.description, ExitCode.failure)
        case let e as HTTPClientError:
            (code, text, status) = (e.compatibilityCode ?? "HTTPClientError", e.description, ExitCode.failure)
        case let e as SystemError:
            // A local read or write (standard output closed, /dev/full, a FIFO gone).
            (code, text, status) = ("FileError", e.description, ExitCode.failure)
        case let e as TransferError:
            (code, text, status) = (
                e.kind == .file ? "FileError" : "TransferError", e.description,
                e.kind == .invalidArgument ? ExitCode.usage : ExitCode.failure
            )
        default:
            (code, text, status) = ("Failed", "\(error)", ExitCode.failure)
        }
    }

    /// `{"state":"failed","code":...,"error":...}`: what `--json` prints for a failure.
    var json: String {
        "{\"state\":\"failed\",\"code\":\(JSON.string(code)),\"error\":\(JSON.string(text))}"
    }

    /// Prints the failure of `command`: the text on standard error (and the hint), and with
    /// `json` the one JSON object on standard output.
    func print(command: String, json: Bool) {
        if json { printLine(self.json) }
        printError("osswire \(command): \(text)")
        if hint { printError("Try 'osswire \(command) --help'.") }
    }
}

/// Minimal JSON text building (no Foundation).
enum JSON {
    /// A JSON string literal (RFC 8259 §7).
    static func string(_ s: String) -> String { JSONString.quoted(s) }

    static func optional(_ s: String?) -> String { s.map(string) ?? "null" }

    /// `{"state":"completed","code":null,"error":null,` then `fields`, then `}`: the success
    /// object of a command's `--json` (every object carries state, code and error).
    static func success(_ fields: [(String, String)]) -> String {
        let all = [("state", string("completed")), ("code", "null"), ("error", "null")] + fields
        return "{" + all.map { "\(string($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    /// A number with at most three decimals (`0.005`, `12.5`, `3`).
    static func seconds(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        let ms = Int64((d * 1000).rounded())
        let whole = ms / 1000
        var frac = String(abs(ms % 1000))
        while frac.count < 3 { frac = "0" + frac }
        return "\(whole).\(frac)"
    }
}
