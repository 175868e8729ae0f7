import Foundation
import OSSMockServer
import OSSTestSupport
import Testing

/// Help where a user looks: `osswire CMD --help` for every command, `--version`, and usage
/// errors of one line with a hint.
// Serialized: its cases start some 200 short osswire processes; one at a time is enough, and
// spares the machine a burst of them beside the socket suites.
@Suite("osswire help, version and usage errors", .serialized)
struct HelpTests {
    /// What each command's parser accepts (besides --help), as a user would type it.
    static let common = [
        "--endpoint", "--region", "--signature-version", "--path-style", "--insecure", "--cacert", "--timeout", "--json",
    ]
    static let accepted: [String: [String]] = [
        "cp": common + [
            "--part-size", "--jobs", "--checkpoint-dir", "--version-id", "--copy-threshold", "--content-type", "--meta",
            "--storage-class", "--acl", "--tagging", "--sse", "--sse-kms-key-id", "--cache-control", "--content-disposition",
        ],
        "ls": common + ["--delimiter", "--max-keys", "--versions", "--bucket-tag"],
        "stat": common + ["--version-id"],
        "rm": common + ["--version-id"],
        "mb": common + ["--acl", "--storage-class"],
        "rb": common,
        "bucket": common + ["--tag", "--sse", "--kms-key-id", "--target-bucket", "--target-prefix"],
        "uploads": common + ["--upload-id", "--all", "--older-than"],
        "presign": common + [
            "--method", "--expires", "--at", "--content-length-range", "--content-type", "--success-action-status", "--meta",
        ],
        "tag": common,
        "acl": common,
        "symlink": common,
        "restore": common + ["--days", "--tier", "--clean"],
        "http": ["--file", "--output", "--json", "--insecure", "--cacert", "--timeout"],
        "demo": [],
        "mock-server": [
            "--host", "--port", "--data-dir", "--spill-threshold", "--bucket", "--access-key-id", "--access-key-secret",
            "--security-token", "--region", "--allow-anonymous", "--discard-bodies", "--virtual-host-domain",
            "--restore-delay",
        ] + MockFaults.valueOptionNames.union(MockFaults.flagOptionNames).sorted().map { "--" + $0 },
    ]

    @Test("every command's --help exits 0 and lists every option the command accepts", arguments: accepted.keys.sorted())
    func helpListsEveryOption(command: String) async throws {
        let r = try await osswire([command, "--help"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("usage: osswire \(command)"), "\(r.stdout)")
        for option in Self.accepted[command]! {
            #expect(
                r.stdout.range(of: option + "(?![a-z0-9-])", options: .regularExpression) != nil,
                "osswire \(command) --help does not list \(option)")
        }
        #expect(try await osswire(["help", command]).stdout == r.stdout)
        #expect(try await osswire([command, "-h"]).stdout == r.stdout)
    }

    @Test("every option a command's help lists is one its parser accepts", arguments: accepted.keys.sorted())
    func helpListsOnlyRealOptions(command: String) async throws {
        let help = try await osswire([command, "--help"]).stdout
        let listed = Set(
            help.matches(of: /(?:^|[^\w-])(--[a-z0-9][a-z0-9-]*)/).map { String($0.output.1) }
        ).subtracting(["--help"])
        #expect(!listed.isEmpty || command == "demo")
        for option in listed {
            // An inline value keeps a value option from eating the next word; the unknown option
            // after it makes sure nothing runs.
            let r = try await osswire([command, option + "=x", "--zz-not-an-option"])
            #expect(r.status == 2)
            #expect(!r.stderr.contains("unknown option \(option)"), "\(command) --help lists \(option): \(r.stderr)")
        }
    }

    @Test("the general usage names every command and where to look next")
    func generalUsage() async throws {
        let r = try await osswire(["--help"])
        #expect(r.status == 0)
        for command in Self.accepted.keys.sorted() + ["bench"] {
            #expect(r.stdout.contains("\n  \(command) "), "missing \(command)")
        }
        #expect(r.stdout.contains("--version"))
        let bare = try await osswire([])
        #expect(bare.status == 2 && bare.stdout.isEmpty && bare.stderr.contains("usage: osswire"))
    }

    @Test("a usage error is one line and a hint to the command's --help, on standard error, exit 2")
    func usageErrorIsOneLine() async throws {
        for (args, first) in [
            (["cp", "--bogus"], "osswire cp: unknown option --bogus"),
            (["cp", "a"], "osswire cp: cp takes SRC and DST"),
            (["ls", "--max-keys"], "osswire ls: option --max-keys needs a value"),
            (["uploads", "abort", "oss://b/k"], "osswire uploads: uploads abort takes --upload-id ID or --all"),
        ] {
            let r = try await osswire(args)
            #expect(r.status == 2, "\(args)")
            #expect(r.stdout.isEmpty, "\(args)")
            #expect(r.stderrLines.count == 2, "\(args): \(r.stderr)")
            #expect(r.stderrLines.first?.hasPrefix(first) == true, "\(args): \(r.stderr)")
            #expect(r.stderrLines.last == "Try 'osswire \(args[0]) --help'.", "\(args): \(r.stderr)")
        }
        let unknown = try await osswire(["copy", "a", "b"])
        #expect(unknown.status == 2)
        #expect(unknown.stderrLines == ["osswire: unknown command 'copy'", "Try 'osswire --help'."])
    }

    @Test("--version prints the version, a commit of this repository and the OpenSSL it runs with")
    func version() async throws {
        let r = try await osswire(["--version"])
        #expect(r.status == 0)
        let match = try #require(
            r.stdout.wholeMatch(of: /osswire (\d+\.\d+\.\d+) \(commit ([0-9a-f]{12}|unknown), (OpenSSL \d+\.\d+\.\d+[^)]*)\)\n/),
            "\(r.stdout)")
        let commit = String(match.output.2)
        if FileManager.default.fileExists(atPath: repositoryRoot.appendingPathComponent(".git").path),
            let git = Shell.which("git")
        {
            // Built from this checkout: the commit is one of its own.
            #expect(commit != "unknown")
            #expect(throws: Never.self) { try Shell.run(git, ["-C", repositoryRoot.path, "cat-file", "-e", commit + "^{commit}"]) }
        }
        if let openssl = Shell.which("openssl") {
            // `openssl version` names the library it loaded: the same one.
            let library = try Shell.run(openssl, ["version"])
            let ours = String(match.output.3).split(separator: " ").prefix(2).joined(separator: " ")
            #expect(library.contains(ours), "\(library) vs \(ours)")
        }
        #expect(try await osswire(["version"]).stdout == r.stdout)
    }
}
