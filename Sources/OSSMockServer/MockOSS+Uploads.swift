import OSSProtocol

extension MockOSS {
    /// Upload ergonomics: callbacks (issue 16, part 1).
    static let uploadHandlers: [OSSOperation: Handler] = [:]
}
