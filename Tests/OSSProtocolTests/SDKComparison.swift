import Foundation
import OSSProtocol
import OSSCore
import Testing

/// Our models seen with alibabacloud-oss-v2's field names, to compare with `parsed/*.json`.
///
/// Only body fields are mapped (the SDK also fills header fields such as `hash_crc64` and
/// `version_id`, which are not in the XML).
enum SDKView {
    static func time(_ t: UTCTime?) -> Any? {
        guard let f = t?.fields else { return nil }
        func p(_ v: Int, _ n: Int) -> String { String(repeating: "0", count: max(0, n - String(v).count)) + String(v) }
        return "\(p(f.year, 4))-\(p(f.month, 2))-\(p(f.day, 2))T\(p(f.hour, 2)):\(p(f.minute, 2)):\(p(f.second, 2))+00:00"
    }

    static func owner(_ o: Owner?) -> Any? {
        guard let o else { return nil }
        return ["id": o.id as Any, "display_name": o.displayName as Any]
    }

    static func view(_ name: String, _ body: [UInt8]) throws -> [String: Any?] {
        switch name.split(separator: "-").first.map(String.init) ?? name {
        case "InitiateMultipartUploadResult":
            let r = try InitiateMultipartUploadResult.decode(body)
            return ["bucket": r.bucket, "key": r.key, "upload_id": r.uploadId, "encoding_type": r.encodingType]
        case "CompleteMultipartUploadResult":
            let r = try CompleteMultipartUploadResult.decode(body)
            return [
                "bucket": r.bucket, "key": r.key, "location": r.location, "etag": r.eTag, "encoding_type": r.encodingType,
            ]
        case "CopyObjectResult":
            let r = try CopyObjectResult.decode(body)
            return ["etag": r.eTag, "last_modified": time(r.lastModified)]
        case "DeleteResult":
            let r = try DeleteResult.decode(body)
            return [
                "encoding_type": r.encodingType,
                "deleted_objects": r.deleted.map {
                    [
                        "key": $0.key, "version_id": $0.versionId as Any, "delete_marker": $0.deleteMarker as Any,
                        "delete_marker_version_id": $0.deleteMarkerVersionId as Any,
                    ] as [String: Any]
                },
            ]
        case "Error":
            let r = try ErrorResponse.decode(body)
            return ["code": r.code, "message": r.message, "request_id": r.requestId, "ec": r.ec]
        case "ListPartsResult":
            let r = try ListPartsResult.decode(body)
            return [
                "encoding_type": r.encodingType, "bucket": r.bucket, "key": r.key, "upload_id": r.uploadId,
                "part_number_marker": r.partNumberMarker, "next_part_number_marker": r.nextPartNumberMarker,
                "max_parts": r.maxParts, "is_truncated": r.isTruncated, "storage_class": r.storageClass,
                "parts": r.parts.map {
                    [
                        "part_number": $0.partNumber, "etag": $0.eTag, "last_modified": time($0.lastModified) as Any,
                        "size": $0.size, "hash_crc64": $0.hashCRC64.map { String($0) } as Any,
                    ] as [String: Any]
                },
            ]
        case "ListMultipartUploadsResult":
            let r = try ListMultipartUploadsResult.decode(body)
            return [
                "encoding_type": r.encodingType, "bucket": r.bucket, "key_marker": r.keyMarker,
                "upload_id_marker": r.uploadIdMarker, "next_key_marker": r.nextKeyMarker,
                "next_upload_id_marker": r.nextUploadIdMarker, "delimiter": r.delimiter, "prefix": r.prefix,
                "max_uploads": r.maxUploads, "is_truncated": r.isTruncated,
                "uploads": r.uploads.map {
                    ["key": $0.key, "upload_id": $0.uploadId, "initiated": time($0.initiated) as Any] as [String: Any]
                },
            ]
        case "ListBucketResult":
            let r = try ListBucketResult.decode(body)
            var v: [String: Any?] = [
                "name": r.name, "prefix": r.prefix, "max_keys": r.maxKeys, "delimiter": r.delimiter,
                "is_truncated": r.isTruncated, "encoding_type": r.encodingType,
                "contents": r.contents.map {
                    [
                        "key": $0.key, "object_type": $0.type as Any, "size": $0.size as Any, "etag": $0.eTag as Any,
                        "last_modified": time($0.lastModified) as Any, "storage_class": $0.storageClass as Any,
                        "owner": owner($0.owner) as Any, "restore_info": $0.restoreInfo as Any,
                        "transition_time": $0.transitionTime?.iso8601 as Any,
                    ] as [String: Any]
                },
                "common_prefixes": r.commonPrefixes.map { ["prefix": $0] },
            ]
            if name.contains("-v2") {
                v["continuation_token"] = r.continuationToken
                v["next_continuation_token"] = r.nextContinuationToken
                v["start_after"] = r.startAfter
                v["key_count"] = r.keyCount
            } else {
                v["marker"] = r.marker
                v["next_marker"] = r.nextMarker
            }
            return v
        default:
            Issue.record("no view for \(name)")
            return [:]
        }
    }

    /// Compares one of our values with the SDK's. The SDK maps an empty element (and an absent
    /// list) to `null` and an absent EC to `""`; we keep the empty string / empty list, and `nil`.
    static func differences(_ ours: Any?, _ theirs: Any?, _ path: String) -> [String] {
        let ours: Any? = ours.flatMap { unwrap($0) }
        if theirs == nil || theirs is NSNull {
            switch ours {
            case nil: return []
            case let s as String where s.isEmpty: return []
            case let a as [Any] where a.isEmpty: return []
            default: return ["\(path): ours \(String(describing: ours!)), SDK null"]
            }
        }
        switch (ours, theirs) {
        case (nil, let t as String) where t.isEmpty:
            return []
        case (let o as [String: Any?], let t as [String: Any]):
            var out: [String] = []
            for (k, v) in o {
                guard t.keys.contains(k) else {
                    out.append("\(path).\(k): not a field of the SDK's result")
                    continue
                }
                out += differences(v, t[k]!, "\(path).\(k)")
            }
            return out
        case (let o as [String: Any], let t as [String: Any]):
            return differences(o.mapValues { Optional($0) }, t, path)
        case (let o as [Any], let t as [Any]):
            guard o.count == t.count else { return ["\(path): \(o.count) items, SDK \(t.count)"] }
            return zip(o, t).enumerated().flatMap { differences($0.element.0, $0.element.1, "\(path)[\($0.offset)]") }
        case (let o as String, let t as String):
            return o == t ? [] : ["\(path): ours \(o.debugDescription), SDK \(t.debugDescription)"]
        case (let o as Bool, let t as NSNumber):
            return o == t.boolValue ? [] : ["\(path): ours \(o), SDK \(t)"]
        case (let o as any BinaryInteger, let t as NSNumber):
            return Int64(o) == t.int64Value ? [] : ["\(path): ours \(o), SDK \(t)"]
        default:
            return ["\(path): ours \(String(describing: ours)), SDK \(String(describing: theirs!))"]
        }
    }

    private static func unwrap(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first.map { unwrap($0.value) } ?? nil
    }
}
