import OSSCore

import Glibc

/// A source of credentials, asked before each request is signed.
public protocol CredentialsProvider: Sendable {
    /// The credentials to sign the next request with.
    /// - Throws: `SigningError` (`.missingCredentials`) when none are available, or the error of
    ///   the underlying source.
    func credentials() async throws -> OSSCredentials
}

/// Fixed credentials.
public struct StaticCredentialsProvider: CredentialsProvider {
    private let value: OSSCredentials

    public init(_ credentials: OSSCredentials) { value = credentials }

    public init(accessKeyId: String, accessKeySecret: String, securityToken: String? = nil) {
        value = OSSCredentials(accessKeyId: accessKeyId, accessKeySecret: accessKeySecret, securityToken: securityToken)
    }

    public func credentials() async throws -> OSSCredentials {
        guard value.hasKeys else {
            throw SigningError(code: .missingCredentials, message: "the access key id or secret is empty")
        }
        return value
    }
}

/// Credentials from `OSS_ACCESS_KEY_ID`, `OSS_ACCESS_KEY_SECRET` and `OSS_SESSION_TOKEN`, read
/// on each call (so a rotated environment is seen).
public struct EnvironmentCredentialsProvider: CredentialsProvider {
    private let lookup: @Sendable (String) -> String?

    /// Reads the process environment.
    public init() {
        lookup = { name in
            guard let p = getenv(name) else { return nil }
            return String(cString: p)
        }
    }

    /// Reads from a dictionary (for tests and for callers that parsed the environment already).
    public init(environment: [String: String]) {
        lookup = { environment[$0] }
    }

    /// The credentials now in the environment, or `nil` when a key is missing or empty.
    public func current() -> OSSCredentials? {
        guard let id = lookup("OSS_ACCESS_KEY_ID"), !id.isEmpty,
            let secret = lookup("OSS_ACCESS_KEY_SECRET"), !secret.isEmpty
        else { return nil }
        let token = lookup("OSS_SESSION_TOKEN").flatMap { $0.isEmpty ? nil : $0 }
        return OSSCredentials(accessKeyId: id, accessKeySecret: secret, securityToken: token)
    }

    public func credentials() async throws -> OSSCredentials {
        guard let c = current() else {
            throw SigningError(
                code: .missingCredentials,
                message: "set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET (and OSS_SESSION_TOKEN for STS)")
        }
        return c
    }
}

/// Credentials fetched by a closure (an STS call, a metadata service, a file) and cached until
/// shortly before they expire.
///
/// Many tasks may ask at once: only one fetch runs, the others wait for its result. A failed
/// fetch is not cached; the next call tries again.
public actor RefreshingCredentialsProvider: CredentialsProvider {
    public typealias Fetch = @Sendable () async throws -> OSSCredentials

    private let fetch: Fetch
    private let refreshBefore: Int64
    private let clock: @Sendable () -> UTCTime
    private var cached: OSSCredentials?
    private var inFlight: Task<OSSCredentials, any Error>?

    /// - Parameters:
    ///   - refreshBefore: seconds before `expiration` at which to fetch anew (default 300).
    ///   - clock: the time source (for tests).
    ///   - fetch: returns fresh credentials; those without `expiration` are kept for good.
    public init(
        refreshBefore: Int64 = 300, clock: @escaping @Sendable () -> UTCTime = { UTCTime.now() },
        fetch: @escaping Fetch
    ) {
        self.fetch = fetch
        self.refreshBefore = refreshBefore
        self.clock = clock
    }

    /// Forgets the cached credentials (after the server rejected them), so the next call fetches.
    public func invalidate() {
        cached = nil
    }

    public func credentials() async throws -> OSSCredentials {
        if let cached, !isStale(cached) { return cached }
        if let inFlight { return try await inFlight.value }
        let task = Task { [fetch] in
            let fresh = try await fetch()
            guard fresh.hasKeys else {
                throw SigningError(code: .missingCredentials, message: "the credentials fetch returned an empty key")
            }
            return fresh
        }
        inFlight = task
        defer { inFlight = nil }
        let fresh = try await task.value
        cached = fresh
        return fresh
    }

    private func isStale(_ c: OSSCredentials) -> Bool {
        guard let expiration = c.expiration else { return false }
        return clock().adding(seconds: refreshBefore) >= expiration
    }
}
