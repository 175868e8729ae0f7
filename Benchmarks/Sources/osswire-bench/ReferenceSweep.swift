import Foundation

/// `reference sweep`: what decides the loopback PUT speed that DESIGN.md saw move with the key's
/// length. The C raw write loop (`refclient put`) uploads `--bytes` to the C server with every
/// request-head length in a 64-byte span (key lengths 1...64, so the body starts at every offset
/// modulo 64 in the TCP stream), in three placements: the server pinned to CPU 0 and the client
/// pinned to the same CPU, to the other CPU, or left to the scheduler; each round visits the
/// lengths in another order, so that a slow spell of the shared machine falls on different ones. Then ours, curl and the raw
/// loop side by side in the two pinned placements (one key). `taskset` (util-linux) pins.
extension ReferenceBenchmark {
    func sweep(serverBinary: String, clientBinary: String) throws {
        let bytes = self.bytes
        let file = try Scratch.file(size: bytes)
        let server = try Server(binary: serverBinary, file: "/dev/null", tls: nil, cpu: 0)
        defer { server.stop() }
        let placements: [(name: String, cpu: Int?)] = [("client on the server's CPU", 0), ("client on the other CPU", 1),
                                                        ("client unpinned", nil)]
        func pinned(_ cpu: Int?, _ executable: String, _ arguments: [String]) -> (String, [String]) {
            guard let cpu else { return (executable, arguments) }
            return ("/usr/bin/taskset", ["-c", "\(cpu)", executable] + arguments)
        }
        func headLength(key: Int) -> Int {
            "PUT /bench/\(String(repeating: "k", count: key)) HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\nContent-Length: \(bytes)\r\n\r\n"
                .utf8.count
        }
        let keys = Array(1...64)
        // rates[placement][key] = GB/s samples
        var rates = [[Int: [Double]]](repeating: [:], count: placements.count)
        for round in 0..<rounds {
            // Each round visits the key lengths in a different order (a stride through 1...64),
            // so a head length is not tied to a moment of the run (the machine's load moves).
            for step in 0..<keys.count {
                let key = keys[(step * 37 + round * 23) % keys.count]
                for (i, placement) in placements.enumerated() {
                    let (exe, args) = pinned(
                        placement.cpu, clientBinary,
                        ["put", "\(server.port)", "/bench/" + String(repeating: "k", count: key), "\(bytes)"])
                    let seconds = try Self.timed(exe, args)
                    rates[i][key, default: []].append(Double(bytes) / seconds / 1e9)
                }
            }
        }
        print("C raw write loop, \(bytes) bytes, server pinned to CPU 0, request heads of \(headLength(key: 1))...\(headLength(key: 64)) bytes (key lengths 1...64), \(rounds) rounds; GB/s:")
        print("  head length mod 64      " + placements.map { $0.name.padding(toLength: 28, withPad: " ", startingAt: 0) }.joined())
        for start in stride(from: 0, to: 64, by: 8) {
            var cells: [String] = []
            for i in placements.indices {
                let samples = keys.filter { (headLength(key: $0) % 64) / 8 == start / 8 }.flatMap { rates[i][$0]! }
                cells.append(Stats.fixed(Stats.median(samples)).padding(toLength: 28, withPad: " ", startingAt: 0))
            }
            print("  \(String(start).padding(toLength: 2, withPad: " ", startingAt: 0))...\(String(start + 7).padding(toLength: 19, withPad: " ", startingAt: 0))" + cells.joined())
        }
        for (i, placement) in placements.enumerated() {
            let perKey = keys.map { Stats.median(rates[i][$0]!) }
            let all = keys.flatMap { rates[i][$0]! }
            Stats.line(
                placement.name,
                "median " + Stats.fixed(Stats.median(all)) + " GB/s; per head length " + Stats.fixed(perKey.min()!) + "..."
                    + Stats.fixed(perKey.max()!) + "; samples below 3 GB/s: \(all.filter { $0 < 3 }.count) of \(all.count)")
        }

        // The clients side by side, pinned.
        let key = "kk"
        let url = server.endpoint + "/bench/" + key
        let common = ["--endpoint", server.endpoint, "--region", "cn-hangzhou", "--part-size", "\(max(bytes, 1 << 20))"]
        var side: [String: [Int: [Double]]] = [:]
        for _ in 0..<rounds {
            for cpu in [0, 1] {
                let steps: [(String, (String, [String]), [String: String]?)] = [
                    ("C raw write loop", pinned(cpu, clientBinary, ["put", "\(server.port)", "/bench/" + key, "\(bytes)"]), nil),
                    ("curl -T", pinned(cpu, "/usr/bin/curl", ["-s", "-S", "-f", "-o", "/dev/null", "-T", file, url]), nil),
                    ("osswire cp (PutObject)", pinned(cpu, osswire, ["cp", file, "oss://bench/" + key] + common), environment),
                ]
                for (name, command, env) in steps {
                    let seconds = try Self.timed(command.0, command.1, environment: env)
                    side[name, default: [:]][cpu, default: []].append(Double(bytes) / seconds / 1e9)
                }
            }
        }
        print("the clients pinned (every thread of ours on that CPU), key '\(key)', medians of \(rounds), GB/s:")
        for name in side.keys.sorted() {
            Stats.line(
                name,
                "server's CPU " + Stats.fixed(Stats.median(side[name]![0]!)) + "   other CPU "
                    + Stats.fixed(Stats.median(side[name]![1]!)))
        }
        let ours = side["osswire cp (PutObject)"]!, curl = side["curl -T"]!
        for cpu in [0, 1] {
            Stats.line(
                "ours / curl -T, " + (cpu == 0 ? "server's CPU" : "other CPU"),
                Stats.fixed(Stats.median(ours[cpu]!) / Stats.median(curl[cpu]!)) + "x")
        }
    }
}
