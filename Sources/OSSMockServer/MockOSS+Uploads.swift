import OSSCore
internal import OSSHTTP
import OSSProtocol
internal import OSSTransport

extension MockOSS {
    /// Upload ergonomics: callbacks (issue 16, part 1). PutObject and CompleteMultipartUpload stay
    /// the core handlers; what this area adds runs around them (``checkUploadRequest(_:)`` before,
    /// ``answerCallback(_:_:_:)`` after), from `dispatch`.
    static let uploadHandlers: [OSSOperation: Handler] = [:]

    /// Checks what an upload request asks of this area before anything is stored, as OSS does:
    /// the server-side encryption headers (PutObject, InitiateMultipartUpload, CopyObject,
    /// AppendObject), and the callback (PutObject, CompleteMultipartUpload).
    /// - Returns: the callback to make once the object is stored, if any.
    func checkUploadRequest(_ x: MockExchange) throws(MockOSSError) -> UploadCallback? {
        guard let op = x.operation else { return nil }
        if op == .putObject || op == .initiateMultipartUpload || op == .copyObject || op == .appendObject {
            let sse = x.request.header(UploadHeaders.serverSideEncryptionHeader)
            let keyId = x.request.header(UploadHeaders.serverSideEncryptionKeyIdHeader)
            if let sse, !UploadRules.encryptions.contains(sse) {
                throw MockOSSError.invalidEncryptionAlgorithm
            }
            if keyId != nil, sse != "KMS" {
                throw MockOSSError.argument(
                    "x-oss-server-side-encryption-key-id is only allowed with KMS.",
                    name: UploadHeaders.serverSideEncryptionKeyIdHeader, value: keyId)
            }
        }
        guard op == .putObject || op == .completeMultipartUpload, let header = x.request.header(UploadCallback.header)
        else { return nil }
        do {
            return try UploadCallback(header: header, variablesHeader: x.request.header(UploadCallback.variablesHeader))
        } catch {
            throw MockOSSError.argument(
                "The callback configuration is not valid: \(error.message)", name: UploadCallback.header)
        }
    }

    /// OSS names the server-side encryption of what a write stored in its answer: InitiateMultipartUpload,
    /// UploadPart, UploadPartCopy and CompleteMultipartUpload give the upload's (PutObject's own
    /// answer carries the object's already).
    func addEncryptionHeaders(_ x: MockExchange, _ response: inout MockResponse) {
        guard response.status == 200, let op = x.operation, let bucket = x.request.bucket, let key = x.request.key else {
            return
        }
        var encryption: [(name: String, value: String)] = []
        switch op {
        case .initiateMultipartUpload:
            encryption = MockObjectHeaders(from: x.request).encryption
        case .uploadPart, .uploadPartCopy:
            let id = x.request.queryValue("uploadId") ?? ""
            encryption = (try? store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) in
                b.uploads[id]?.headers.encryption ?? []
            }) ?? []
        case .completeMultipartUpload:
            encryption = (try? lookup(bucket, key))?.headers.encryption ?? []
        default: return
        }
        for h in encryption where response.header(h.name) == nil { response.headers.append((h.name, h.value)) }
    }

    /// After the object is stored: POSTs the callback's body (its variables replaced) to its URLs
    /// in turn, and answers with the first one that answers 200 (its body and Content-Type, the
    /// upload's ETag and CRC64 kept); when none does, `203 CallbackFailed` (the object stays
    /// stored), as OSS does. Loopback `http://` URLs are what the mock can reach.
    func answerCallback(_ callback: UploadCallback, _ x: MockExchange, _ stored: MockResponse) async -> MockResponse {
        guard stored.status == 200, let bucket = x.request.bucket, let key = x.request.key,
            let object = try? lookup(bucket, key)
        else { return stored }
        let body = MockOSS.callbackBody(callback, bucket: bucket, object: object)
        var why = "Error status : 0."
        for url in callback.url.split(separator: ";").map({ $0.trimmingSpaces }) {
            switch await MockOSS.post(url, body: body, callback: callback, timeout: configuration.callbackTimeout) {
            case .answered(let status, let contentType, let answer) where status == 200:
                guard FlatJSON.isJSONDocument(answer) else {
                    why = "Response body is not valid json format."
                    continue
                }
                var r = MockResponse(status: 200, body: .bytes(answer))
                r.headers = stored.headers.filter {
                    let n = ASCIICase.lowercased($0.name)
                    return n != "content-type" && n != "content-length"
                }
                r.headers.append(("Content-Type", contentType ?? "application/json"))
                r.headers.append(("Content-Length", String(answer.count)))
                return r
            case .answered(let status, _, _):
                why = "Error status : \(status)."
            case .failed(let message):
                why = message
            }
        }
        var failed = errorResponse(MockOSSError.callbackFailed(why), x)
        failed.status = 203
        // The object is stored: its ETag and CRC64 are given all the same.
        failed.headers += stored.headers.filter {
            let n = ASCIICase.lowercased($0.name)
            return n == "etag" || n == OSSHeader.crc64 || n == OSSHeader.versionId
        }
        return failed
    }

    /// The callback body with OSS's system variables and the `${x:...}` variables replaced
    /// (an unknown one by nothing); in a JSON body the values are JSON-escaped, in a form body
    /// they go as they are.
    static func callbackBody(_ callback: UploadCallback, bucket: String, object: MockObject) -> [UInt8] {
        let json = callback.bodyType == UploadCallback.jsonBodyType
        func encoded(_ v: String) -> String { json ? JSONString.escaped(v) : v }
        var values: [String: String] = [
            "bucket": bucket, "object": object.key, "etag": object.etag.trimmingCharacters(quote: true),
            "size": String(object.size), "mimeType": object.headers.contentType,
        ]
        for (k, v) in callback.variables { values[k] = v }
        var out = ""
        var rest = Substring(callback.body)
        while let open = rest.firstRange(of: "${") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                out += rest[open.lowerBound...]
                rest = ""
                break
            }
            let name = String(rest[open.upperBound..<close])
            // An unknown variable becomes empty, as OSS does.
            out += encoded(values[name] ?? "")
            rest = rest[rest.index(after: close)...]
        }
        out += rest
        return Array(out.utf8)
    }

    enum CallbackAnswer {
        case answered(status: Int, contentType: String?, body: [UInt8])
        case failed(String)
    }

    /// One callback POST with the project's HTTP client; never longer than `timeout` (OSS: 5 seconds).
    static func post(_ url: String, body: [UInt8], callback: UploadCallback, timeout: Duration) async -> CallbackAnswer {
        var config = HTTPClientConfiguration()
        config.connectTimeout = timeout
        config.totalTimeout = timeout
        config.maxConnectionsPerHost = 1
        let client = HTTPClient(configuration: config, connector: SocketConnector())
        defer { client.closeIdleConnections() }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: callback.bodyType ?? UploadCallback.formBodyType)
        headers.add(name: "Connection", value: "close")
        if let host = callback.host { headers.add(name: "Host", value: host) }
        do {
            let request = try HTTPRequest(method: .post, url: url, headers: headers, body: .bytes(body))
            let response = try await client.execute(request)
            return .answered(
                status: response.head.status, contentType: response.head.headers["content-type"], body: response.body)
        } catch {
            return .failed("Error status : -1 (\(error)).")
        }
    }
}

extension MockOSS {
    /// `bytes=first-last` (or `bytes=first-`, to the end) of UploadPartCopy: one range, first <=
    /// last, wholly within the source (OSS refuses anything else with 400 InvalidArgument
    /// rather than copy the whole object).
    static func copyRange(_ spec: String, size: Int64) -> Range<Int64>? {
        let s = spec.trimmingSpaces
        guard s.hasPrefix("bytes=") else { return nil }
        let parts = s.dropFirst(6).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = Int64(parts[0].trimmingSpaces), a >= 0, a < size else { return nil }
        let last = parts[1].trimmingSpaces
        if last.isEmpty { return a..<size }
        guard let b = Int64(last), a <= b, b < size else { return nil }
        return a..<(b + 1)
    }
}

extension FlatJSON {
    /// Whether `bytes` look like a JSON document (an object or an array): what OSS wants a
    /// callback server to answer.
    static func isJSONDocument(_ bytes: [UInt8]) -> Bool {
        if parse(String(decoding: bytes, as: UTF8.self)) != nil { return true }
        let first = bytes.first { ![9, 10, 13, 32].contains($0) }
        let last = bytes.last { ![9, 10, 13, 32].contains($0) }
        return (first == UInt8(ascii: "{") && last == UInt8(ascii: "}"))
            || (first == UInt8(ascii: "[") && last == UInt8(ascii: "]"))
    }
}

extension MockOSSError {
    static let invalidEncryptionAlgorithm = MockOSSError(
        status: 400, code: "InvalidEncryptionAlgorithmError",
        message: "The Encryption request you specified is not valid. Supported value: AES256/KMS/SM4",
        ec: "0010-00000001")

    static func callbackFailed(_ message: String) -> MockOSSError {
        MockOSSError(status: 203, code: "CallbackFailed", message: message, ec: "0007-00000203")
    }
}
