import OSSXML

/// A bucket configuration OSS keeps under one sub-resource (`?cors`, `?lifecycle`, ...) and
/// offers Put/Get/Delete<Name> operations for: the client sends and reads it with the same
/// generic calls, the mock stores and answers it with the same generic handlers.
public protocol BucketConfigurationModel: XMLModel {
    /// The operations' common part: `BucketCors` names PutBucketCors, GetBucketCors and
    /// DeleteBucketCors of ``OSSOperation/all``.
    static var configurationName: String { get }
    /// OSS's rules for the configuration (Validation+BucketConfiguration.swift): what the client
    /// refuses before sending it and the mock answers with `InvalidArgument`.
    func validate() throws(ValidationError)
}

extension BucketConfigurationModel {
    /// The Put operation of this configuration.
    public static var putOperation: OSSOperation { OSSOperation.named("Put" + configurationName)! }
    /// The Get operation of this configuration.
    public static var getOperation: OSSOperation { OSSOperation.named("Get" + configurationName)! }
    /// The Delete operation, when OSS has one (referer has none).
    public static var deleteOperation: OSSOperation? { OSSOperation.named("Delete" + configurationName) }
}

/// A key and value pair: a bucket tag, a lifecycle rule's tag.
public struct OSSTag: Sendable, Hashable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    static func read(_ f: XMLFields) throws(XMLModelError) -> [OSSTag] {
        var tags: [OSSTag] = []
        for t in f.all("Tag") { tags.append(OSSTag(key: try t.required("Key"), value: t.string("Value") ?? "")) }
        return tags
    }

    static func write(_ tags: [OSSTag], to w: inout XMLWriter) {
        for t in tags {
            w.element("Tag") { w in
                w.element("Key", t.key)
                w.element("Value", t.value)
            }
        }
    }
}

extension XMLFields {
    /// The texts of every child named `name`, in order (`<AllowedOrigin>` lists).
    func strings(_ name: String) -> [String] { element.children(name).map(\.text) }

    /// A child that must be present.
    func requiredNested(_ name: String) throws(XMLModelError) -> XMLFields {
        guard let n = nested(name) else { throw missing(name) }
        return n
    }
}

extension XMLWriter {
    /// One element per value, all named `name`.
    mutating func elements(_ name: String, _ values: [String]) {
        for v in values { element(name, v) }
    }
}
