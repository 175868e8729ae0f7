import OSSProtocol

extension MockOSS {
    /// Bucket versioning and object versions (issue 16, part 3).
    static let versioningHandlers: [OSSOperation: Handler] = [:]
}
