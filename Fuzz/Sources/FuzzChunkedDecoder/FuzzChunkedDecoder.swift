import CFuzzDriver
import Glibc
import HTTPFuzzChecks

/// A libFuzzer target for the chunked body decoder (RFC 9112 §7.1) inside both HTTP parsers: `bytes[0]` is a control byte,
/// the rest the peer's bytes. See `checkChunkedDecoder` in HTTPFuzzChecks for what it checks.
@main
struct FuzzChunkedDecoder {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
    }
}

/// libFuzzer calls this for every input.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    if let violation = HTTPChecks.checkChunkedDecoder(bytes) {
        fatalError("FuzzChunkedDecoder: \(violation)")
    }
    return 0
}
