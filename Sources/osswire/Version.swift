import OSSTransport

/// `osswire --version`: the version, the commit it was built from (the BuildStamp plugin) and
/// the OpenSSL it runs with.
enum Version {
    static let number = "0.1.0"

    /// `osswire 0.1.0 (commit 0123456789ab, OpenSSL 3.0.17 1 Jul 2025)`
    static var text: String {
        "osswire \(number) (commit \(buildCommit), \(OpenSSLLibrary.version))"
    }
}
