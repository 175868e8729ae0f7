import OSSProtocol
import Testing

/// The objects area's models and rules (issue 16): OSS's documented XML read and written back,
/// the `x-oss-tagging` header form, and the tag rules.
@Suite struct ObjectFeatureModelTests {
    @Test("Tagging, AccessControlPolicy, PublicAccessBlockConfiguration, RestoreRequest: OSS's XML read, and written back the same")
    func models() throws {
        let tagging = try ObjectTagging.decode(
            "<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value></Value></Tag></TagSet></Tagging>")
        #expect(tagging.tagSet == [ObjectTag(key: "a", value: "1"), ObjectTag(key: "b", value: "")])
        #expect(try ObjectTagging.decode(tagging.encode()) == tagging)
        #expect(try ObjectTagging.decode("<Tagging><TagSet/></Tagging>").tagSet.isEmpty)
        #expect(throws: XMLModelError.self) { try ObjectTagging.decode("<Tagging></Tagging>") }

        let acl = try AccessControlPolicy.decode(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><AccessControlPolicy><Owner><ID>0022012****</ID><DisplayName>user_example</DisplayName></Owner><AccessControlList><Grant>public-read</Grant></AccessControlList></AccessControlPolicy>")
        #expect(acl.grant == "public-read" && acl.owner?.id == "0022012****")
        #expect(try AccessControlPolicy.decode(acl.encode()) == acl)

        let bpa = try PublicAccessBlockConfiguration.decode(
            "<PublicAccessBlockConfiguration><BlockPublicAccess>true</BlockPublicAccess></PublicAccessBlockConfiguration>")
        #expect(bpa.blockPublicAccess)
        #expect(try PublicAccessBlockConfiguration.decode(bpa.encode()) == bpa)

        let restore = try RestoreRequest.decode(
            "<RestoreRequest><Days>2</Days><JobParameters><Tier>Standard</Tier></JobParameters></RestoreRequest>")
        #expect(restore == RestoreRequest(days: 2, tier: "Standard"))
        #expect(try RestoreRequest.decode(restore.encode()) == restore)
    }

    @Test("x-oss-tagging: k=v pairs joined by &, URL-encoded both ways; a=b=c is not the form")
    func taggingHeader() {
        let t = ObjectTagging(tagSet: [ObjectTag(key: "a b", value: "x/y+z"), ObjectTag(key: "k", value: "")])
        #expect(t.headerValue == "a%20b=x%2Fy%2Bz&k=")
        #expect(ObjectTagging.parseHeader(t.headerValue) == t)
        #expect(ObjectTagging.parseHeader("TagA=A&TagB")?.tagSet == [ObjectTag(key: "TagA", value: "A"), ObjectTag(key: "TagB", value: "")])
        #expect(ObjectTagging.parseHeader("a+b=1")?.tagSet.first?.key == "a b", "form encoding's + is a space")
        #expect(ObjectTagging.parseHeader("a=b=c") == nil)
        #expect(ObjectTagging.parseHeader("a=%zz") == nil)
        #expect(ObjectTagging.parseHeader("")?.tagSet.isEmpty == true)
    }
}
