internal import COpenSSL

/// The OpenSSL the process runs with (the shared libssl and libcrypto loaded at start).
public enum OpenSSLLibrary {
    /// OpenSSL's own version text, for example `OpenSSL 3.0.17 1 Jul 2025`.
    public static var version: String {
        guard let text = OpenSSL_version(OPENSSL_VERSION) else { return "OpenSSL (version unknown)" }
        return String(cString: text)
    }
}
