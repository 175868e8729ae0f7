import OSSCore
import OSSProtocol

/// What a CORS preflight (OptionObject) allowed: the `Access-Control-*` headers OSS answered.
public struct CORSPreflight: Sendable, Hashable {
    public var allowOrigin: String?
    public var allowMethods: String?
    public var allowHeaders: String?
    public var exposeHeaders: String?
    public var maxAgeSeconds: Int?
    public var requestId: String
}

extension OSSClient {
    // MARK: Bucket reads

    /// The bucket's settings (GetBucketInfo).
    @concurrent public func getBucketInfo(_ bucket: String) async throws -> BucketInfo {
        try await read(.bucket(.getBucketInfo, bucket), as: BucketInfo.self) { $0.metrics = $1 }
    }

    /// The bucket's region id, `oss-cn-hangzhou` (GetBucketLocation).
    @concurrent public func getBucketLocation(_ bucket: String) async throws -> BucketLocation {
        try await read(.bucket(.getBucketLocation, bucket), as: BucketLocation.self) { $0.metrics = $1 }
    }

    /// The bucket's storage and object counts (GetBucketStat).
    @concurrent public func getBucketStat(_ bucket: String) async throws -> BucketStat {
        try await read(.bucket(.getBucketStat, bucket), as: BucketStat.self) { $0.metrics = $1 }
    }

    /// Whether the bucket exists, as Go v2's `IsBucketExist`: `false` on 404 NoSuchBucket, `true`
    /// when it answers, or answers 403 (it exists, but belongs to someone else or the
    /// credentials may not read it). Other failures throw.
    @concurrent public func bucketExists(_ bucket: String) async throws -> Bool {
        do {
            _ = try await perform(.bucket(.getBucketInfo, bucket))
            return true
        } catch let e as OSSServiceError where e.code == OSSErrorCode.noSuchBucket || e.statusCode == 403 {
            return e.statusCode == 403
        }
    }

    // MARK: Configurations

    /// Sets a configuration (PutBucketCors, PutBucketLifecycle, ... from the model's type), after
    /// checking it against OSS's rules (nothing is sent when it breaks one).
    @discardableResult
    @concurrent public func putBucketConfiguration<M: BucketConfigurationModel>(_ bucket: String, _ configuration: M) async throws
        -> OSSRequestMetrics
    {
        try checkInput { try configuration.validate() }
        return try await perform(.putBucketConfiguration(bucket: bucket, configuration)).metrics
    }

    /// Sets a configuration from its XML document, sent byte for byte once it reads as `M` and
    /// follows OSS's rules: elements `M` does not type (a website's mirroring options, ...) are
    /// kept, where a round trip through the model would drop them.
    /// - Throws: `.invalidArgument`, with nothing sent, for a document that is not a `M` or
    ///   breaks a rule.
    @discardableResult
    @concurrent public func putBucketConfiguration<M: BucketConfigurationModel>(_ bucket: String, document: [UInt8], as _: M.Type) async throws
        -> OSSRequestMetrics
    {
        let model: M
        do {
            model = try M.decode(document)
        } catch {
            throw OSSClientError(.invalidArgument, "not a <\(M.rootElement)> document: \(error)", underlying: error)
        }
        try checkInput { try model.validate() }
        return try await perform(.putBucketConfiguration(bucket: bucket, document: document, M.self)).metrics
    }

    /// Reads a configuration (GetBucketCors, ...). A bucket without it throws OSS's error
    /// (`NoSuchCORSConfiguration`, `NoSuchLifecycle`, ...), except tags, referer and logging,
    /// which OSS answers with an empty configuration.
    @concurrent public func getBucketConfiguration<M: BucketConfigurationModel>(_ bucket: String, _: M.Type = M.self) async throws -> M {
        try await read(.bucket(M.getOperation, bucket), as: M.self) { _, _ in }
    }

    /// Removes a configuration (DeleteBucketCors, ...); OSS answers 204 even when there was none.
    /// - Throws: `.invalidArgument` for the referer configuration, which OSS cannot delete (put
    ///   an empty one).
    @discardableResult
    @concurrent public func deleteBucketConfiguration<M: BucketConfigurationModel>(_ bucket: String, _: M.Type) async throws
        -> OSSRequestMetrics
    {
        guard let op = M.deleteOperation else {
            throw OSSClientError.invalidArgument("OSS has no Delete\(M.configurationName): put an empty configuration instead")
        }
        return try await perform(.bucket(op, bucket)).metrics
    }

    /// Sets the bucket policy (PutBucketPolicy) after checking it is JSON with `"Version": "1"`
    /// and a `Statement` list.
    @discardableResult
    @concurrent public func putBucketPolicy(_ bucket: String, policy: String) async throws -> OSSRequestMetrics {
        try checkInput { try Validation.checkBucketPolicy(policy) }
        return try await perform(.putBucketPolicy(bucket: bucket, policy: policy)).metrics
    }

    /// The bucket policy's JSON text (GetBucketPolicy); `NoSuchBucketPolicy` when there is none.
    @concurrent public func getBucketPolicy(_ bucket: String) async throws -> String {
        String(decoding: try await perform(.bucket(.getBucketPolicy, bucket)).body, as: UTF8.self)
    }

    @discardableResult
    @concurrent public func deleteBucketPolicy(_ bucket: String) async throws -> OSSRequestMetrics {
        try await perform(.bucket(.deleteBucketPolicy, bucket)).metrics
    }

    /// Whether the bucket policy makes the bucket public (GetBucketPolicyStatus).
    @concurrent public func getBucketPolicyStatus(_ bucket: String) async throws -> PolicyStatus {
        try await read(.bucket(.getBucketPolicyStatus, bucket), as: PolicyStatus.self) { _, _ in }
    }

    /// Asks what a browser's preflight would be allowed (OptionObject, bucket or object level).
    /// A request no CORS rule allows throws 403 `AccessForbidden`.
    @concurrent public func optionObject(
        bucket: String, key: String? = nil, origin: String, method: String, headers: [String] = []
    ) async throws -> CORSPreflight {
        let r = try await perform(.optionObject(bucket: bucket, key: key, origin: origin, method: method, headers: headers))
        let h = r.head
        return CORSPreflight(
            allowOrigin: h.header("access-control-allow-origin"), allowMethods: h.header("access-control-allow-methods"),
            allowHeaders: h.header("access-control-allow-headers"), exposeHeaders: h.header("access-control-expose-headers"),
            maxAgeSeconds: h.header("access-control-max-age").flatMap { Int($0) }, requestId: h.requestId)
    }

    /// Sends `op` and decodes its XML answer, handing the model and the call's metrics to `note`.
    private func read<M: XMLDecodableModel>(
        _ op: OSSOperationRequest, as: M.Type, _ note: (inout M, OSSRequestMetrics) -> Void
    ) async throws -> M {
        let r = try await perform(op)
        var model = try OSSClient.decode(M.self, r.body, operation: op.operation)
        note(&model, r.metrics)
        return model
    }
}

// Tags are a list, not a document: plain forms of the generic calls.
extension OSSClient {
    /// Replaces the bucket's tags (PutBucketTags): at most 20, keys 1 to 64 bytes, values up to 128.
    @discardableResult
    @concurrent public func putBucketTags(_ bucket: String, _ tags: [OSSTag]) async throws -> OSSRequestMetrics {
        try await putBucketConfiguration(bucket, BucketTags(tags))
    }

    /// The bucket's tags (GetBucketTags); none is an empty list.
    @concurrent public func getBucketTags(_ bucket: String) async throws -> [OSSTag] {
        try await getBucketConfiguration(bucket, BucketTags.self).tags
    }
}
