import CFuzzDriver
import Glibc
import XMLFuzzChecks

/// A libFuzzer target for `XMLReader`. Besides any crash, it traps on the first expectation
/// `XMLReaderChecks.check` finds broken (see XMLFuzzChecks).
@main
struct FuzzXMLReader {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzXMLReader))
    }
}

/// libFuzzer calls this for every input.
func fuzzXMLReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    if let violation = XMLReaderChecks.check(bytes) {
        fatalError("FuzzXMLReader: \(violation)")
    }
    return 0
}
