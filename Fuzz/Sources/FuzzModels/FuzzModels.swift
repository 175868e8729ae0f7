import CFuzzDriver
import Glibc
import XMLFuzzChecks

/// A libFuzzer target for the OSS model decoders (`OSSProtocol/Models`). Besides any crash, it
/// traps on the first expectation `ModelChecks.check` finds broken (see XMLFuzzChecks).
@main
struct FuzzModels {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzModels))
    }
}

/// libFuzzer calls this for every input.
func fuzzModels(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    if let violation = ModelChecks.check(bytes) {
        fatalError("FuzzModels: \(violation)")
    }
    return 0
}
