import OSSCore
import OSSProtocol
import Testing

/// Issue 16, part 4: the bucket models read documents shaped as the OSS API reference shows
/// them, and what they write reads back the same.
@Suite struct BucketConfigurationModelTests {
    @Test func bucketInfoAndStatReadTheReferenceShape() throws {
        let info = try BucketInfo.decode(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <BucketInfo><Bucket><AccessMonitor>Enabled</AccessMonitor><CreationDate>2013-07-31T10:56:21.000Z</CreationDate>
            <ExtranetEndpoint>oss-cn-hangzhou.aliyuncs.com</ExtranetEndpoint><IntranetEndpoint>oss-cn-hangzhou-internal.aliyuncs.com</IntranetEndpoint>
            <Location>oss-cn-hangzhou</Location><StorageClass>Standard</StorageClass><Name>oss-example</Name>
            <DataRedundancyType>LRS</DataRedundancyType><Versioning>Enabled</Versioning><BlockPublicAccess>true</BlockPublicAccess>
            <Owner><DisplayName>username</DisplayName><ID>27183473914</ID></Owner>
            <AccessControlList><Grant>private</Grant></AccessControlList>
            <ServerSideEncryptionRule><SSEAlgorithm>KMS</SSEAlgorithm><KMSMasterKeyID>key</KMSMasterKeyID></ServerSideEncryptionRule>
            <BucketPolicy><LogBucket>examplebucket</LogBucket><LogPrefix>log/</LogPrefix></BucketPolicy>
            </Bucket></BucketInfo>
            """)
        #expect(info.name == "oss-example" && info.location == "oss-cn-hangzhou" && info.acl == "private")
        #expect(info.creationDate == UTCTime(iso8601: "2013-07-31T10:56:21.000Z"))
        #expect(info.encryption == ServerSideEncryptionRule(sseAlgorithm: "KMS", kmsMasterKeyId: "key"))
        #expect(info.logBucket == "examplebucket" && info.logPrefix == "log/" && info.versioning == "Enabled")
        #expect(info.owner?.id == "27183473914" && info.blockPublicAccess == true)
        #expect(try BucketInfo.decode(info.encode()) == info)

        let stat = try BucketStat.decode(
            """
            <BucketStat><Storage>1600</Storage><ObjectCount>230</ObjectCount><MultipartUploadCount>40</MultipartUploadCount>
            <LiveChannelCount>4</LiveChannelCount><LastModifiedTime>1643341269</LastModifiedTime>
            <StandardStorage>430</StandardStorage><StandardObjectCount>66</StandardObjectCount>
            <InfrequentAccessStorage>2359296</InfrequentAccessStorage><InfrequentAccessRealStorage>360</InfrequentAccessRealStorage>
            <InfrequentAccessObjectCount>54</InfrequentAccessObjectCount><MultipartPartCount>128</MultipartPartCount>
            <MultipartPartStorage>524288000</MultipartPartStorage><DeleteMarkerCount>12</DeleteMarkerCount></BucketStat>
            """)
        #expect(stat.storage == 1600 && stat.objectCount == 230 && stat.lastModifiedTime == 1643341269)
        #expect(stat.byStorageClass["IA"] == .init(storage: 2359296, realStorage: 360, objectCount: 54))
        #expect(stat.byStorageClass["Standard"]?.realStorage == nil)
        #expect(stat.multipartPartStorage == 524288000 && stat.deleteMarkerCount == 12)
        #expect(try BucketLocation.decode("<LocationConstraint>oss-cn-hangzhou</LocationConstraint>").location == "oss-cn-hangzhou")
    }

    @Test func configurationsRoundTripAndReadTheReferenceShape() throws {
        let cors = try CORSConfiguration.decode(
            """
            <CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod>
            <AllowedHeader>Authorization</AllowedHeader></CORSRule><CORSRule><AllowedOrigin>http://example.com</AllowedOrigin>
            <AllowedOrigin>http://example.net</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>Authorization</AllowedHeader>
            <ExposeHeader>x-oss-test</ExposeHeader><ExposeHeader>x-oss-test1</ExposeHeader><MaxAgeSeconds>100</MaxAgeSeconds></CORSRule>
            <ResponseVary>false</ResponseVary></CORSConfiguration>
            """)
        #expect(cors.rules.count == 2 && cors.rules[1].allowedOrigins == ["http://example.com", "http://example.net"])
        #expect(cors.rules[1].maxAgeSeconds == 100 && cors.responseVary == false)
        // The first rule that allows the request wins, as on OSS.
        #expect(cors.match(origin: "http://example.net", method: "GET", headers: ["authorization"])?.origin == "*")
        #expect(cors.match(origin: "http://example.net", method: "GET", headers: [])?.rule == cors.rules[0])
        #expect(cors.match(origin: "http://x", method: "PUT", headers: [])?.origin == "*")
        #expect(cors.match(origin: "http://x", method: "DELETE", headers: []) == nil)

        let lifecycle = try LifecycleConfiguration.decode(
            """
            <LifecycleConfiguration><Rule><ID>rule</ID><Prefix>log/</Prefix><Status>Enabled</Status>
            <Transition><Days>30</Days><StorageClass>IA</StorageClass></Transition>
            <Expiration><Days>90</Days></Expiration><AbortMultipartUpload><Days>30</Days></AbortMultipartUpload>
            <Tag><Key>key1</Key><Value>value1</Value></Tag></Rule></LifecycleConfiguration>
            """)
        let rule = try #require(lifecycle.rules.first)
        #expect(rule.id == "rule" && rule.prefix == "log/" && rule.expiration?.days == 90)
        #expect(rule.transitions == [.init(.init(days: 30), storageClass: "IA")])
        #expect(rule.abortMultipartUpload?.days == 30 && rule.tags == [OSSTag(key: "key1", value: "value1")])
        try lifecycle.validate()

        let models: [any BucketConfigurationModel] = [
            cors, lifecycle, BucketTags([OSSTag(key: "a", value: "")]),
            RefererConfiguration(allowEmptyReferer: false, referers: ["http://www.aliyun.com"], blacklist: [], truncatePath: true),
            WebsiteConfiguration(
                indexDocument: .init(suffix: "index.html"), routingRules: [
                    {
                        var r = WebsiteConfiguration.RoutingRule(ruleNumber: 1, redirectType: "External")
                        r.httpErrorCodeReturnedEquals = 404
                        r.hostName = "example.com"
                        return r
                    }()
                ]),
            BucketLoggingStatus(targetBucket: "logs", targetPrefix: "p/"), BucketLoggingStatus(),
            UserDefinedLogFieldsConfiguration(headers: ["h"], parameters: ["p"]),
            ServerSideEncryptionRule(sseAlgorithm: "KMS", kmsMasterKeyId: "k", kmsDataEncryption: "SM4"),
        ]
        for m in models { try roundTrip(m) }
    }

    func roundTripTyped<M: BucketConfigurationModel & Equatable>(_ m: M) throws {
        #expect(try M.decode(m.encode()) == m, "\(M.self)")
    }

    func roundTrip(_ m: any BucketConfigurationModel) throws {
        guard let e = m as? any (BucketConfigurationModel & Equatable) else { return }
        try roundTripTyped(e)
    }

    @Test func theRulesOfOSS() throws {
        #expect(throws: ValidationError.self) { try BucketTags((0...20).map { OSSTag(key: "\($0)", value: "") }).validate() }
        #expect(throws: ValidationError.self) { try BucketTags([OSSTag(key: "a", value: "1"), OSSTag(key: "a", value: "2")]).validate() }
        try BucketTags((0..<20).map { OSSTag(key: String(repeating: "k", count: 64 - "\($0)".count) + "\($0)", value: String(repeating: "v", count: 128)) }).validate()
        #expect(throws: ValidationError.self) {
            try CORSConfiguration(rules: [.init(allowedOrigins: ["http://*.a.*"], allowedMethods: ["GET"])]).validate()
        }
        #expect(throws: ValidationError.self) {
            try LifecycleConfiguration(rules: [.init(transitions: [.init(.init(days: 1), storageClass: "Standard")])]).validate()
        }
        #expect(throws: ValidationError.self) {
            try LifecycleConfiguration(rules: [.init(abortMultipartUpload: .init(date: "2023-12-17T00:00:00.000Z"))]).validate()
        }
        #expect(throws: ValidationError.self) {
            try WebsiteConfiguration(routingRules: [.init(ruleNumber: 1), .init(ruleNumber: 1)]).validate()
        }
        #expect(throws: ValidationError.self) { try BucketLoggingStatus(targetBucket: "Bad_Name").validate() }
        #expect(throws: ValidationError.self) {
            try ServerSideEncryptionRule(sseAlgorithm: "KMS", kmsDataEncryption: "AES").validate()
        }
    }
}
