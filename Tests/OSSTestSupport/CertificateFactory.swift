import Foundation

/// Throwaway certificates made with the `openssl` command in a temporary directory: a test CA,
/// server certificates signed by it (right host, wrong host, expired) and a self-signed one.
///
/// Keys are P-256 (fast to make). Every server certificate except `wrongHost` names
/// `localhost` and `127.0.0.1` (DNS and IP subjectAltName).
public final class CertificateFactory: @unchecked Sendable {
    // @unchecked Sendable: all stored properties are immutable after init.

    /// A certificate and its private key, as PEM file paths.
    public struct Pair: Sendable {
        public let certificate: String
        public let key: String
    }

    public let directory: URL
    /// The CA's certificate (what a client passes as caFile).
    public let caFile: String
    /// Signed by the CA for localhost / 127.0.0.1.
    public let server: Pair
    /// Signed by the CA for `wrong.example` only.
    public let wrongHost: Pair
    /// Signed by the CA for localhost, expired yesterday.
    public let expired: Pair
    /// Self-signed for localhost / 127.0.0.1.
    public let selfSigned: Pair

    private let openssl: String

    public init() throws {
        guard let openssl = Shell.which("openssl") else {
            throw Shell.Failure(command: "openssl", status: 127, output: "openssl not found")
        }
        self.openssl = openssl
        directory = try Shell.makeTemporaryDirectory("osswire-certs")
        let dir = directory.path
        let caFile = dir + "/ca.pem"
        self.caFile = caFile
        let caKey = dir + "/ca.key"
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try Shell.run(
            openssl,
            ["req", "-x509"] + ec + [
                "-keyout", caKey, "-out", caFile, "-days", "2", "-subj", "/CN=OSSWire Test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ])
        func signed(_ name: String, cn: String, san: String, days: Int) throws -> Pair {
            let key = "\(dir)/\(name).key", csr = "\(dir)/\(name).csr", cert = "\(dir)/\(name).pem"
            let ext = "\(dir)/\(name).ext"
            try "subjectAltName=\(san)\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
                .write(toFile: ext, atomically: true, encoding: .utf8)
            try Shell.run(openssl, ["req", "-new"] + ec + ["-keyout", key, "-out", csr, "-subj", "/CN=\(cn)"])
            try Shell.run(
                openssl,
                [
                    "x509", "-req", "-in", csr, "-CA", caFile, "-CAkey", caKey, "-CAcreateserial",
                    "-out", cert, "-days", String(days), "-extfile", ext,
                ])
            return Pair(certificate: cert, key: key)
        }
        let local = "DNS:localhost,IP:127.0.0.1,IP:::1"
        server = try signed("server", cn: "localhost", san: local, days: 2)
        wrongHost = try signed("wrong-host", cn: "wrong.example", san: "DNS:wrong.example", days: 2)
        expired = try signed("expired", cn: "localhost", san: local, days: -1)
        let ssKey = dir + "/self-signed.key", ssCert = dir + "/self-signed.pem"
        try Shell.run(
            openssl,
            ["req", "-x509"] + ec + [
                "-keyout", ssKey, "-out", ssCert, "-days", "2", "-subj", "/CN=localhost", "-addext",
                "subjectAltName=\(local)",
            ])
        selfSigned = Pair(certificate: ssCert, key: ssKey)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }
}
