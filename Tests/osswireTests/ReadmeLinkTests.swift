import Foundation
import OSSTestSupport
import Testing

@Suite("README.md")
struct ReadmeLinkTests {
    @Test("every relative link in README.md and docs/ names a file in the repository")
    func linksStayInTheRepository() throws {
        var documents = [repositoryRoot.appendingPathComponent("README.md")]
        let docs = repositoryRoot.appendingPathComponent("docs")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: docs.path)) ?? [] where name.hasSuffix(".md") {
            documents.append(docs.appendingPathComponent(name))
        }
        var checked = 0
        for document in documents {
            let text = try String(contentsOf: document, encoding: .utf8)
            for match in text.matches(of: /\]\(([^)\s]+)\)/) {
                let target = String(match.output.1)
                if target.hasPrefix("http://") || target.hasPrefix("https://") || target.hasPrefix("#") { continue }
                let path = String(target.split(separator: "#", maxSplits: 1)[0])
                let resolved = document.deletingLastPathComponent().appendingPathComponent(path).standardizedFileURL
                #expect(
                    resolved.path.hasPrefix(repositoryRoot.standardizedFileURL.path + "/"),
                    "\(document.lastPathComponent) links outside the repository: \(target)")
                #expect(
                    FileManager.default.fileExists(atPath: resolved.path),
                    "\(document.lastPathComponent) links to a missing file: \(target)")
                checked += 1
            }
        }
        #expect(checked > 0, "README.md has links to check")
    }
}

@Suite("Skipped suites are said")
struct SkipNoticeTests {
    @Test("one line names the skipped suites and why")
    func line() {
        #expect(
            SkipNotice.line(suites: ["TLS against nginx", "HTTPClient against nginx"], reason: "nginx is not installed")
                == "osswire tests: skipped 2 suites (\"HTTPClient against nginx\", \"TLS against nginx\"): nginx is not installed")
        // With nginx installed (as here), nothing is skipped, so nothing is said.
        if NginxServer.binary != nil {
            #expect(NginxServer.available(for: "a suite"))
            #expect(SkipNotice.lines().isEmpty)
        }
    }
}
