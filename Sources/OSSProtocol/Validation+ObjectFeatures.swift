/// OSS's rules for object tags, ACL names, storage classes, restores and download options.
extension Validation {
    /// The most tags an object may have.
    package static let maxObjectTags = 10
    package static let objectACLs = ["default", "private", "public-read", "public-read-write"]
    package static let bucketACLs = ["private", "public-read", "public-read-write"]
    package static let storageClasses = ["Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive"]
    package static let restoreTiers = ["Expedited", "Standard", "Bulk"]
    /// `x-oss-traffic-limit`, bit/s: 100 KiB/s to 100 MiB/s.
    package static let trafficLimitRange: ClosedRange<Int> = 245_760...838_860_800

    /// Object tags: at most 10, keys unique, a key 1...128 characters and a value 0...256, of
    /// letters, digits, spaces and `+ - = . _ : /`.
    package static func checkObjectTags(_ tags: [ObjectTag]) throws(ValidationError) {
        guard tags.count <= maxObjectTags else {
            throw ValidationError("an object can have at most \(maxObjectTags) tags, not \(tags.count)")
        }
        var seen = Set<String>()
        for t in tags {
            guard !t.key.isEmpty else { throw ValidationError("a tag key is empty") }
            guard t.key.count <= 128 else {
                throw ValidationError("tag key \(quoted(t.key)) is \(t.key.count) characters long; the limit is 128")
            }
            guard t.value.count <= 256 else {
                throw ValidationError("the value of tag \(quoted(t.key)) is \(t.value.count) characters long; the limit is 256")
            }
            for (what, text) in [("key", t.key), ("value", t.value)] where !text.allSatisfy(isTagCharacter) {
                throw ValidationError(
                    "tag \(what) \(quoted(text)) may only hold letters, digits, spaces and + - = . _ : /")
            }
            guard seen.insert(t.key).inserted else { throw ValidationError("tag key \(quoted(t.key)) appears twice") }
        }
    }

    package static func isTagCharacter(_ c: Character) -> Bool {
        if c.isLetter || c.isNumber { return true }
        return c == " " || c == "+" || c == "-" || c == "=" || c == "." || c == "_" || c == ":" || c == "/"
    }

    /// An object ACL: `default`, `private`, `public-read` or `public-read-write`.
    package static func checkObjectACL(_ acl: String) throws(ValidationError) {
        guard objectACLs.contains(acl) else {
            throw ValidationError("object ACL \(quoted(acl)) is not one of \(objectACLs.joined(separator: ", "))")
        }
    }

    /// A bucket ACL: `private`, `public-read` or `public-read-write`.
    package static func checkBucketACL(_ acl: String) throws(ValidationError) {
        guard bucketACLs.contains(acl) else {
            throw ValidationError("bucket ACL \(quoted(acl)) is not one of \(bucketACLs.joined(separator: ", "))")
        }
    }

    /// A storage class OSS has.
    package static func checkStorageClass(_ c: String) throws(ValidationError) {
        guard storageClasses.contains(c) else {
            throw ValidationError("storage class \(quoted(c)) is not one of \(storageClasses.joined(separator: ", "))")
        }
    }

    /// A RestoreObject request: days 1...365, a known tier.
    package static func checkRestore(_ r: RestoreRequest) throws(ValidationError) {
        if let d = r.days, !(1...365).contains(d) { throw ValidationError("restore days must be 1...365, not \(d)") }
        if let t = r.tier, !restoreTiers.contains(t) {
            throw ValidationError("restore tier \(quoted(t)) is not one of \(restoreTiers.joined(separator: ", "))")
        }
    }

    /// `x-oss-traffic-limit` in bit/s.
    package static func checkTrafficLimit(_ bits: Int) throws(ValidationError) {
        guard trafficLimitRange.contains(bits) else {
            throw ValidationError(
                "traffic limit \(bits) bit/s is outside \(trafficLimitRange.lowerBound)...\(trafficLimitRange.upperBound)")
        }
    }
}

extension Validation {
    /// The headers of this area a request may carry, whatever call made it: `x-oss-tagging`
    /// (its form and tags), `x-oss-object-acl`, `x-oss-storage-class`, `x-oss-traffic-limit`.
    package static func checkObjectFeatureHeaders(_ headers: [(String, String)]) throws(ValidationError) {
        for (name, value) in headers {
            switch name.lowercased() {
            case OSSHeader.tagging:
                guard let t = ObjectTagging.parseHeader(value) else {
                    throw ValidationError("\(OSSHeader.tagging) \(quoted(value)) is not in the form k1=v1&k2=v2")
                }
                try checkObjectTags(t.tagSet)
            case OSSHeader.objectACL: try checkObjectACL(value)
            case OSSHeader.storageClass: try checkStorageClass(value)
            case OSSHeader.trafficLimit:
                guard let n = Int(value) else { throw ValidationError("\(OSSHeader.trafficLimit) \(quoted(value)) is not a number") }
                try checkTrafficLimit(n)
            default: break
            }
        }
    }
}
