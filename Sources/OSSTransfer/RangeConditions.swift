import OSSClient

/// What every ranged GET of a download carries (issue 16): the ETag it is pinned to and a
/// traffic limit.
public struct RangeConditions: Sendable, Hashable {
    /// `If-Match`: the ETag the download started with.
    public var ifMatch: String?
    /// `x-oss-traffic-limit`, bit/s.
    public var trafficLimit: Int?

    public init(ifMatch: String? = nil, trafficLimit: Int? = nil) {
        self.ifMatch = ifMatch
        self.trafficLimit = trafficLimit
    }
}

extension TransferOperations {
    /// Ignores the conditions: operations that cannot send them read as before.
    public func getObject(
        bucket: String, key: String, offset: Int64, length: Int64, conditions: RangeConditions, into sink: RangeSink
    ) async throws {
        try await getObject(bucket: bucket, key: key, offset: offset, length: length, into: sink)
    }
}

extension OSSClientOperations {
    /// A ranged GET with `If-Match` and the traffic limit.
    public func getObject(
        bucket: String, key: String, offset: Int64, length: Int64, conditions: RangeConditions, into sink: RangeSink
    ) async throws {
        guard length > 0 else { return }
        var options = GetObjectOptions(range: ByteRange(offset...(offset + length - 1)))
        options.ifMatch = conditions.ifMatch
        options.trafficLimit = conditions.trafficLimit
        try await sink.receive { file, at, count, progress in
            let r = try await client.getObject(
                bucket: bucket, key: key, options: options, into: file, at: at, limit: count,
                progress: { progress($0.bytesTransferred) }, retryPolicy: RetryPolicy.none)
            return (r.bytesWritten, r.crc64)
        }
    }
}
