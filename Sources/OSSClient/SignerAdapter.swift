import OSSCore
import OSSSigner

/// Signs requests with OSSSigner's `RequestSigner` (V1 or V4, credentials from the provider).
struct SignerAdapter: RequestSigning {
    let signer: RequestSigner

    init(configuration: OSSClientConfiguration) {
        let provider = configuration.credentialsProvider ?? EnvironmentCredentialsProvider()
        signer = RequestSigner(
            version: configuration.signatureVersion == .v1 ? .v1 : .v4, region: configuration.effectiveRegion,
            endpointHost: configuration.endpoint.host, additionalHeaders: configuration.additionalSignedHeaders,
            credentialsProvider: provider)
    }

    func sign(
        method: String, bucket: String?, key: String?, query: [(String, String?)],
        headers: inout [(name: String, value: String)], time: UTCTime
    ) async throws {
        // The request shares the caller's array (no copy); it is emptied once signed, so the
        // merge below changes the caller's array in place instead of copying it.
        var request = SigningRequest(
            method: method, bucket: bucket, key: key, query: query.isEmpty ? [] : query.map { (name: $0.0, value: $0.1) },
            headers: headers)
        let added: [(name: String, value: String)]
        do {
            added = try await signer.sign(request, at: time)
            request.headers = []
        } catch let e as SigningError {
            throw OSSClientError(SignerAdapter.kind(of: e), e.description, underlying: e)
        } catch let e as OSSClientError {
            throw e
        } catch {
            throw OSSClientError(.credentials, "the credentials provider failed: \(error)", underlying: error)
        }
        // The signer's headers replace any of the same names: one pass, then appended in order.
        // By index, lengths compared first: `removeAll` with a `contains` inside retained and
        // released the names it passed (13 fewer of each a PutObject, `perf probe` on
        // `swift_retain` and `swift_release`).
        var kept = 0
        fields: for i in headers.indices {
            let length = headers[i].name.utf8.count
            for a in added.indices where added[a].name.utf8.count == length && ASCIICase.equal(headers[i].name, added[a].name) {
                continue fields  // replaced
            }
            if kept != i { headers.swapAt(kept, i) }  // the kept keep their order
            kept += 1
        }
        headers.removeLast(headers.count - kept)
        for h in added { headers.append((h.name, h.value)) }
    }

    /// Presigns a request: the URL's query (sorted, encoded) and the headers the request must carry.
    func presign(
        method: String, bucket: String?, key: String?, query: [(String, String?)], headers: [(String, String)],
        expires: Int64, time: UTCTime
    ) async throws -> PresignedURL {
        let request = SigningRequest(
            method: method, bucket: bucket, key: key, query: query.map { (name: $0.0, value: $0.1) },
            headers: headers.map { (name: $0.0, value: $0.1) })
        do {
            return try await signer.presign(request, expires: expires, at: time)
        } catch let e as SigningError {
            throw OSSClientError(SignerAdapter.kind(of: e), e.description, underlying: e)
        } catch {
            throw OSSClientError(.credentials, "the credentials provider failed: \(error)", underlying: error)
        }
    }

    static func kind(of e: SigningError) -> OSSClientError.Kind {
        e.code == .missingCredentials ? .credentials : .invalidArgument
    }
}
