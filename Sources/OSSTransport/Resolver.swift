import Glibc
internal import CLinuxShims
import OSSCore

/// Name resolution with `getaddrinfo` (IPv4 and IPv6) on the resolver's own bounded threads
/// (`ResolverThreads`), since it blocks.
///
/// IP literals never reach the resolver. A name with a trailing dot (an absolute name) is tried
/// as given first, then without the dot (glibc's hosts file lookup does not match "localhost.").
enum Resolver {
    /// Resolves `host` to the addresses to try in turn.
    /// - Parameter threads: where `getaddrinfo` runs (the shared threads unless a test brings its own).
    /// - Throws: `TransportError` with phase `.dns`, `.timeout` at the deadline, `.aborted` on
    ///   cancel; a cancel or the deadline returns at once even while `getaddrinfo` still runs.
    static func resolve(
        host: String, port: Int, deadline: ContinuousClock.Instant?, cancel: ConnectCancellation?,
        threads: ResolverThreads = .shared
    ) async throws -> [SocketAddress] {
        if let literal = SocketAddress(ipLiteral: host, port: port) { return [literal] }
        guard !host.isEmpty, !host.utf8.contains(0) else {
            throw TransportError(phase: .configuration, message: "invalid host name \"\(host)\"")
        }
        let lookup = Lookup()
        try cancel?.attach(lookup)
        defer { cancel?.detach(lookup) }
        return try await withCheckedThrowingContinuation { continuation in
            lookup.start(continuation)
            if let deadline {
                let timerID = Reactor.shared.makeID()
                lookup.setTimer(timerID)
                Reactor.shared.schedule(id: timerID, at: deadline) { [weak lookup] in
                    lookup?.finish(.failure(TransportError.timeout("resolving \"\(host)\" timed out")))
                }
            }
            threads.submit(
                ResolverThreads.Job(
                    isAbandoned: { lookup.isFinished },
                    run: { lookup.finish(Result { try blockingResolve(host: host, port: port) }) },
                    fail: { lookup.finish(.failure(TransportError(phase: .dns, $0))) }))
        }
    }

    /// getaddrinfo on the calling thread.
    static func blockingResolve(host: String, port: Int) throws(TransportError) -> [SocketAddress] {
        var result = gai(host, port)
        if case .failure = result, host.hasSuffix("."), host.count > 1 {
            result = gai(String(host.dropLast()), port)
        }
        return try result.get()
    }

    private static func gai(_ host: String, _ port: Int) -> Result<[SocketAddress], TransportError> {
        var res: UnsafeMutablePointer<addrinfo>?
        let rc = coss_getaddrinfo(host, Int32(port), &res)
        guard rc == 0 else {
            let savedErrno = errno
            var text = String(cString: gai_strerror(rc))
            if rc == EAI_SYSTEM { text += ": \(Syscall.text(savedErrno))" }
            return .failure(
                TransportError(
                    phase: .dns, errno: rc == EAI_SYSTEM ? savedErrno : nil,
                    message: "cannot resolve \"\(host)\": \(text)"))
        }
        defer { freeaddrinfo(res) }
        var addresses: [SocketAddress] = []
        var p = res
        while let ai = p {
            if let sa = ai.pointee.ai_addr, ai.pointee.ai_family == AF_INET || ai.pointee.ai_family == AF_INET6 {
                var storage = sockaddr_storage()
                let len = min(Int(ai.pointee.ai_addrlen), MemoryLayout<sockaddr_storage>.size)
                withUnsafeMutableBytes(of: &storage) { dst in
                    dst.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: len))
                }
                addresses.append(SocketAddress(storage: storage, length: socklen_t(len)))
            }
            p = ai.pointee.ai_next
        }
        if addresses.isEmpty {
            return .failure(TransportError(phase: .dns, message: "cannot resolve \"\(host)\": no IPv4 or IPv6 address"))
        }
        return .success(addresses)
    }

    /// One lookup's continuation, resumed exactly once by the thread, the deadline or a cancel.
    final class Lookup: Abortable {
        private struct State {
            var continuation: CheckedContinuation<[SocketAddress], any Error>?
            var done = false
            var timerID: UInt64?
            /// A result that came before `start` (a cancel racing the start).
            var early: Result<[SocketAddress], any Error>?
        }
        private let state = PThreadMutex(State())

        func start(_ c: CheckedContinuation<[SocketAddress], any Error>) {
            let early: Result<[SocketAddress], any Error>? = state.withLock { s in
                if let r = s.early { s.early = nil; return r }
                s.continuation = c
                return nil
            }
            if let early { c.resume(with: early) }
        }

        /// Whether the lookup has its answer (or was cancelled, or timed out).
        var isFinished: Bool { state.withLock { $0.done } }

        func setTimer(_ id: UInt64) {
            let done = state.withLock { s in
                s.timerID = id
                return s.done
            }
            if done { Reactor.shared.cancelTimer(id) }
        }

        func finish(_ result: Result<[SocketAddress], any Error>) {
            let taken: (CheckedContinuation<[SocketAddress], any Error>, UInt64?)? = state.withLock { s in
                guard !s.done else { return nil }
                guard let c = s.continuation else {
                    s.done = true
                    s.early = result
                    return nil
                }
                s.done = true
                s.continuation = nil
                return (c, s.timerID)
            }
            guard let (c, timer) = taken else { return }
            if let timer { Reactor.shared.cancelTimer(timer) }
            c.resume(with: result)
        }

        func abort(with error: TransportError) {
            finish(.failure(error))
        }
    }
}
