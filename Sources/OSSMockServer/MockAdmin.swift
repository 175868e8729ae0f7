import OSSCore

/// The admin endpoint, for scripts: `/_mock/...` on the server's own port, answered only on
/// path-style requests (no bucket may be named `_mock`).
///
/// - `GET /_mock/log` — the request log, a JSON array (oldest first); `DELETE` clears it.
/// - `GET /_mock/faults` — the faults in force, a JSON object.
/// - `PUT|POST /_mock/faults?name=value&...` — replaces the faults with those given (the names of
///   `osswire mock-server`'s fault flags: `max-recv-rate`, `stall-after-bytes`, `reset-after-bytes`,
///   `response-delay-ms`, `fail=OP:NTH:STATUS:CODE`, `clock-skew`, `wrong-crc64`,
///   `close-after-headers`, `connection-close`, `forbidden-after-bytes`, `truncate-response`,
///   `garbage-response`, `reset-every`, `fault-operation`, `fault-times`, `max-send-rate`); `DELETE`
///   goes back to the faults the server was started with (its command-line fault flags).
/// - `GET /_mock/health` — `ok`.
enum MockAdmin {
    static func handle(_ service: MockOSS, _ r: MockRequest) -> MockResponse {
        let what = r.key ?? ""
        func json(_ text: String, _ status: Int = 200) -> MockResponse {
            MockResponse(status: status, headers: [("Content-Type", "application/json")], body: .bytes(Array((text + "\n").utf8)))
        }
        switch (r.method, what) {
        case ("GET", "health"):
            return MockResponse(status: 200, headers: [("Content-Type", "text/plain")], body: .bytes(Array("ok\n".utf8)))
        case ("GET", "log"):
            return json("[" + service.requestLog.map(\.json).joined(separator: ",\n") + "]")
        case ("DELETE", "log"):
            service.clearRequestLog()
            return MockResponse(status: 204)
        case ("GET", "faults"):
            return json(service.faults.json)
        case ("DELETE", "faults"):
            service.setFaults(service.configuration.faults)
            return MockResponse(status: 204)
        case ("PUT", "faults"), ("POST", "faults"):
            var f = MockFaults()
            do {
                for q in r.query { try f.apply(option: q.name, value: q.value) }
            } catch {
                return json("{\"error\":\(JSONString.optional(error.description))}", 400)
            }
            service.setFaults(f)
            return json(f.json)
        default:
            return json("{\"error\":\"unknown admin request \(JSONString.escaped(r.method)) /_mock/\(JSONString.escaped(what))\"}", 404)
        }
    }
}
