import Foundation
import OSSTestSupport
import Testing

/// The child-process wrapper every CLI test runs `osswire` through.
@Suite("SpawnedProcess: a child's output collected")
struct SpawnedProcessTests {
    @Test("a child that writes more than a pipe holds to standard error before standard output finishes with both whole")
    func bothPipesReadTogether() throws {
        // 300,000 bytes to standard error first, then 300,000 to standard output: read one pipe
        // after the other, the child would stop at the stderr pipe's 64 KiB and never exit.
        let script = "head -c 300000 /dev/zero | tr '\\0' e >&2; head -c 300000 /dev/zero | tr '\\0' o"
        let child = try SpawnedProcess("/bin/sh", ["-c", script], environment: ["PATH": "/usr/bin:/bin"])
        let (status, output, error) = child.finish()
        #expect(status == 0)
        #expect(output.count == 300_000 && output.allSatisfy { $0 == UInt8(ascii: "o") }, "standard output: \(output.count) bytes")
        #expect(error.count == 300_000 && error.allSatisfy { $0 == UInt8(ascii: "e") }, "standard error: \(error.count) bytes")
    }

    @Test("finished(), awaited from two tasks at once, collects each child's two pipes whole")
    func finishedCollectsBothPipes() async throws {
        // The same child as above, two of them, as CpProcessTests' `OSSWireProcess.wait()` awaits
        // them (each read on a thread of its own, the cooperative pool left free).
        let script = "head -c 300000 /dev/zero | tr '\\0' e >&2; head -c 300000 /dev/zero | tr '\\0' o"
        let children = try (0..<2).map { _ in
            try SpawnedProcess("/bin/sh", ["-c", script], environment: ["PATH": "/usr/bin:/bin"])
        }
        let results = await withTaskGroup(of: (Int32, Data, Data).self) { group in
            for child in children { group.addTask { await child.finished() } }
            var all: [(Int32, Data, Data)] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(results.count == 2)
        for (status, output, error) in results {
            #expect(status == 0)
            #expect(output.count == 300_000 && output.allSatisfy { $0 == UInt8(ascii: "o") }, "standard output: \(output.count) bytes")
            #expect(error.count == 300_000 && error.allSatisfy { $0 == UInt8(ascii: "e") }, "standard error: \(error.count) bytes")
        }
    }
}
