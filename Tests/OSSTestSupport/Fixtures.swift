import Foundation

/// Reads the reference samples under `Fixtures/oss-xml` of the package.
public enum Fixtures {
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/oss-xml")

    public static func bytes(_ relativePath: String) throws -> [UInt8] {
        Array(try Data(contentsOf: root.appendingPathComponent(relativePath)))
    }

    public static func response(_ name: String) throws -> [UInt8] { try bytes("responses/\(name).xml") }

    public static func request(_ name: String) throws -> [UInt8] { try bytes("requests/\(name).xml") }

    /// What alibabacloud-oss-v2 returned for `responses/<name>.xml`.
    public static func parsed(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent("parsed/\(name).alibabacloud-oss-v2.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    public static func manifest() throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent("manifest.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// Every response sample name (file name without `.xml`).
    public static func responseNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("responses").path)
            .filter { $0.hasSuffix(".xml") }.map { String($0.dropLast(4)) }.sorted()
    }

    public static func requestNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("requests").path)
            .filter { $0.hasSuffix(".xml") }.map { String($0.dropLast(4)) }.sorted()
    }
}
