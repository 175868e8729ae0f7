import Foundation
import OSSProtocol
import OSSCore
import OSSCrypto
import OSSXML
import OSSTestSupport
import Testing

@Suite struct ModelEncodingTests {
    static func contentMD5(_ bytes: [UInt8]) -> String {
        Data(Digest.md5(bytes)).base64EncodedString()
    }

    static func manifestMD5(_ file: String) throws -> String? {
        let requests = try Fixtures.manifest()["requests"] as? [[String: Any]] ?? []
        guard let entry = requests.first(where: { $0["file"] as? String == file }) else { return nil }
        if let md5 = entry["content_md5"] as? String { return md5 }
        return (entry["headers"] as? [String: String])?["Content-MD5"]
    }

    static let threeParts = CompleteMultipartUpload(parts: [
        .init(partNumber: 1, eTag: "\"8EFDA8BE206636A695359836FE0A****\""),
        .init(partNumber: 2, eTag: "\"8C315065167132444177411FDA14****\""),
        .init(partNumber: 3, eTag: "\"3349DC700140D7F86A0784842780****\""),
    ])

    @Test func completeMultipartUploadIsByteForByteTheSDKs() throws {
        let body = Self.threeParts.encode()
        for file in ["CompleteMultipartUpload-alibabacloud-oss-v2", "CompleteMultipartUpload-oss2-serializer"] {
            #expect(body == (try Fixtures.request(file)), "\(file)")
            #expect(Self.contentMD5(body) == (try Self.manifestMD5("requests/\(file).xml")))
        }
        #expect(Self.contentMD5(body) == "bJ8YAgSBOsYAQhoZgu/ZYg==")
        let oss2 = CompleteMultipartUpload(parts: [
            .init(partNumber: 1, eTag: "\"4DE8075FB607DF4D13FBC480EA488EFA\""),
            .init(partNumber: 2, eTag: "\"AF947EC157726CEA88ED83B3C989063B\""),
        ])
        #expect(oss2.encode() == (try Fixtures.request("CompleteMultipartUpload-oss2")))
    }

    @Test func goSpellingOfQuotesDecodesToTheSameParts() throws {
        // Go's encoding/xml writes '"' as &#34;: a different body for the same parts.
        let go = try CompleteMultipartUpload.decode(try Fixtures.request("CompleteMultipartUpload-go"))
        #expect(go == Self.threeParts)
    }

    static let sdkKeys = ["hello", "a&b<c>.txt", "中文/文件 1.txt", "tab\there"]

    @Test func deleteIsByteForByteAlibabacloudOSSV2s() throws {
        var objects = Self.sdkKeys.map { Delete.Object(key: $0) }
        objects[3].versionId = "CAEQNRiBgIDyz.6C0BYiIGQ2NWEwNmVhNTA3ZTQ3****"
        let body = Delete(objects: objects, quiet: true).encode()
        #expect(body == (try Fixtures.request("Delete-alibabacloud-oss-v2")))
        #expect(Self.contentMD5(body) == "a1JGYAe8BuyOvsnmG+Ndpg==")
        #expect(Self.contentMD5(body) == (try Self.manifestMD5("requests/Delete-alibabacloud-oss-v2.xml")))
    }

    @Test func deleteMatchesTheGoAndOSS2Samples() throws {
        let quietFalse = Delete(objects: [.init(key: "key1.txt"), .init(key: "key2.txt")])
        #expect(quietFalse.encode() == (try Fixtures.request("Delete-quiet-false-go")))
        let versions = Delete(
            objects: [
                .init(key: "key1.txt", versionId: "CAEQNRiBgIDyz.6C0BYiIGQ2NWEwNmVhNTA3ZTQ3MzM5ODliYjM1ZTdjYjA4****"),
                .init(key: "key2.txt", versionId: "CAEQNRiBgIDyz.6C0BYiIGQ2NWEwNmVhNTA3ZTQ3MzM5ODliYjM1ZTdjYjA5****"),
            ], quiet: true)
        #expect(versions.encode() == (try Fixtures.request("Delete-quiet-true-versions-go")))
        #expect(Delete(objects: [.init(key: "hello"), .init(key: "world")]).encode() == (try Fixtures.request("Delete-oss2")))
    }

    @Test func oss2RawTabDiffersOnlyInSpellingAndDecodesTheSame() throws {
        // oss2 writes the TAB raw; alibabacloud-oss-v2 (and we) write &#09;. Same keys either way.
        let oss2 = try Fixtures.request("Delete-oss2-serializer")
        let ours = Delete(objects: Self.sdkKeys.map { Delete.Object(key: $0) }).encode()
        #expect(ours != oss2)
        #expect(String(decoding: ours, as: UTF8.self).replacingOccurrences(of: "&#09;", with: "\t") == String(decoding: oss2, as: UTF8.self))
        #expect(Self.contentMD5(oss2) == (try Self.manifestMD5("requests/Delete-oss2-serializer.xml")))
        let decoded = try Delete.decode(oss2)
        #expect(decoded.objects.map(\.key) == Self.sdkKeys)
        #expect(decoded.quiet == false)
    }

    @Test func everyRequestSampleDecodes() throws {
        for name in try Fixtures.requestNames() {
            let bytes = try Fixtures.request(name)
            if name.hasPrefix("Delete") {
                let d = try Delete.decode(bytes)
                #expect(!d.objects.isEmpty)
            } else {
                let c = try CompleteMultipartUpload.decode(bytes)
                #expect(c.parts.map(\.partNumber) == Array(1...c.parts.count))
            }
        }
    }
}
