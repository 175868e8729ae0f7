import CFuzzDriver
import Glibc
import HTTPFuzzChecks

/// A libFuzzer target for `HTTPResponseParser` (the client's): `bytes[0]` is a control byte,
/// the rest the peer's bytes. See `checkResponseParser` in HTTPFuzzChecks for what it checks.
@main
struct FuzzHTTPResponseParser {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
    }
}

/// libFuzzer calls this for every input.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    if let violation = HTTPChecks.checkResponseParser(bytes) {
        fatalError("FuzzHTTPResponseParser: \(violation)")
    }
    return 0
}
