import OSSCore

// OSS's rules for the bucket configurations of issue 16 (part 4): the client checks them before
// a request leaves, the mock when one arrives (InvalidArgument).

extension Validation {
    /// A bucket's tags: at most 20, keys of 1 to 64 bytes and values of up to 128, keys distinct.
    package static func checkBucketTags(_ tags: [OSSTag]) throws(ValidationError) {
        try checkTagSet(tags, limit: 20, maxKey: 64, maxValue: 128)
    }

    /// Tags: at most `limit`, keys of 1 to `maxKey` bytes, values of up to `maxValue`, keys distinct.
    /// (A lifecycle rule's tags match object tags: 10, 128, 256.)
    package static func checkTagSet(_ tags: [OSSTag], limit: Int, maxKey: Int, maxValue: Int) throws(ValidationError) {
        guard tags.count <= limit else { throw ValidationError("\(tags.count) tags: at most \(limit) are allowed") }
        var seen = Set<String>()
        for t in tags {
            guard (1...maxKey).contains(t.key.utf8.count) else {
                throw ValidationError("tag key \(quoted(t.key)) must be 1 to \(maxKey) bytes long")
            }
            guard t.value.utf8.count <= maxValue else {
                throw ValidationError("the value of tag \(quoted(t.key)) is longer than \(maxValue) bytes")
            }
            guard seen.insert(t.key).inserted else { throw ValidationError("tag key \(quoted(t.key)) appears twice") }
        }
    }

    /// One of `allowed`, named `what` in the message.
    package static func checkMember(_ value: String, _ allowed: [String], what: String) throws(ValidationError) {
        guard allowed.contains(value) else {
            throw ValidationError("\(what) \(quoted(value)) is not one of \(allowed.joined(separator: ", "))")
        }
    }

    /// A bucket policy: a JSON object with a `Version` of `"1"` (the only one OSS takes) and a non-empty `Statement` array
    /// whose statements each have an `Effect` of `Allow` or `Deny`.
    package static func checkBucketPolicy(_ text: String) throws(ValidationError) {
        let policy: JSONValue
        do throws(JSONParseError) { policy = try JSONReader.parse(text) } catch {
            throw ValidationError("the policy is not JSON: \(error)")
        }
        guard policy.members != nil else { throw ValidationError("the policy is not a JSON object") }
        guard let version = policy["Version"]?.string else { throw ValidationError("the policy has no \"Version\" string") }
        guard version == "1" else { throw ValidationError("policy version \(quoted(version)) is not \"1\"") }
        guard let statements = policy["Statement"]?.array, !statements.isEmpty else {
            throw ValidationError("the policy has no \"Statement\" list")
        }
        for s in statements {
            guard let effect = s["Effect"]?.string else { throw ValidationError("a policy statement has no \"Effect\"") }
            try checkMember(effect, ["Allow", "Deny"], what: "policy effect")
        }
    }

    /// Whether a (valid) policy makes its bucket public, as GetBucketPolicyStatus says: some
    /// statement allows without naming a principal, or names `*`, and has no condition.
    package static func policyIsPublic(_ text: String) -> Bool {
        guard let statements = (try? JSONReader.parse(text))?["Statement"]?.array else { return false }
        return statements.contains { s in
            guard s["Effect"]?.string == "Allow", s["Condition"] == nil else { return false }
            guard let principal = s["Principal"] else { return true }
            return principal.string == "*" || principal.array?.contains { $0.string == "*" } == true
        }
    }
}

extension BucketTags {
    public func validate() throws(ValidationError) { try Validation.checkBucketTags(tags) }
}

extension CORSConfiguration {
    public func validate() throws(ValidationError) {
        guard (1...10).contains(rules.count) else { throw ValidationError("CORS takes 1 to 10 rules, not \(rules.count)") }
        for r in rules {
            guard !r.allowedOrigins.isEmpty else { throw ValidationError("a CORS rule needs an allowed origin") }
            guard !r.allowedMethods.isEmpty else { throw ValidationError("a CORS rule needs an allowed method") }
            for m in r.allowedMethods { try Validation.checkMember(m, CORSConfiguration.methods, what: "CORS method") }
            for p in r.allowedOrigins + r.allowedHeaders where p.filter({ $0 == "*" }).count > 1 {
                throw ValidationError("CORS pattern \(Validation.quoted(p)) has more than one '*'")
            }
            if let age = r.maxAgeSeconds, age < 0 { throw ValidationError("CORS MaxAgeSeconds is negative") }
        }
    }
}

extension LifecycleConfiguration {
    static let transitionClasses = ["IA", "Archive", "ColdArchive", "DeepColdArchive"]

    public func validate() throws(ValidationError) {
        guard (1...1000).contains(rules.count) else {
            throw ValidationError("lifecycle takes 1 to 1000 rules, not \(rules.count)")
        }
        var ids = Set<String>()
        for r in rules {
            let name = r.id.map { "lifecycle rule \(Validation.quoted($0))" } ?? "a lifecycle rule"
            if let id = r.id {
                guard id.utf8.count <= 255 else { throw ValidationError("\(name): the ID is longer than 255 bytes") }
                guard ids.insert(id).inserted else { throw ValidationError("\(name) appears twice") }
            }
            try Validation.checkMember(r.status, ["Enabled", "Disabled"], what: "\(name): status")
            guard r.expiration != nil || r.expiredObjectDeleteMarker != nil || !r.transitions.isEmpty
                || r.abortMultipartUpload != nil
            else { throw ValidationError("\(name) has no action (Expiration, Transition or AbortMultipartUpload)") }
            if let e = r.expiration { try e.check(name + " Expiration", dateAllowed: true) }
            if let a = r.abortMultipartUpload { try a.check(name + " AbortMultipartUpload", dateAllowed: false) }
            for t in r.transitions {
                try t.when.check(name + " Transition", dateAllowed: false)
                try Validation.checkMember(t.storageClass, LifecycleConfiguration.transitionClasses, what: "\(name): storage class")
            }
            try Validation.checkTagSet(r.tags, limit: 10, maxKey: 128, maxValue: 256)
        }
    }
}

extension LifecycleConfiguration.When {
    /// Exactly one way to say when; days positive; dates at midnight UTC.
    func check(_ what: String, dateAllowed: Bool) throws(ValidationError) {
        guard count == 1, dateAllowed || date == nil else {
            throw ValidationError("\(what) needs exactly one of Days\(dateAllowed ? ", Date" : "") or CreatedBeforeDate")
        }
        if let days, days < 1 { throw ValidationError("\(what): Days must be positive, not \(days)") }
        for d in [createdBeforeDate, date].compactMap({ $0 }) {
            guard d.hasSuffix("T00:00:00.000Z"), UTCTime(iso8601: d) != nil else {
                throw ValidationError("\(what): \(Validation.quoted(d)) is not a midnight UTC date (2023-12-17T00:00:00.000Z)")
            }
        }
    }
}

extension RefererConfiguration {
    public func validate() throws(ValidationError) {
        for r in referers + (blacklist ?? []) where r.isEmpty { throw ValidationError("a referer is empty") }
    }
}

extension WebsiteConfiguration {
    public func validate() throws(ValidationError) {
        guard indexDocument != nil || errorDocument != nil || !routingRules.isEmpty else {
            throw ValidationError("a website configuration needs an index document, an error document or routing rules")
        }
        if let s = errorDocument?.httpStatus { try Validation.checkMember(String(s), ["200", "404"], what: "error document status") }
        var numbers = Set<Int>()
        for r in routingRules {
            guard r.ruleNumber >= 1, numbers.insert(r.ruleNumber).inserted else {
                throw ValidationError("routing rule number \(r.ruleNumber) is not positive or appears twice")
            }
            if let t = r.redirectType { try Validation.checkMember(t, ["Mirror", "External", "Internal", "AliCDN"], what: "redirect type") }
        }
    }
}

extension BucketLoggingStatus {
    public func validate() throws(ValidationError) {
        if let targetBucket { try Validation.checkBucketName(targetBucket) }
    }
}

extension UserDefinedLogFieldsConfiguration {
    public func validate() throws(ValidationError) {
        guard !headers.isEmpty || !parameters.isEmpty else { throw ValidationError("no log fields given") }
    }
}

extension ServerSideEncryptionRule {
    public func validate() throws(ValidationError) {
        try Validation.checkMember(sseAlgorithm, ServerSideEncryptionRule.algorithms, what: "SSE algorithm")
        guard sseAlgorithm == "KMS" || (kmsMasterKeyId == nil && kmsDataEncryption == nil) else {
            throw ValidationError("KMSMasterKeyID and KMSDataEncryption go with the KMS algorithm only")
        }
        if let d = kmsDataEncryption { try Validation.checkMember(d, ["SM4"], what: "KMS data encryption") }
    }
}
