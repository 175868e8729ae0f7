/// The query parameters of OSS requests that name a resource rather than pass an argument: the
/// ones V1 signs, and the ones that select an operation. Client, signer and mock read them here.
package enum OSSSubresources {
    /// The query parameters OSS includes in V1's canonical resource, besides every `x-oss-*` one:
    /// the one list the client's signer (`SignerV1`) and the server-side `SignatureVerifier` (the mock's)
    /// share.
    ///
    /// The union of what the official SDKs sign: the fixed lists of aliyun/aliyun-oss-go-sdk
    /// `oss/conn.go` `signKeyList`, aliyun/alibabacloud-oss-go-sdk-v2 `oss/signer/v1.go`
    /// `requiredSignedParametersMap`, aliyun/aliyun-oss-python-sdk `oss2/auth.py`
    /// `_subresource_key_set`, aliyun/aliyun-oss-java-sdk `SignParameters.SIGNED_PARAMTERS`, and
    /// the per-operation sub-resources alibabacloud-oss-v2 (Python) and alibabacloud-oss-go-sdk-v2
    /// add to them (`op_metadata['sub-resource']`, `OperationInput.SubResource`: access points,
    /// public access block, HTTPS config, retention, seal, archive direct read, redundancy
    /// transition, resource pools and QoS, ...). `prefix`, `marker`, `max-keys`, `encoding-type`,
    /// `delimiter` and the like are not signed; neither are `accessmonitor` and `regions`, which
    /// no SDK signs.
    package static let signedV1: Set<String> = [
        // Buckets, objects, multipart.
        "acl", "uploads", "location", "bucketInfo", "stat", "delete", "append", "position", "objectMeta", "uploadId",
        "partNumber", "security-token", "symlink", "tagging", "restore", "cleanRestoredObject", "seal",
        "versions", "versioning", "versionId", "sequential", "continuation-token", "callback", "callback-var",
        "response-content-type", "response-content-language", "response-expires", "response-cache-control",
        "response-content-disposition", "response-content-encoding",
        // Bucket configuration.
        "cors", "logging", "website", "referer", "lifecycle", "policy", "policyStatus", "encryption",
        "requestPayment", "inventory", "inventoryId", "worm", "wormId", "wormExtend", "objectWorm", "retention",
        "legalHold", "replication", "replicationProgress", "replicationLocation", "rtc", "cname", "comp",
        "transferAcceleration", "resourceGroup", "httpsConfig", "publicAccessBlock", "bucketArchiveDirectRead",
        "redundancyTransition", "overwriteConfig", "userDefinedLogFieldsConfig", "accessPoint", "accessPointPolicy",
        "metaQuery", "MetaQuery", "dataPipeline", "asyncFetch", "regionList", "cloudboxes", "responseHeader",
        // Image processing, styles, UDF, live channels.
        "img", "style", "styleName", "processConfiguration", "udf", "udfName", "udfImage", "udfId", "udfImageDesc",
        "udfApplication", "udfApplicationLog", "live", "status", "vod", "startTime", "endTime",
        // QoS and resource pools.
        "qos", "qosInfo", "qosRequester", "requesterQosInfo", "resourcePool", "resourcePoolInfo",
        "resourcePoolBuckets", "vip", "vpcip",
        // oss2's old object groups.
        "group", "link", "objectInfo", "withHashContext",
    ]


    /// Every query parameter that selects an operation somewhere in OSS: the table's, and the
    /// sub-resources of older or console-only APIs the table does not list. A request carrying one
    /// that no operation of its method and level takes is refused, never served as the plain operation.
    package static let selecting: Set<String> = Set(OSSOperation.all.flatMap(\.subresources)).union([
        "img", "udf", "udfName", "udfImage", "udfImageDesc", "udfApplication", "udfApplicationLog", "udfId",
        "objectInfo", "group", "link", "regionList", "vip", "vpcip", "status", "qos",
    ])
}
