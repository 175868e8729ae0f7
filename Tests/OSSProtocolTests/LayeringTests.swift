import Foundation
import Testing

/// The layers of docs/ARCHITECTURE.md, read from the sources: every module imports only the
/// modules below it. In particular the mock server stands beside the client, on OSSProtocol,
/// and never imports it.
@Suite struct LayeringTests {
    /// What each module under Sources/ may import (besides the system and the standard library).
    static let allowed: [String: Set<String>] = [
        "OSSCore": ["CLinuxShims"],
        "OSSCrypto": ["OSSCore", "COpenSSL"],
        "OSSTransport": ["OSSCore", "OSSCrypto", "COpenSSL", "CLinuxShims"],
        "OSSHTTP": ["OSSCore"],
        "OSSXML": ["OSSCore"],
        "OSSProtocol": ["OSSCore", "OSSXML"],
        "OSSSigner": ["OSSCore", "OSSCrypto", "OSSProtocol"],
        "OSSClient": ["OSSCore", "OSSCrypto", "OSSTransport", "OSSHTTP", "OSSXML", "OSSProtocol", "OSSSigner"],
        "OSSTransfer": ["OSSCore", "OSSProtocol", "OSSClient"],
        "OSSMockServer": ["OSSCore", "OSSCrypto", "OSSTransport", "OSSHTTP", "OSSXML", "OSSProtocol", "OSSSigner"],
        "osswire": [
            "OSSCore", "OSSTransport", "OSSHTTP", "OSSProtocol", "OSSSigner", "OSSClient", "OSSTransfer", "OSSMockServer",
        ],
    ]
    static let system: Set<String> = ["Glibc", "Synchronization", "_Concurrency"]

    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// `(module, file, text)` of every Swift file under Sources/.
    static func sourceFiles() throws -> [(module: String, file: String, text: String)] {
        var out: [(String, String, String)] = []
        let fm = FileManager.default
        for module in try fm.contentsOfDirectory(atPath: sources.path).sorted() {
            let dir = sources.appendingPathComponent(module)
            guard let walk = fm.enumerator(atPath: dir.path) else { continue }
            for case let file as String in walk where file.hasSuffix(".swift") {
                out.append((module, file, try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)))
            }
        }
        return out
    }

    /// `(module, file, imported module)` for every import line of every Swift file under Sources/.
    static func imports() throws -> [(module: String, file: String, imported: String)] {
        var out: [(String, String, String)] = []
        for (module, file, text) in try sourceFiles() {
            for line in text.split(separator: "\n") {
                var words = line.split(separator: " ").map(String.init)
                while let first = words.first, ["@testable", "@_exported", "@preconcurrency", "public", "package",
                    "internal", "private", "fileprivate"].contains(first) || first.hasPrefix("@_")
                {
                    words.removeFirst()
                }
                guard words.count >= 2, words[0] == "import" else { continue }
                var name = words[1]
                if ["struct", "class", "enum", "func", "var", "let", "protocol", "typealias"].contains(name) {
                    name = String(words[2].split(separator: ".").first ?? "")
                }
                out.append((module, "\(module)/\(file)", name))
            }
        }
        return out
    }

    @Test("no file under Sources/OSSMockServer imports OSSClient or OSSTransfer")
    func theMockDoesNotImportTheClient() throws {
        let found = try Self.imports().filter {
            $0.module == "OSSMockServer" && ($0.imported == "OSSClient" || $0.imported == "OSSTransfer")
        }
        #expect(found.isEmpty, "\(found.map(\.file))")
        // The check reads real files: the mock has many, and they import OSSProtocol.
        #expect(try Self.imports().contains { $0.module == "OSSMockServer" && $0.imported == "OSSProtocol" })
    }

    @Test("every import points down the layers")
    func importsPointDown() throws {
        let all = try Self.imports()
        let modules = try FileManager.default.contentsOfDirectory(atPath: Self.sources.path)
        #expect(Set(modules).isSuperset(of: Self.allowed.keys), "a module of the table is gone: update it")
        for i in all where !Self.system.contains(i.imported) {
            guard let allowed = Self.allowed[i.module] else { continue }  // C targets
            #expect(allowed.contains(i.imported), "\(i.file) imports \(i.imported)")
        }
    }

    @Test("the C modules are imported internal: no product re-exports OpenSSL or the Linux shims")
    func cModulesAreInternal() throws {
        var checked = 0
        for (module, file, text) in try Self.sourceFiles() {
            for line in text.split(separator: "\n") where line.hasSuffix("import COpenSSL") || line.hasSuffix("import CLinuxShims") {
                checked += 1
                #expect(line.hasPrefix("internal import") || line.hasPrefix("private import"), "\(module)/\(file): \(line)")
            }
        }
        #expect(checked > 5)
    }

    /// docs/SANITIZERS.md: on Linux a contended `Synchronization.Mutex` hands the lock over in
    /// the kernel (a PI futex), where ThreadSanitizer cannot see it, so every such lock reads as
    /// a race and hides real ones. Sources use OSSCore's `PThreadMutex`; `Atomic` is fine.
    @Test("no file under Sources uses Synchronization.Mutex (TSan cannot see its hand-over)")
    func noSynchronizationMutex() throws {
        let files = try Self.sourceFiles()
        for (module, file, text) in files {
            let uses = text.matches(of: /(?:^|[^A-Za-z_])Mutex\s*[<(]/).count
            #expect(uses == 0, "\(module)/\(file) uses Synchronization.Mutex: use PThreadMutex")
        }
        #expect(files.count > 100)
    }
}
