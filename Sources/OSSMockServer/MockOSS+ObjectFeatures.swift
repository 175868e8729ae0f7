import OSSProtocol

extension MockOSS {
    /// Object tagging, ACL, symlinks, storage classes and restore (issue 16, part 2).
    static let objectHandlers: [OSSOperation: Handler] = [:]
}
