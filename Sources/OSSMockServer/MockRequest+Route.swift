import OSSProtocol

extension MockRequest {
    /// What the request addresses: the service, a bucket, or an object.
    public var level: OSSResourceLevel { bucket == nil ? .service : (key == nil ? .bucket : .object) }

    /// The OSS operation the request asks for, routed on OSSProtocol's table as OSS routes it.
    public var route: OSSOperation.Route {
        OSSOperation.route(method: method, level: level, query: query, header: { header($0) })
    }

    /// The operation the request names, or `nil`.
    public var operation: OSSOperation? {
        if case .operation(let op) = route { return op }
        return nil
    }
}
