import CFuzzDriver
import Glibc
import OSSClient
import OSSXML

/// A libFuzzer target for the OSS model decoders (`OSSClient/Models`).
///
/// The input is parsed once and handed to every model's `init(xml:)`, whatever its root (each
/// must refuse a wrong root cleanly). Besides any crash, it traps when a model that decoded does
/// not survive its own encoding: `decode(encode())` must succeed and encode to the same bytes
/// (the client reads what the mock server writes, and the reverse).
///
/// `Tests/OSSXMLTests/FuzzReplayTests.swift` runs the same checks on every saved crash input;
/// keep the two equal.
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
    if let violation = checkModels(bytes) {
        fatalError("FuzzModels: \(violation)")
    }
    return 0
}

/// One input through every decoder; a description of the first broken expectation, or `nil`.
func checkModels(_ bytes: [UInt8]) -> String? {
    guard let root = try? XMLReader.parse(bytes) else { return nil }
    let checks: [(XMLElement) -> String?] = [
        roundTrip(ListBucketResult.self), roundTrip(ListAllMyBucketsResult.self),
        roundTrip(ListPartsResult.self), roundTrip(ListMultipartUploadsResult.self),
        roundTrip(InitiateMultipartUploadResult.self), roundTrip(CompleteMultipartUploadResult.self),
        roundTrip(CompleteMultipartUpload.self), roundTrip(CopyObjectResult.self),
        roundTrip(Delete.self), roundTrip(DeleteResult.self), roundTrip(ErrorResponse.self),
    ]
    for check in checks {
        if let violation = check(root) { return violation }
    }
    return nil
}

func roundTrip<M: XMLModel>(_ type: M.Type) -> (XMLElement) -> String? {
    { root in
        guard let model = try? M(xml: root) else { return nil }
        let body = model.encode()
        let again: M
        do {
            again = try M.decode(body)
        } catch {
            return "\(M.self) does not decode its own encoding (\(error)): \(String(decoding: body, as: UTF8.self))"
        }
        let body2 = again.encode()
        guard body2 == body else {
            return "\(M.self) changes on a second round trip: \(String(decoding: body, as: UTF8.self)) -> "
                + String(decoding: body2, as: UTF8.self)
        }
        return nil
    }
}
