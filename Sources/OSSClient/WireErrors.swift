import Glibc
import OSSCore

/// Maps failures from the layers below to `OSSClientError`.
enum WireErrors {
    /// A transport failure as a client error of the matching kind.
    static func map(_ e: TransportError, bodyFullySent: Bool?) -> OSSClientError {
        let kind: OSSClientError.Kind
        switch e.phase {
        case .dns: kind = .dns
        case .connect: kind = .connect
        case .tlsHandshake: kind = .tls
        case .timeout: kind = .timeout
        case .aborted: kind = .abortedInFlight
        case .configuration: kind = .invalidArgument
        default: kind = .network
        }
        return OSSClientError(kind, e.description, bodyFullySent: bodyFullySent, underlying: e)
    }
}
