import OSSProtocol

extension MockOSS {
    /// Browser uploads: PostObject (issue 16, part 5).
    static let postObjectHandlers: [OSSOperation: Handler] = [:]
}
