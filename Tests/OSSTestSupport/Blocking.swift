import Foundation

/// Runs blocking work (child processes, file system, sleeps) on its own thread, so tests never
/// starve Swift's cooperative pool (two threads on a two-core machine) while sockets wait on it.
public enum Blocking {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try body() })
            }
            thread.start()
        }
    }
}

extension CertificateFactory {
    /// Makes the certificates off the cooperative pool.
    public static func make() async throws -> CertificateFactory {
        try await Blocking.run { try CertificateFactory() }
    }

    /// One set of certificates shared by every test of the process (made once, on first use).
    public static func shared() async throws -> CertificateFactory {
        try await sharedTask.value
    }

    private static let sharedTask = Task {
        let factory = try await make()
        // A static is never deinitialised: remove this process's shared certificates at exit.
        atexit {
            let prefix = "osswire-certs-\(ProcessInfo.processInfo.processIdentifier)-"
            let tmp = FileManager.default.temporaryDirectory
            for name in (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? []
            where name.hasPrefix(prefix) {
                try? FileManager.default.removeItem(at: tmp.appendingPathComponent(name))
            }
        }
        return factory
    }
}

extension NginxServer {
    /// Starts nginx off the cooperative pool (see `init`).
    public static func start(
        certificate: CertificateFactory.Pair? = nil, tls11Only: CertificateFactory.Pair? = nil,
        tls12Only: CertificateFactory.Pair? = nil
    ) async throws -> NginxServer {
        // A port picked by FreePort may be taken before nginx binds it (tests run in parallel):
        // nginx then exits with "Address already in use"; try again with fresh ports.
        try await Blocking.run {
            var attempt = 0
            while true {
                attempt += 1
                do {
                    return try NginxServer(certificate: certificate, tls11Only: tls11Only, tls12Only: tls12Only)
                } catch let failure as Shell.Failure where attempt < 5 && failure.output.contains("in use") {
                    continue
                }
            }
        }
    }
}
