import Foundation
import OSSTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A test run that crashes runs no `NginxServer.stop()`: its nginx servers outlive it, holding
/// their ports. The next run kills them before it starts its own.
@Suite("nginx servers a crashed run left behind")
struct NginxOrphanTests {
    @Test("an orphan of a dead test process is killed and its directory removed; a live owner's is left alone")
    func orphansOfDeadRunsAreReaped() throws {
        // A directory of the test's own: the once-per-run sweep of an NginxServer started by a
        // test running beside this one looks in the temporary directory itself, and would reap
        // the stand-in below (as it must: it is an orphan by every sign) before this test can.
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent(
            "osswire-reaptest-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: parent) }  // with every directory made in it
        let temporary = parent.path
        // A test process that is gone: a pid with no process (searched down from the top of
        // the pid range, where none has been handed out yet on a machine up for hours).
        var dead = Int32((try? String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 32768) - 1
        while kill(dead, 0) == 0 || errno != ESRCH { dead -= 1 }
        let orphanDir = temporary + "/osswire-nginx-\(dead)-REAPTEST"
        try FileManager.default.createDirectory(atPath: orphanDir, withIntermediateDirectories: true)
        // The stand-in for its nginx: a process whose command line names the directory, as
        // nginx's `-p DIR` does, and whose pid is in DIR/nginx.pid.
        let orphan = try SpawnedProcess(
            "/bin/sh", ["-c", "while :; do sleep 1; done", orphanDir], environment: [:], output: .null, errors: .null)
        try "\(orphan.processIdentifier)\n".write(toFile: orphanDir + "/nginx.pid", atomically: true, encoding: .utf8)
        // A directory of this (live) process: never touched.
        let liveDir = temporary + "/osswire-nginx-\(getpid())-REAPTEST"
        try FileManager.default.createDirectory(atPath: liveDir, withIntermediateDirectories: true)

        let killed = NginxServer.reapOrphans(in: parent)
        #expect(killed >= 1)
        // The orphan ends (the reaper's SIGKILL); waited for only once it was sent.
        if killed >= 1 { orphan.waitUntilExit() }
        #expect(!FileManager.default.fileExists(atPath: orphanDir))
        #expect(FileManager.default.fileExists(atPath: liveDir))
    }
}
