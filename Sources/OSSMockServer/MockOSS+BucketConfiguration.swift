import OSSProtocol

extension MockOSS {
    /// Bucket reads and configuration: ACL, tags, CORS, lifecycle, referer, website, policy, logging, encryption (issue 16, part 4).
    static let bucketConfigurationHandlers: [OSSOperation: Handler] = [:]
}
