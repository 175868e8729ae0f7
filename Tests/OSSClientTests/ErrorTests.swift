import OSSCore
import Testing

@testable import OSSClient

@Suite("Errors")
struct ErrorTests {
    static let errorXML = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Error>
          <Code>NoSuchKey</Code>
          <Message>The specified key does not exist.</Message>
          <RequestId>5C3D9175B6FC201293AD****</RequestId>
          <HostId>bucket.oss-cn-hangzhou.aliyuncs.com</HostId>
          <Key>a &amp; b &lt;c&gt; &#x41;&#66;</Key>
          <EC>0026-00000001</EC>
          <RecommendDoc>https://api.aliyun.com/troubleshoot?q=0026-00000001</RecommendDoc>
        </Error>
        """

    @Test("an error body decodes into code, message, request id, host id, EC and extra fields")
    func decodesBody() {
        let e = ErrorBody.serviceError(status: 404, header: { _ in nil }, body: Array(Self.errorXML.utf8))
        #expect(e.statusCode == 404)
        #expect(e.code == "NoSuchKey")
        #expect(e.message == "The specified key does not exist.")
        #expect(e.requestId == "5C3D9175B6FC201293AD****")
        #expect(e.hostId == "bucket.oss-cn-hangzhou.aliyuncs.com")
        #expect(e.ec == "0026-00000001")
        #expect(e.fields["Key"] == "a & b <c> AB")
        #expect(e.fields["RecommendDoc"] != nil)
        #expect(e.description.contains("404") && e.description.contains("NoSuchKey") && e.description.contains("0026-00000001"))
    }

    @Test("HEAD errors decode from the base64 x-oss-err header")
    func decodesHeader() {
        let encoded = Base64.encode(Array(Self.errorXML.utf8))
        let headers = ["x-oss-err": encoded, "x-oss-request-id": "HEADERID"]
        let e = ErrorBody.serviceError(status: 404, header: { headers[$0.lowercased()] }, body: [])
        #expect(e.code == "NoSuchKey" && e.ec == "0026-00000001")
        #expect(e.requestId == "5C3D9175B6FC201293AD****")
    }

    @Test("without a body or x-oss-err, the status and headers still give a useful error")
    func noDetails() {
        let headers = ["x-oss-request-id": "RID", "x-oss-ec": "0003-00000001"]
        let e = ErrorBody.serviceError(status: 403, header: { headers[$0.lowercased()] }, body: [])
        #expect(e.code == "AccessDenied" && e.requestId == "RID" && e.ec == "0003-00000001")
        let garbage = ErrorBody.serviceError(status: 502, header: { _ in nil }, body: Array("<html>bad gateway".utf8))
        #expect(garbage.code == "HTTP502" && garbage.isRetryable)
    }

    @Test("CDATA, comments, namespaces and self-closing elements are read")
    func flatXMLVariants() {
        let xml = #"<?xml version="1.0"?><!-- c --><e:Error xmlns:e="urn:x"><Code><![CDATA[A<B]]></Code><Empty/><Nested><X>1</X>t</Nested></e:Error>"#
        let f = FlatXML.children(of: "Error", in: Array(xml.utf8))
        #expect(f?["Code"] == "A<B")
        #expect(f?["Empty"] == "")
        #expect(f?["Nested"] == "t")
        #expect(FlatXML.children(of: "Error", in: Array("<Error><Code>x</Error>".utf8)) == nil)
        #expect(FlatXML.children(of: "Error", in: Array("<Other/>".utf8)) == nil)
    }

    @Test("descriptions never show signing material")
    func noSecrets() {
        let xml = "<Error><Code>SignatureDoesNotMatch</Code><Message>m</Message><StringToSign>PUT\nsecret-ish</StringToSign><SignatureProvided>abc</SignatureProvided></Error>"
        let e = ErrorBody.serviceError(status: 403, header: { _ in nil }, body: Array(xml.utf8))
        #expect(!e.description.contains("secret-ish") && !e.description.contains("abc"))
    }

    @Test("client errors carry the C++ SDK codes and say whether the body was sent")
    func clientErrors() {
        let disabled = OSSClientError(.requestsDisabled, "requests are disabled")
        #expect(disabled.code == "ClientError:100002")
        let aborted = OSSClientError(.abortedInFlight, "aborted", bodyFullySent: false)
        #expect(aborted.code == "ClientError:200042")
        #expect(aborted.description.contains("not fully sent"))
        #expect(aborted.kind == .abortedInFlight && aborted.kind != .cancelled)
        #expect(OSSClientError(.crcMismatch, "").code == "CrcCheckError")
    }
}
