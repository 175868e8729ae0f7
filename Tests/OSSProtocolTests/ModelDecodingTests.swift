import Foundation
import OSSProtocol
import OSSCore
import OSSXML
import OSSTestSupport
import Testing

@Suite struct ModelDecodingTests {
    /// Samples where alibabacloud-oss-v2's answer is wrong and we return the robust one
    /// (checked field by field in their own tests below).
    static let sdkBugs: Set<String> = [
        // The SDK crashes: empty <Key> with EncodingType=url (README).
        "ListBucketResult-v2-empty-commonprefixes-empty-key",
        // The SDK returns every field null: the xmlns on the root defeats its element lookup.
        "ListBucketResult-v1-encoding-url-xmlns",
    ]

    @Test func everySampleDecodesToWhatTheOfficialSDKReturns() throws {
        var compared = 0
        for name in try Fixtures.responseNames() where !Self.sdkBugs.contains(name) {
            let expected = try Fixtures.parsed(name)
            #expect(expected["alibabacloud-oss-v2_parse_error"] == nil, "\(name) is an SDK failure not listed")
            let ours = try SDKView.view(name, try Fixtures.response(name))
            let diffs = SDKView.differences(ours, expected, name)
            #expect(diffs.isEmpty, "\(diffs.joined(separator: "\n"))")
            compared += 1
        }
        #expect(compared == 23)
    }

    @Test func emptyKeyWithURLEncodingIsAnEmptyStringNotACrash() throws {
        let r = try ListBucketResult.decode(try Fixtures.response("ListBucketResult-v2-empty-commonprefixes-empty-key"))
        #expect(r.name == "examplebucket")
        #expect(r.prefix == "")
        #expect(r.delimiter == "")
        #expect(r.startAfter == "test1.txt")
        #expect(r.maxKeys == 1)
        #expect(r.isTruncated)
        #expect(r.nextMarker == "test100.txt")
        #expect(r.commonPrefixes == [])
        #expect(r.contents.count == 1)
        #expect(r.contents[0].key == "")
        #expect(r.contents[0].size == 344606)
        #expect(r.contents[0].storageClass == "ColdArchive")
        #expect(r.contents[0].lastModified == UTCTime(year: 2020, month: 6, day: 22, hour: 11, minute: 42, second: 32))

        let i = try InitiateMultipartUploadResult.decode(
            try Fixtures.response("InitiateMultipartUploadResult-encoding-url-empty-key"))
        #expect(i.key == "")
    }

    @Test func namespaceOnTheRootChangesNothing() throws {
        let r = try ListBucketResult.decode(try Fixtures.response("ListBucketResult-v1-encoding-url-xmlns"))
        #expect(r.name == "oss-example")
        #expect(r.prefix == "hello world!")
        #expect(r.marker == "hello ")
        #expect(r.delimiter == "hello !world")
        #expect(r.maxKeys == 100)
        #expect(r.isTruncated == false)
        #expect(r.encodingType == "url")
        #expect(r.contents.map(\.key) == ["fun/movie/001.avi", "fun/movie/007.avi", "oss.jpg"])
        #expect(r.contents.allSatisfy { $0.eTag == "\"5B3C1A2E053D763E1B002CC607C5A0FE\"" })
        #expect(r.contents[0].lastModified == UTCTime(year: 2012, month: 2, day: 24, hour: 8, minute: 43, second: 7))
        #expect(r.contents[0].owner == Owner(id: "00220120222", displayName: "user-example"))
        #expect(r.contents[2].size == 344606)
    }

    @Test func urlEncodedKeysMayHoldControlCharacters() throws {
        let parts = try ListPartsResult.decode(try Fixtures.response("ListPartsResult-encoding-url"))
        #expect(parts.key == "demo/gp-\u{C}\n\u{B}")
        #expect(parts.parts[0].hashCRC64 == 12_066_172_435_287_683_848)
        let uploads = try ListMultipartUploadsResult.decode(try Fixtures.response("ListMultipartUploadsResult-encoding-url"))
        #expect(uploads.uploads.prefix(6).allSatisfy { $0.key == "demo/gp-\u{C}\n\u{B}" })
        #expect(uploads.uploads[0].storageClass == "Standard")
    }

    @Test func errorBodiesKeepEveryExtraField() throws {
        let e = try ErrorResponse.decode(try Fixtures.response("Error-InvalidArgument"))
        #expect(e.code == "InvalidArgument")
        #expect(e.hostId == "demo-walker-6961.oss-cn-hangzhou.aliyuncs.com")
        #expect(e.ec == "0042-00000216")
        #expect(
            e.extra == [
                "ArgumentName": "x-oss-complete-all", "ArgumentValue": "yes",
                "RecommendDoc": "https://api.aliyun.com/troubleshoot?q=0042-00000216",
            ])
        let s = try ErrorResponse.decode(try Fixtures.response("Error-SignatureDoesNotMatch"))
        #expect(s.hostId == nil)
        #expect(s.extra == ["SignatureProvided": "RizTbeKC/QlwxINq8xEdUPowc84="])
        let m = try ErrorResponse.decode(try Fixtures.response("Error-MalformedXML-EC"))
        #expect(m.extra["ErrorDetail"] == "the root node is not named Delete.")
        let k = try ErrorResponse.decode(try Fixtures.response("Error-NoSuchKey"))
        #expect(k.extra["Key"] == "walker-not-.txt")
        let a = try ErrorResponse.decode(try Fixtures.response("Error-InvalidAccessKeyId"))
        #expect(a.extra["OSSAccessKeyId"] == "ak")
        let d = try ErrorResponse.decode(try Fixtures.response("Error-AccessDenied-minimal"))
        #expect(d.ec == nil && d.extra.isEmpty)
    }

    @Test func copyObjectTimeStampDecodesWithoutFoundation() throws {
        let r = try CopyObjectResult.decode(try Fixtures.response("CopyObjectResult"))
        #expect(r.eTag == "\"F2064A169EE92E9775EE5324D0B1****\"")
        #expect(r.lastModified == UTCTime(year: 2018, month: 2, day: 24, hour: 9, minute: 41, second: 56))
        #expect(r.lastModified.iso8601 == "2018-02-24T09:41:56.000Z")
    }

    @Test func listAllMyBucketsDecodes() throws {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListAllMyBucketsResult>
              <Prefix>my</Prefix><Marker>mybucket</Marker><MaxKeys>10</MaxKeys>
              <IsTruncated>true</IsTruncated><NextMarker>mybucket10</NextMarker>
              <Owner><ID>512**</ID><DisplayName>51264</DisplayName></Owner>
              <Buckets>
                <Bucket>
                  <CreationDate>2014-05-14T11:18:32.000Z</CreationDate>
                  <ExtranetEndpoint>oss-cn-hangzhou.aliyuncs.com</ExtranetEndpoint>
                  <IntranetEndpoint>oss-cn-hangzhou-internal.aliyuncs.com</IntranetEndpoint>
                  <Location>oss-cn-hangzhou</Location>
                  <Name>mybucket01</Name>
                  <Region>cn-hangzhou</Region>
                  <StorageClass>Standard</StorageClass>
                  <NewFieldFromTheFuture><Deep>1</Deep></NewFieldFromTheFuture>
                </Bucket>
                <Bucket><Name>empty-fields</Name><CreationDate></CreationDate><Location/></Bucket>
              </Buckets>
            </ListAllMyBucketsResult>
            """
        let r = try ListAllMyBucketsResult.decode(body)
        #expect(r.prefix == "my" && r.marker == "mybucket" && r.maxKeys == 10 && r.isTruncated == true)
        #expect(r.nextMarker == "mybucket10")
        #expect(r.owner == Owner(id: "512**", displayName: "51264"))
        #expect(r.buckets.count == 2)
        #expect(r.buckets[0].name == "mybucket01")
        #expect(r.buckets[0].creationDate == UTCTime(year: 2014, month: 5, day: 14, hour: 11, minute: 18, second: 32))
        #expect(r.buckets[0].location == "oss-cn-hangzhou")
        #expect(r.buckets[0].region == "cn-hangzhou")
        #expect(r.buckets[0].intranetEndpoint == "oss-cn-hangzhou-internal.aliyuncs.com")
        #expect(r.buckets[1] == ListAllMyBucketsResult.Bucket(name: "empty-fields", location: ""))
    }

    @Test func unknownElementsAreSkipped() throws {
        let body = """
            <InitiateMultipartUploadResult><Future a="1"><X/><Y>t</Y></Future><Bucket>b</Bucket>
            <Key>k</Key><Extra/><UploadId>u</UploadId><!-- note --></InitiateMultipartUploadResult>
            """
        #expect(try InitiateMultipartUploadResult.decode(body) == InitiateMultipartUploadResult(bucket: "b", key: "k", uploadId: "u"))
    }

    @Test func numbersBooleansAndTimesMayBeSurroundedByWhiteSpace() throws {
        let body = """
            <ListPartsResult><Bucket>b</Bucket><Key> k </Key><UploadId>u</UploadId>
            <IsTruncated>
              true
            </IsTruncated><MaxParts> 7 </MaxParts><PartNumberMarker></PartNumberMarker>
            <Part><PartNumber>\t1\t</PartNumber><ETag>e</ETag><Size>
            10</Size><LastModified> 2012-02-23T07:01:34.000Z </LastModified></Part></ListPartsResult>
            """
        let r = try ListPartsResult.decode(body)
        #expect(r.key == " k ")
        #expect(r.isTruncated && r.maxParts == 7 && r.partNumberMarker == nil)
        #expect(r.parts == [.init(partNumber: 1, eTag: "e", size: 10, lastModified: UTCTime(iso8601: "2012-02-23T07:01:34.000Z"))])
    }

    @Test func decodeErrorsNameTheElement() throws {
        func failure<T: XMLDecodableModel>(_ type: T.Type, _ body: String) -> XMLModelError? {
            do {
                _ = try T.decode(body)
                return nil
            } catch {
                return error
            }
        }
        let missing = failure(InitiateMultipartUploadResult.self, "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key></InitiateMultipartUploadResult>")
        #expect(missing?.kind == .missingElement)
        #expect(missing?.path == "InitiateMultipartUploadResult/UploadId")

        let size = failure(
            ListPartsResult.self,
            "<ListPartsResult><Bucket>b</Bucket><Key>k</Key><UploadId>u</UploadId><IsTruncated>false</IsTruncated>"
                + "<Part><PartNumber>1</PartNumber><ETag>e</ETag><Size>1</Size></Part>"
                + "<Part><PartNumber>2</PartNumber><ETag>e</ETag><Size>12x</Size></Part></ListPartsResult>")
        #expect(size?.kind == .malformedValue)
        #expect(size?.path == "ListPartsResult/Part[2]/Size")
        #expect(size?.description.contains("12x") == true)

        let time = failure(CopyObjectResult.self, "<CopyObjectResult><ETag>e</ETag><LastModified>yesterday</LastModified></CopyObjectResult>")
        #expect(time?.path == "CopyObjectResult/LastModified")
        #expect(time?.kind == .malformedValue)

        let bool = failure(ListBucketResult.self, "<ListBucketResult><Name>n</Name><IsTruncated>maybe</IsTruncated></ListBucketResult>")
        #expect(bool?.path == "ListBucketResult/IsTruncated")

        let percent = failure(
            DeleteResult.self, "<DeleteResult><EncodingType>url</EncodingType><Deleted><Key>100%</Key></Deleted></DeleteResult>")
        #expect(percent?.path == "DeleteResult/Deleted[1]/Key")
        #expect(percent?.kind == .malformedValue)

        let root = failure(ListBucketResult.self, "<Error><Code>NoSuchBucket</Code></Error>")
        #expect(root?.kind == .wrongRoot)
        #expect(root?.description.contains("expected <ListBucketResult>") == true)

        let xml = failure(ListBucketResult.self, "<ListBucketResult><Name>n</Name>")
        #expect(xml?.kind == .invalidXML)
        #expect(xml?.xmlError?.kind == .truncated)

        let code = failure(ErrorResponse.self, "<Error><Message>m</Message></Error>")
        #expect(code?.path == "Error/Code")
    }
}

@Suite struct SDKComparisonSanityTests {
    @Test func theComparisonSeesDifferences() throws {
        let name = "ListPartsResult-encoding-url"
        var expected = try Fixtures.parsed(name)
        let ours = try SDKView.view(name, try Fixtures.response(name))
        #expect(SDKView.differences(ours, expected, name).isEmpty)
        expected["key"] = "demo/gp-"
        #expect(SDKView.differences(ours, expected, name).count == 1)
        var parts = expected["parts"] as! [[String: Any]]
        parts[0]["size"] = 1
        expected["parts"] = parts
        #expect(SDKView.differences(ours, expected, name).count == 2)
        expected["is_truncated"] = true
        #expect(SDKView.differences(ours, expected, name).count == 3)
        expected["upload_id"] = NSNull()
        #expect(SDKView.differences(ours, expected, name).count == 4)
    }
}
