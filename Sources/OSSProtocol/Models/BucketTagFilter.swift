import OSSCore

/// Which buckets ListBuckets keeps by their tags (PutBucketTags): OSS's `tag-key` and
/// `tag-value` query parameters, or its `tagging` parameter, which names pairs that must all
/// be present. OSS refuses `tagging` together with the other two, and `tag-value` alone; this
/// type cannot express either.
public enum BucketTagFilter: Sendable, Hashable {
    /// Buckets with a tag of this key, whatever its value (`tag-key`).
    case key(String)
    /// Buckets with this tag (`tag-key` and `tag-value`).
    case tag(key: String, value: String)
    /// Buckets with every one of these tags (`tagging`, written `"k1":"v1","k2":"v2"`).
    case allOf([OSSTag])

    /// The query parameters that ask for this filter.
    public var queryParameters: [(String, String)] {
        switch self {
        case .key(let k): return [("tag-key", k)]
        case .tag(let k, let v): return [("tag-key", k), ("tag-value", v)]
        case .allOf(let tags):
            return [("tagging", tags.map { JSONString.quoted($0.key) + ":" + JSONString.quoted($0.value) }.joined(separator: ","))]
        }
    }

    /// The filter a ListBuckets query asks for (`nil`: none), from its decoded `tag-key`,
    /// `tag-value` and `tagging` values, or the rule of OSS it breaks.
    package static func parse(tagKey: String?, tagValue: String?, tagging: String?) throws(ValidationError) -> BucketTagFilter? {
        if let tagging {
            guard tagKey == nil, tagValue == nil else {
                throw ValidationError("tagging cannot be used together with tag-key or tag-value")
            }
            guard case .some(.object(let members)) = try? JSONReader.parse("{" + tagging + "}"), !members.isEmpty else {
                throw ValidationError("tagging must be a list of \"key\":\"value\" pairs, got \(Validation.quoted(tagging))")
            }
            var tags: [OSSTag] = []
            for (k, v) in members {
                guard let value = v.string else {
                    throw ValidationError("the tagging value of \(Validation.quoted(k)) is not a string")
                }
                tags.append(OSSTag(key: k, value: value))
            }
            return .allOf(tags)
        }
        guard let tagKey else {
            if tagValue != nil { throw ValidationError("tag-value needs tag-key") }
            return nil
        }
        guard !tagKey.isEmpty else { throw ValidationError("tag-key is empty") }
        if let tagValue { return .tag(key: tagKey, value: tagValue) }
        return .key(tagKey)
    }

    /// Whether a bucket with these tags passes the filter.
    public func matches(_ tags: [OSSTag]) -> Bool {
        switch self {
        case .key(let k): return tags.contains { $0.key == k }
        case .tag(let k, let v): return tags.contains { $0.key == k && $0.value == v }
        case .allOf(let wanted): return wanted.allSatisfy { w in tags.contains { $0.key == w.key && $0.value == w.value } }
        }
    }
}
