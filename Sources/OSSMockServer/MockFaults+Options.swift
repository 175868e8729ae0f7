import OSSCore

/// The faults' names as the command line (`--name value`) and the admin endpoint
/// (`?name=value`) spell them.
extension MockFaults {
    /// Option names that take a value.
    public static let valueOptionNames: Set<String> = [
        "max-recv-rate", "max-send-rate", "stall-after-bytes", "reset-after-bytes", "response-delay-ms", "fail", "clock-skew",
        "forbidden-after-bytes", "reset-every", "fault-operation", "fault-times",
    ]
    /// Option names that are switches.
    public static let flagOptionNames: Set<String> = [
        "wrong-crc64", "close-after-headers", "connection-close", "truncate-response", "garbage-response",
    ]

    /// Sets one fault from its option name and value (`nil` for a switch).
    /// - Throws: `MockFaultOptionError` for an unknown name or a bad value.
    public mutating func apply(option name: String, value: String?) throws(MockFaultOptionError) {
        func count() throws(MockFaultOptionError) -> Int64 {
            guard let v = value, let n = Int64(v), n >= 0 else {
                throw MockFaultOptionError("\(name) takes a non-negative whole number, not \(value ?? "nothing")")
            }
            return n
        }
        func flag() throws(MockFaultOptionError) -> Bool {
            switch value?.lowercased() {
            case nil, "", "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default: throw MockFaultOptionError("\(name) takes true or false, not \(value!)")
            }
        }
        switch name {
        case "max-recv-rate":
            let n = try count()
            maxReceiveRate = n == 0 ? nil : Int(n)
        case "max-send-rate":
            let n = try count()
            maxSendRate = n == 0 ? nil : Int(n)
        case "stall-after-bytes": stallAfterBodyBytes = try count()
        case "reset-after-bytes": resetAfterBodyBytes = try count()
        case "response-delay-ms":
            let n = try count()
            responseDelay = n == 0 ? nil : .milliseconds(n)
        case "fail":
            guard let v = value, let rule = MockErrorRule(spec: v) else {
                throw MockFaultOptionError("fail takes OPERATION:NTH:STATUS:CODE[:COUNT], not \(value ?? "nothing")")
            }
            errorRules.append(rule)
        case "clock-skew":
            guard let v = value, let n = Int64(v) else { throw MockFaultOptionError("clock-skew takes seconds, not \(value ?? "nothing")") }
            clockSkewSeconds = n
        case "wrong-crc64": wrongCRC64 = try flag()
        case "close-after-headers": closeAfterHeaders = try flag()
        case "connection-close": connectionClose = try flag()
        case "forbidden-after-bytes": forbiddenAfterBodyBytes = try count()
        case "truncate-response": truncateResponse = try flag()
        case "garbage-response": garbageResponse = try flag()
        case "reset-every":
            let n = try count()
            resetEveryNthRequest = n == 0 ? nil : Int(n)
        case "fault-operation":
            guard let v = value, !v.isEmpty else { throw MockFaultOptionError("fault-operation takes an operation name") }
            faultOperation = v
        case "fault-times":
            let n = try count()
            faultTimes = Int(n)
        default: throw MockFaultOptionError("unknown fault \(name)")
        }
    }

    /// The faults as a JSON object (the admin endpoint's answer).
    public var json: String {
        var items: [String] = []
        if let v = maxReceiveRate { items.append("\"max-recv-rate\":\(v)") }
        if let v = maxSendRate { items.append("\"max-send-rate\":\(v)") }
        if let v = stallAfterBodyBytes { items.append("\"stall-after-bytes\":\(v)") }
        if let v = resetAfterBodyBytes { items.append("\"reset-after-bytes\":\(v)") }
        if let v = responseDelay {
            let ms = v.components.seconds * 1000 + v.components.attoseconds / 1_000_000_000_000_000
            items.append("\"response-delay-ms\":\(ms)")
        }
        if !errorRules.isEmpty {
            let rules = errorRules.map { "\"\(JSONString.escaped("\($0.operation):\($0.nth):\($0.status):\($0.code):\($0.count)"))\"" }
            items.append("\"fail\":[\(rules.joined(separator: ","))]")
        }
        if clockSkewSeconds != 0 { items.append("\"clock-skew\":\(clockSkewSeconds)") }
        if wrongCRC64 { items.append("\"wrong-crc64\":true") }
        if closeAfterHeaders { items.append("\"close-after-headers\":true") }
        if connectionClose { items.append("\"connection-close\":true") }
        if let v = forbiddenAfterBodyBytes { items.append("\"forbidden-after-bytes\":\(v)") }
        if truncateResponse { items.append("\"truncate-response\":true") }
        if garbageResponse { items.append("\"garbage-response\":true") }
        if let v = resetEveryNthRequest { items.append("\"reset-every\":\(v)") }
        if let v = faultOperation { items.append("\"fault-operation\":\(JSONString.optional(v))") }
        if let v = faultTimes { items.append("\"fault-times\":\(v)") }
        return "{" + items.joined(separator: ",") + "}"
    }
}

/// A fault option that could not be understood.
public struct MockFaultOptionError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension MockRequestLogEntry {
    /// The entry as a JSON object.
    public var json: String {
        "{\"seq\":\(sequence),\"method\":\(JSONString.optional(method)),\"operation\":\(JSONString.optional(operation)),"
            + "\"bucket\":\(JSONString.optional(bucket)),\"key\":\(JSONString.optional(key)),"
            + "\"query\":\(JSONString.optional(query)),"
            + "\"part_number\":\(partNumber.map(String.init) ?? "null"),\"upload_id\":\(JSONString.optional(uploadId)),"
            + "\"bytes_received\":\(bytesReceived),\"body_completed\":\(bodyCompleted),"
            + "\"client_closed_mid_body\":\(clientClosedMidBody),\"status\":\(status),"
            + "\"error_code\":\(JSONString.optional(errorCode)),\"request_id\":\(JSONString.optional(requestId))}"
    }
}
