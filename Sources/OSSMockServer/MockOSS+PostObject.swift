import OSSCore
internal import OSSCrypto
import OSSProtocol
internal import OSSSigner
internal import OSSXML

extension MockOSS {
    /// Browser uploads: PostObject (issue 16, part 5).
    static let postObjectHandlers: [OSSOperation: Handler] = [
        .postObject: { try await $0.postObject($1) }
    ]

    /// The largest PostObject body the mock takes: it reads the form into memory to parse it
    /// (OSS takes up to 5 GiB; the mock answers `EntityTooLarge` above this).
    public static let postObjectBodyLimit = 64 << 20

    /// How long before the server's clock a V4 form's `x-oss-date` may be (OSS: 15 minutes), and
    /// how long after it the form stays usable at most (OSS: 7 days; the policy's expiration
    /// usually ends it first).
    static let postDateAhead: Int64 = 15 * 60
    static let postDateLifetime: Int64 = 7 * 86_400

    /// PostObject: a `multipart/form-data` upload signed by its policy (V4 `x-oss-signature`,
    /// or V1 `OSSAccessKeyId` + `Signature`), as OSS checks it: the form (boundary, parts, a
    /// `key` field and a `file` part, which must be last: fields after it are ignored), the
    /// signature over the base64 policy, the policy (JSON, expiration, every condition), then
    /// the object is stored with the form's Content-Type (else the file part's), standard
    /// headers and `x-oss-meta-*`. Answers `success_action_redirect` (303), or
    /// `success_action_status` 200, 201 (PostResponse XML) or 204 (the default).
    ///
    /// The request itself carries no `Authorization` header: `MockOSS.handle` leaves its
    /// signature to this handler.
    func postObject(_ x: MockExchange) async throws -> MockResponse {
        let bucket = try requireBucket(x)
        guard let type = x.request.header("content-type"), let boundary = MockOSS.formBoundary(type) else {
            try await x.discardBody()
            throw MockOSSError.malformedPOST("the request's Content-Type is not multipart/form-data with a boundary")
        }
        if let n = x.body.expectedLength, n > Int64(MockOSS.postObjectBodyLimit) {
            throw MockOSSError.entityTooLarge.with("MaxSizeAllowed", String(MockOSS.postObjectBodyLimit))
        }
        let body = try await receivePostBody(x)
        let form = try MockPostForm(body: body, boundary: boundary)
        guard let rawKey = form.value("key") else {
            throw MockOSSError.argument(
                "Bucket POST must contain a field named 'key'. If it is specified, please check the order of the fields.")
        }
        guard let file = form.file else {
            throw MockOSSError.argument(
                "Bucket POST must contain a field named 'file', and it must be the last field of the form.", name: "file")
        }

        let signed = try verifyPostSignature(form, now: x.now)
        var policy: PostPolicy? = nil
        if let text = form.value("policy") {
            guard let json = Base64.decode(text) else { throw MockOSSError.invalidPostPolicy("the policy is not base64") }
            do { policy = try PostPolicy(json: json) } catch { throw MockOSSError.invalidPostPolicy(error.message) }
        } else if signed != nil {
            throw MockOSSError.argument("The policy form field is required when the form is signed.", name: "policy")
                .withPostEC("0002-00000702")
        }
        if let policy {
            guard policy.expiration > x.now else {
                throw MockOSSError.postPolicyFailed("Policy expired.").withPostEC("0002-00000706")
            }
            if signed == .v4 {
                for required in ["x-oss-signature-version", "x-oss-credential", "x-oss-date"]
                where !policy.conditions.contains(where: { $0.field == required }) {
                    throw MockOSSError.invalidPostPolicy("a V4 policy must hold the \(required) condition")
                }
            }
            for c in policy.conditions {
                if case .contentLengthRange(let lo, let hi) = c {
                    if Int64(file.content.count) > hi {
                        throw MockOSSError.postEntityTooLarge.with("MaxSizeAllowed", String(hi))
                    }
                    if Int64(file.content.count) < lo {
                        throw MockOSSError.postEntityTooSmall.with("MinSizeAllowed", String(lo))
                    }
                    continue
                }
                let field = c.field ?? ""
                let value: String
                switch field {
                case "bucket": value = bucket
                case "content-type": value = form.value("content-type") ?? file.contentType ?? ""
                default: value = form.value(field) ?? ""
                }
                guard c.allows(value) else { throw MockOSSError.postPolicyFailed("Policy Condition failed: \(c.json)") }
            }
        }

        var key = rawKey
        if key.contains("${filename}") {
            key = key.replacing("${filename}", with: file.filename ?? "")
        }
        try MockOSS.checkObjectName(key)
        var headers = MockObjectHeaders()
        if let ct = form.value("content-type") ?? file.contentType, !ct.isEmpty { headers.contentType = ct }
        headers.standard = MockObjectHeaders.standardNames.compactMap { n in form.value(n).map { (n, $0) } }
        headers.metadata = form.fields.compactMap { f in
            f.name.hasPrefix(OSSHeader.metadataPrefix) ? (f.name, f.value) : nil
        }
        var storageClass = try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) in b.storageClass }
        if let c = form.value(OSSHeader.storageClass) {
            guard MockOSS.storageClasses.contains(c) else {
                throw MockOSSError.argument("Invalid storage class.", name: OSSHeader.storageClass, value: c)
            }
            storageClass = c
        }
        let status = form.value("success_action_status")
        let redirect = form.value("success_action_redirect").flatMap { $0.isEmpty ? nil : $0 }

        let writer = MockBlobWriter(
            directory: configuration.dataDirectory, spillThreshold: configuration.spillThreshold,
            discard: configuration.discardBodies, md5: true)
        try file.content.withUnsafeBytes { try writer.write($0) }
        let (blob, digest) = writer.finish()
        let object = MockObject(
            key: key, data: MockData(slices: [MockSlice(blob)]), size: digest.size, etag: MockOSS.etag(md5: digest.md5),
            crc64: digest.crc64, contentMD5: Base64.encode(digest.md5), lastModified: x.now, type: "Normal",
            headers: headers, storageClass: storageClass)
        let forbidOverwrite = form.value(OSSHeader.forbidOverwrite)?.lowercased() == "true"
        let versionId = try store.withBucket(bucket) { (b: inout MockBucket) throws(MockOSSError) -> String? in
            if forbidOverwrite, b.objects[key] != nil { throw MockOSSError.fileAlreadyExists }
            return b.storeCurrent(object)
        }

        var head: [(name: String, value: String)] = [
            ("ETag", object.etag), (OSSHeader.crc64, String(object.crc64)), ("Content-MD5", object.contentMD5!),
        ]
        if let versionId { head.append((OSSHeader.versionId, versionId)) }
        if let redirect {
            let sep = redirect.contains("?") ? "&" : "?"
            let location = redirect + sep + "bucket=" + PercentEncoding.encode(bucket) + "&key="
                + PercentEncoding.encode(key) + "&etag=" + PercentEncoding.encode(object.etag)
            head.append(("Location", location))
            return MockResponse(status: 303, headers: head)
        }
        // The object's URL, as OSS gives it: on the host the form was posted to.
        let host = x.request.header("host") ?? "\(configuration.host):\(configuration.port)"
        let location = "http://\(host)\(x.request.virtualHosted ? "" : "/\(bucket)")/"
            + PercentEncoding.encode(key, allowed: .unreservedAndSlash)
        head.append(("Location", location))
        switch status {
        case "200":
            return MockResponse(status: 200, headers: head)
        case "201":
            var r = MockResponse.xml(201) { w in
                w.open("PostResponse")
                w.element("Bucket", bucket)
                w.element("ETag", object.etag)
                w.element("Key", key)
                w.element("Location", location)
                w.close("PostResponse")
            }
            r.headers = head + r.headers
            return r
        default:
            return MockResponse(status: 204, headers: head)
        }
    }

    /// Reads a PostObject body into memory, refusing it (`EntityTooLarge`) as soon as it passes
    /// `postObjectBodyLimit`, announced or chunked.
    private func receivePostBody(_ x: MockExchange) async throws -> [UInt8] {
        var out: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        do {
            while true {
                let n = try await x.body.read(into: buffer)
                if n == 0 { break }
                x.bytesReceived += Int64(n)
                guard out.count + n <= MockOSS.postObjectBodyLimit else {
                    throw MockOSSError.entityTooLarge.with("MaxSizeAllowed", String(MockOSS.postObjectBodyLimit))
                }
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            }
        } catch let e as MockBodyError {
            x.clientGone = true
            throw e
        }
        x.bodyCompleted = true
        return out
    }

    enum PostSignature { case v1, v4 }

    /// Verifies the form's signature (V4 `x-oss-signature`, V1 `Signature`).
    /// - Returns: the version that signed it, `nil` for an unsigned form the mock accepts
    ///   (`allowAnonymous`).
    func verifyPostSignature(_ form: MockPostForm, now: UTCTime) throws(MockOSSError) -> PostSignature? {
        let policy = form.value("policy") ?? ""
        if let version = form.value("x-oss-signature-version") {
            guard version == SignerV4.algorithm else {
                throw MockOSSError.argument("Invalid signature version.", name: "x-oss-signature-version", value: version)
            }
            guard let credential = form.value("x-oss-credential"), let date = form.value("x-oss-date") else {
                throw MockOSSError.argument("A V4 form needs the x-oss-credential and x-oss-date fields.")
            }
            guard let signature = form.value("x-oss-signature"), !signature.isEmpty else {
                throw MockOSSError.argument("The x-oss-signature form field is missing.", name: "x-oss-signature")
                    .withPostEC("0002-00000703")
            }
            let scope = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard scope.count == 5, scope[4] == "aliyun_v4_request" else {
                throw MockOSSError.argument("Invalid credential in post request.", name: "x-oss-credential", value: credential)
            }
            guard let secret = configuration.credentials.first(where: { $0.accessKeyId == scope[0] }) else {
                throw MockOSSError.invalidAccessKeyId.with("OSSAccessKeyId", scope[0])
            }
            guard scope[2] == configuration.region else { throw MockOSSError.invalidCredentialRegion }
            guard scope[3] == "oss" else { throw MockOSSError.invalidSigningProduct }
            guard let when = UTCTime(iso8601Basic: date) else {
                throw MockOSSError.argument("Invalid x-oss-date.", name: "x-oss-date", value: date)
            }
            if when.seconds > now.seconds + MockOSS.postDateAhead {
                throw MockOSSError.requestTimeTooSkewed.with("RequestTime", date).with("ServerTime", now.rfc1123)
            }
            if now.seconds > when.seconds + MockOSS.postDateLifetime {
                throw MockOSSError.expired.with("ServerTime", now.iso8601)
            }
            let expected = PostObjectSigner.signature(
                policyBase64: policy, secret: secret.accessKeySecret, date: scope[1], region: scope[2], product: scope[3])
            // The scope's day must be x-oss-date's: the key is derived from it.
            guard scope[1] == when.yyyymmdd, constantTimeEquals(Array(expected.utf8), Array(signature.utf8)) else {
                throw MockOSSError.signatureDoesNotMatch.with("OSSAccessKeyId", scope[0])
            }
            try checkPostToken(form, secret)
            return .v4
        }
        if let id = form.value("ossaccesskeyid") {
            guard let signature = form.value("signature"), !signature.isEmpty else {
                throw MockOSSError.argument("The Signature form field is missing.", name: "Signature").withPostEC("0002-00000703")
            }
            guard let secret = configuration.credentials.first(where: { $0.accessKeyId == id }) else {
                throw MockOSSError.invalidAccessKeyId.with("OSSAccessKeyId", id)
            }
            let expected = PostObjectSigner.signatureV1(policyBase64: policy, secret: secret.accessKeySecret)
            guard constantTimeEquals(Array(expected.utf8), Array(signature.utf8)) else {
                throw MockOSSError.signatureDoesNotMatch.with("OSSAccessKeyId", id)
            }
            try checkPostToken(form, secret)
            return .v1
        }
        if form.value("x-oss-signature") != nil || form.value("signature") != nil {
            throw MockOSSError.argument("The form carries a signature but no x-oss-credential or OSSAccessKeyId.")
        }
        if configuration.allowAnonymous { return nil }
        throw MockOSSError.anonymousDenied
    }

    private func checkPostToken(_ form: MockPostForm, _ credential: MockCredential) throws(MockOSSError) {
        guard let token = credential.securityToken else { return }
        guard let sent = form.value(OSSHeader.securityToken), constantTimeEquals(Array(sent.utf8), Array(token.utf8)) else {
            throw MockOSSError.invalidSecurityToken
        }
    }

    /// The boundary of a `multipart/form-data` Content-Type, or `nil`.
    static func formBoundary(_ contentType: String) -> String? {
        let params = MockPostForm.parameters(contentType)
        guard let first = params.first, first.name.lowercased() == "multipart/form-data", first.value == nil else { return nil }
        guard let b = params.dropFirst().first(where: { $0.name.lowercased() == "boundary" })?.value,
            (1...200).contains(b.utf8.count)
        else { return nil }
        return b
    }
}

/// A parsed `multipart/form-data` PostObject body: the fields up to the `file` part, and it.
struct MockPostForm {
    struct File {
        var filename: String?
        var contentType: String?
        var content: ArraySlice<UInt8>
    }

    /// The fields before the file part, names lower-cased (OSS compares them so).
    var fields: [(name: String, value: String)] = []
    var file: File?

    /// The last value of a field (name lower-case), or `nil`.
    func value(_ lowerName: String) -> String? { fields.last { $0.name == lowerName }?.value }

    /// Parses the body (RFC 7578): `--boundary CRLF headers CRLF CRLF content CRLF --boundary`
    /// ... `--boundary--`.
    /// - Throws: `MalformedPOSTRequest` for a body that is not such a form.
    init(body: [UInt8], boundary: String) throws(MockOSSError) {
        let dash = Array(("--" + boundary).utf8)
        let delimiter = Array(("\r\n--" + boundary).utf8)
        guard var at = MockPostForm.find(dash, in: body, from: 0) else {
            throw MockOSSError.malformedPOST("the body has no boundary line")
        }
        // A preamble before the first boundary is allowed; it must end with CRLF when present.
        if at > 0, !(at >= 2 && body[at - 2] == 0x0D && body[at - 1] == 0x0A) {
            throw MockOSSError.malformedPOST("the first boundary does not start a line")
        }
        at += dash.count
        while true {
            // After a boundary: `--` ends the form, CRLF starts a part.
            if at + 2 <= body.count, body[at] == UInt8(ascii: "-"), body[at + 1] == UInt8(ascii: "-") { return }
            guard at + 2 <= body.count, body[at] == 0x0D, body[at + 1] == 0x0A else {
                throw MockOSSError.malformedPOST("a boundary is not followed by CRLF or --")
            }
            at += 2
            guard let headEnd = MockPostForm.find(Array("\r\n\r\n".utf8), in: body, from: at - 2) else {
                throw MockOSSError.malformedPOST("a part's headers do not end")
            }
            let headText = String(decoding: body[at..<max(at, headEnd)], as: UTF8.self)
            let contentStart = headEnd + 4
            guard let end = MockPostForm.find(delimiter, in: body, from: contentStart) else {
                throw MockOSSError.malformedPOST("a part does not end with the boundary")
            }
            var disposition: [(name: String, value: String?)]? = nil
            var partType: String? = nil
            for line in headText.split(separator: "\r\n", omittingEmptySubsequences: true) {
                guard let colon = line.firstIndex(of: ":") else { throw MockOSSError.malformedPOST("a part header has no ':'") }
                let name = line[..<colon].lowercased()
                let value = String(line[line.index(after: colon)...]).trimmingSpaces
                if name == "content-disposition" { disposition = MockPostForm.parameters(value) }
                if name == "content-type" { partType = value }
            }
            guard let d = disposition, d.first?.name.lowercased() == "form-data",
                let fieldName = d.dropFirst().first(where: { $0.name.lowercased() == "name" })?.value, !fieldName.isEmpty
            else {
                throw MockOSSError.malformedPOST("a part has no Content-Disposition: form-data; name=...")
            }
            let lower = fieldName.lowercased()
            let content = body[contentStart..<end]
            if lower == "file" {
                let filename = d.dropFirst().first(where: { $0.name.lowercased() == "filename" })?.value
                file = File(filename: filename, contentType: partType, content: content)
                // OSS reads no field after the file: the rest of the body is not looked at.
                return
            }
            fields.append((lower, String(decoding: content, as: UTF8.self)))
            at = end + delimiter.count
        }
    }

    /// The first index of `needle` in `hay` at or after `from`.
    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, hay.count >= needle.count, from <= hay.count - needle.count else { return nil }
        let first = needle[0]
        var i = from
        let last = hay.count - needle.count
        while i <= last {
            if hay[i] == first {
                var j = 1
                while j < needle.count, hay[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    /// `value; a=1; b="x; y"` as `[(value, nil), (a, 1), (b, x; y)]` (quoted strings unescaped).
    static func parameters(_ text: String) -> [(name: String, value: String?)] {
        var out: [(name: String, value: String?)] = []
        var current = ""
        var inQuotes = false
        var escaped = false
        var pieces: [String] = []
        for ch in text {
            if escaped {
                current.append(ch)
                escaped = false
            } else if inQuotes && ch == "\\" {
                current.append(ch)
                escaped = true
            } else if ch == "\"" {
                current.append(ch)
                inQuotes.toggle()
            } else if ch == ";" && !inQuotes {
                pieces.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        pieces.append(current)
        for (i, piece) in pieces.enumerated() {
            let p = piece.trimmingSpaces
            if i == 0 {
                out.append((p, nil))
                continue
            }
            guard let eq = p.firstIndex(of: "=") else {
                if !p.isEmpty { out.append((p, nil)) }
                continue
            }
            let name = String(p[..<eq]).trimmingSpaces
            var value = String(p[p.index(after: eq)...]).trimmingSpaces
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                var unquoted = ""
                var esc = false
                for ch in value.dropFirst().dropLast() {
                    if esc {
                        unquoted.append(ch)
                        esc = false
                    } else if ch == "\\" {
                        esc = true
                    } else {
                        unquoted.append(ch)
                    }
                }
                value = unquoted
            }
            out.append((name, value))
        }
        return out
    }
}

extension MockOSSError {
    /// A PostObject body that is not a well-formed form (EC: the mock's own).
    static func malformedPOST(_ detail: String) -> MockOSSError {
        MockOSSError(
            status: 400, code: "MalformedPOSTRequest",
            message: "The body of your POST request is not well-formed multipart/form-data: \(detail).", ec: "0006-00000001")
    }

    /// A policy that is not base64 JSON of OSS's form (EC: the mock's own).
    static func invalidPostPolicy(_ detail: String) -> MockOSSError {
        MockOSSError(status: 400, code: "InvalidPolicyDocument", message: "Invalid Policy: \(detail).", ec: "0006-00000220")
    }

    /// A form the policy refuses: `Invalid according to Policy: <what>`.
    static func postPolicyFailed(_ detail: String) -> MockOSSError {
        MockOSSError(
            status: 403, code: OSSErrorCode.accessDenied, message: "Invalid according to Policy: \(detail)", ec: "0006-00000002")
    }

    /// A file larger than the policy's content-length-range.
    static let postEntityTooLarge = MockOSSError(
        status: 400, code: "EntityTooLarge", message: "Your proposed upload exceeds the maximum allowed size.",
        ec: "0006-00000003")
    /// A file smaller than the policy's content-length-range.
    static let postEntityTooSmall = MockOSSError(
        status: 400, code: "EntityTooSmall", message: "Your proposed upload is smaller than the minimum allowed size.",
        ec: "0006-00000004")

    func withPostEC(_ ec: String) -> MockOSSError {
        var e = self
        e.ec = ec
        return e
    }
}
