import Foundation
import OSSCore
#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway nginx for integration tests: 127.0.0.1 on free ports, every path (config, pid
/// file, logs, temp files, document root) in a private temp directory, started as a child
/// process (`nginx -c CONF -g 'daemon off;'`, single process) and stopped by pid (SIGKILL).
///
/// Locations, the same on every listener:
/// - `/` serves files from `root` with `Content-Length`;
/// - `/chunked/` serves the same files with chunked transfer encoding (a no-op `sub_filter`
///   drops the length);
/// - `/dav/` accepts WebDAV `PUT` and `DELETE` into `root/dav/` (any body size).
public final class NginxServer: @unchecked Sendable {
    // @unchecked Sendable: the process handle is only touched by stop(), which is guarded by
    // `lock`; everything else is immutable after init.

    /// Port of the plain HTTP listener.
    public let port: Int
    /// Port of the TLS listener (TLS 1.2+, the given certificate), when one was asked for.
    public let tlsPort: Int?
    /// Port of a TLS 1.1-only listener, when one was asked for.
    public let tls11Port: Int?
    /// Port of a TLS 1.2-only listener (nginx's default ciphers, the client's order), when asked for.
    public let tls12Port: Int?
    /// The directory holding everything; removed on stop.
    public let directory: URL
    /// The document root (write fixture files here; PUTs land in `root/dav/`).
    public let root: URL
    /// The process id of nginx.
    public var pid: Int32 { process.processIdentifier }

    // Spawned and reaped by SpawnedProcess: its exit is seen by waitpid, however many
    // descriptors the test process has open (Foundation's Process watches with select(2)).
    private let process: SpawnedProcess
    private let lock = NSLock()
    private var stopped = false
    private var helper: SpawnedProcess?

    /// Whether nginx is installed.
    public static var binary: String? { Shell.which("nginx") }

    /// Writes the config, starts nginx and waits until every listener accepts.
    /// - Parameters:
    ///   - certificate: certificate and key for the TLS listener; none without it.
    ///   - tls11Only: a certificate for an extra listener that speaks only TLS 1.1.
    ///   - tls12Only: a certificate for an extra listener that speaks only TLS 1.2.
    public init(
        certificate: CertificateFactory.Pair? = nil, tls11Only: CertificateFactory.Pair? = nil,
        tls12Only: CertificateFactory.Pair? = nil
    ) throws {
        guard let nginx = Self.binary else {
            throw Shell.Failure(command: "nginx", status: 127, output: "nginx not found (apt install nginx-light)")
        }
        _ = Self.reapedOrphans
        directory = try Shell.makeTemporaryDirectory("osswire-nginx")
        root = directory.appendingPathComponent("root")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("dav"), withIntermediateDirectories: true)
        for sub in ["body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"] {
            try FileManager.default.createDirectory(
                at: directory.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        // Each port is held until nginx listens on it (it binds beside the holder: `reuseport`),
        // so no server of a test running beside this one can be given it meanwhile.
        let nginxTLS11 = tls11Only != nil && ProcessInfo.processInfo.environment["OSSWIRE_TLS11_S_SERVER"] == nil
        let reserved = try ReservedPort()
        let reservedTLS = certificate == nil ? nil : try ReservedPort()
        let reservedTLS11 = nginxTLS11 ? try ReservedPort() : nil
        let reservedTLS12 = tls12Only == nil ? nil : try ReservedPort()
        // Held until this initialiser returns: nginx is listening by then, or it failed.
        defer { withExtendedLifetime((reserved, reservedTLS, reservedTLS11, reservedTLS12)) {} }
        port = reserved.port
        tlsPort = reservedTLS?.port
        var tls11 = reservedTLS11?.port
        tls12Port = reservedTLS12?.port
        let d = directory.path
        let locations = """
                    root \(root.path);
                    location / { }
                    location /chunked/ {
                        alias \(root.path)/;
                        sub_filter_types *;
                        sub_filter 'osswire-never-matches' 'x';
                    }
                    location /dav/ {
                        dav_methods PUT DELETE;
                        create_full_put_path on;
                        dav_access user:rw group:r all:r;
                    }
            """
        var servers = """
                server {
                    listen 127.0.0.1:\(port) reuseport;
            \(locations)
                }
            """
        if let certificate, let tlsPort {
            servers += """

                    server {
                        listen 127.0.0.1:\(tlsPort) ssl reuseport;
                        ssl_certificate \(certificate.certificate);
                        ssl_certificate_key \(certificate.key);
                        ssl_protocols TLSv1.2 TLSv1.3;
                \(locations)
                    }
                """
        }
        if let tls12Only, let p = tls12Port {
            servers += """

                    server {
                        listen 127.0.0.1:\(p) ssl reuseport;
                        ssl_certificate \(tls12Only.certificate);
                        ssl_certificate_key \(tls12Only.key);
                        ssl_protocols TLSv1.2;
                \(locations)
                    }
                """
        }
        if let tls11Only, let p = tls11, nginxTLS11 {
            servers += """

                    server {
                        listen 127.0.0.1:\(p) ssl reuseport;
                        ssl_certificate \(tls11Only.certificate);
                        ssl_certificate_key \(tls11Only.key);
                        ssl_protocols TLSv1.1;
                        ssl_ciphers DEFAULT@SECLEVEL=0;
                \(locations)
                    }
                """
        }
        let user = getuid() == 0 ? "user root;\n" : ""
        let config = """
            \(user)worker_processes 1;
            master_process off;
            pid \(d)/nginx.pid;
            error_log \(d)/logs/error.log warn;
            events { worker_connections 256; }
            http {
                log_format osswire '$request_method $uri $status $request_length';
                access_log \(d)/logs/access.log osswire;
                default_type application/octet-stream;
                client_max_body_size 0;
                client_body_temp_path \(d)/body;
                proxy_temp_path \(d)/proxy;
                fastcgi_temp_path \(d)/fastcgi;
                uwsgi_temp_path \(d)/uwsgi;
                scgi_temp_path \(d)/scgi;
                keepalive_requests 100000;
            \(servers)
            }

            """
        let conf = directory.appendingPathComponent("nginx.conf")
        try config.write(to: conf, atomically: true, encoding: .utf8)

        process = try SpawnedProcess(
            nginx, ["-p", d, "-e", "\(d)/logs/error.log", "-c", conf.path, "-g", "daemon off;"],
            environment: ProcessInfo.processInfo.environment, output: .null, errors: .null)

        // The TLS 1.1-only server through openssl s_server when nginx is told not to do it.
        // It binds a port the kernel picks, and says which.
        if let tls11Only, !nginxTLS11, Shell.which("openssl") != nil {
            do {
                let (h, p) = try SServer.start([
                    "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", "-cert", tls11Only.certificate, "-key", tls11Only.key,
                    "-www",
                ])
                helper = h
                tls11 = p
            } catch {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                try? FileManager.default.removeItem(at: directory)
                throw error
            }
        }
        tls11Port = tls11

        // Up only when *this* nginx wrote its pid file (it does so after binding every listener)
        // and the ports accept. The ports alone would not say whose listener accepts, had
        // another server got one of them (the holders above are meant to rule that out).
        let ports = [port, tlsPort, tls11Port, tls12Port].compactMap { $0 }
        let deadline = Date().addingTimeInterval(15)
        let pidFile = "\(d)/nginx.pid"
        let ownPid = "\(process.processIdentifier)"
        func ours() -> Bool {
            process.isRunning
                && (try? String(contentsOfFile: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
                    == ownPid
        }
        while !(ours() && ports.allSatisfy({ FreePort.isAccepting($0) })) {
            if !process.isRunning || Date() > deadline {
                let log = (try? String(contentsOfFile: "\(d)/logs/error.log", encoding: .utf8)) ?? ""
                stop()
                throw Shell.Failure(
                    command: "nginx", status: process.isRunning ? -1 : process.terminationStatus,
                    output: "nginx did not start listening: \(log)")
            }
            usleep(20_000)
        }
    }

    /// The access log so far, one line per request nginx finished with (answered, or given
    /// up when the client went away): `METHOD URI STATUS REQUEST_LENGTH`.
    public var accessLog: [String] {
        ((try? String(contentsOfFile: directory.path + "/logs/access.log", encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }

    /// The error log so far (for failure messages).
    public var errorLog: String {
        (try? String(contentsOfFile: directory.path + "/logs/error.log", encoding: .utf8)) ?? ""
    }

    /// Stops nginx by its pid and removes the directory. Idempotent.
    ///
    /// SIGKILL: nothing nginx would do on SIGTERM is needed by a test once it stops, and it
    /// runs as one process, so nothing is orphaned.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        for p in [process, helper].compactMap({ $0 }) where p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit {
        stop()
    }

    /// The nginx servers of earlier test runs whose process died without stopping them (a crash
    /// runs no `stop()`, and the orphans keep their ports): killed by the pid in their pid file
    /// and their directories removed, once per process, before the first server starts. Only a
    /// directory whose owning test process (the pid in its name) is gone is touched, and only a
    /// process whose command line names that directory is killed.
    /// - Returns: how many orphans were killed.
    static let reapedOrphans: Int = reapOrphans()

    /// The sweep `reapedOrphans` runs once, over the temporary directory where every
    /// `NginxServer` makes its own (public for its test, which sweeps a directory of its own:
    /// its stand-in orphans are then out of reach of the sweep of a server starting beside it).
    public static func reapOrphans(in temporary: URL = FileManager.default.temporaryDirectory) -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: temporary.path) else { return 0 }
        var killed = 0
        for name in names where name.hasPrefix("osswire-nginx-") {
            let owner = name.dropFirst("osswire-nginx-".count).prefix { $0.isNumber }
            guard let ownerPid = Int32(owner), ownerPid != getpid(), kill(ownerPid, 0) != 0, errno == ESRCH else { continue }
            let dir = temporary.appendingPathComponent(name).path
            if let text = try? String(contentsOfFile: dir + "/nginx.pid", encoding: .utf8),
                let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                let command = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
                command.contains(dir)
            {
                kill(pid, SIGKILL)
                killed += 1
            }
            try? FileManager.default.removeItem(atPath: dir)
        }
        return killed
    }
}

extension NginxServer {
    /// Whether nginx is installed, for a suite's `.enabled(if:)`. When it is not, the suite is
    /// remembered and, once the run ends, one line on standard error says which suites were
    /// skipped and why (a plain `swift test` without nginx would otherwise skip them silently).
    public static func available(for suite: String) -> Bool {
        if binary != nil { return true }
        SkipNotice.record(suite, reason: "nginx is not installed (apt-get install nginx-light; .ci/run installs it)")
        return false
    }
}

/// Suites skipped because something they test against is missing, told in one line at exit.
public enum SkipNotice {
    private static let skipped = PThreadMutex<[String: [String]]>([:])

    /// Records `suite` as skipped for `reason`; the first record arranges the line at exit.
    public static func record(_ suite: String, reason: String) {
        let first = skipped.withLock { s -> Bool in
            let first = s.isEmpty
            if !(s[reason]?.contains(suite) ?? false) { s[reason, default: []].append(suite) }
            return first
        }
        if first {
            atexit {
                for line in SkipNotice.lines() { FileHandle.standardError.write(Data((line + "\n").utf8)) }
            }
        }
    }

    /// One line per reason: `osswire tests: skipped 3 suites ("A", "B", "C"): REASON`.
    public static func lines() -> [String] {
        skipped.withLock { $0 }.sorted { $0.key < $1.key }.map { reason, suites in
            line(suites: suites, reason: reason)
        }
    }

    public static func line(suites: [String], reason: String) -> String {
        let names = suites.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
        return "osswire tests: skipped \(suites.count) suite\(suites.count == 1 ? "" : "s") (\(names)): \(reason)"
    }
}
