import OSSProtocol
import OSSXML

// The checks of the two XML fuzz targets. Each takes libFuzzer's bytes and returns a description
// of the first broken expectation, or `nil`.
//
// `Tests/OSSXMLTests/XMLFuzzChecks.swift` is a symbolic link to this file: the suite replays the
// saved crash inputs through exactly these checks.

/// The checks of `FuzzXMLReader`: a whole feed and a two-piece feed (cut at
/// `bytes[0] % (count + 1)`, since the reader is incremental and an unfinished token must resume
/// correctly) agree, on the tree or on the error's kind and offset; an error's offset lies inside
/// the input and its message is not empty; an accepted tree written back with `XMLWriter.write`
/// reads back equal.
public enum XMLReaderChecks {
    public static func check(_ bytes: [UInt8]) -> String? {
        let whole = Result { () throws(XMLError) in try XMLReader.parse(bytes) }
        let cut = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
        let split = Result { () throws(XMLError) in
            var reader = XMLReader()
            try reader.feed(bytes[..<cut])
            try reader.feed(bytes[cut...])
            return try reader.finish()
        }
        switch (whole, split) {
        case (.success(let a), .success(let b)):
            guard a == b else { return "whole and split at \(cut) give different trees" }
            var writer = XMLWriter()
            writer.write(a)
            guard let again = try? XMLReader.parse(writer.bytes) else {
                return "the written-back tree does not parse: \(writer.string)"
            }
            guard again == a else { return "the written-back tree reads back different: \(writer.string)" }
        case (.failure(let a), .failure(let b)):
            guard a.kind == b.kind, a.offset == b.offset else {
                return "whole and split at \(cut) fail differently: \(a) / \(b)"
            }
            guard a.offset >= 0, a.offset <= bytes.count, !a.message.isEmpty else { return "bad error: \(a)" }
        case (.success, .failure(let e)):
            return "whole accepted, split at \(cut) refused: \(e)"
        case (.failure(let e), .success):
            return "whole refused (\(e)), split at \(cut) accepted"
        }
        return nil
    }
}

/// The checks of `FuzzModels`: the input is parsed once and handed to every model's
/// `init(xml:)`, whatever its root (each must refuse a wrong root cleanly). A model that decoded
/// must survive its own encoding: `decode(encode())` succeeds and encodes to the same bytes (the
/// client reads what the mock server writes, and the reverse).
public enum ModelChecks {
    public static func check(_ bytes: [UInt8]) -> String? {
        guard let root = try? XMLReader.parse(bytes) else { return nil }
        let checks: [(XMLElement) -> String?] = [
            roundTrip(ListBucketResult.self), roundTrip(ListAllMyBucketsResult.self),
            roundTrip(ListPartsResult.self), roundTrip(ListMultipartUploadsResult.self),
            roundTrip(InitiateMultipartUploadResult.self), roundTrip(CompleteMultipartUploadResult.self),
            roundTrip(CompleteMultipartUpload.self), roundTrip(CopyObjectResult.self),
            roundTrip(Delete.self), roundTrip(DeleteResult.self), roundTrip(ErrorResponse.self),
            roundTrip(CopyPartResult.self), roundTrip(CreateBucketConfiguration.self),
        ]
        for check in checks {
            if let violation = check(root) { return violation }
        }
        return nil
    }

    static func roundTrip<M: XMLModel>(_ type: M.Type) -> (XMLElement) -> String? {
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
}
