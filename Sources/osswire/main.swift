import Glibc

// The osswire command-line tool: see DESIGN.md, "The command line", for the contract.

let usage = """
    usage: osswire <command> [options]

    commands:
      demo                         the interruption scenario against an in-process mock OSS
      mock-server [options]        run the mock OSS server
      cp SRC DST [options]         copy local <-> oss://bucket/key
      mb|rb oss://bucket           make or remove a bucket
      ls oss://bucket[/prefix]     list objects
      rm|stat oss://bucket/key     delete an object, or show its metadata
      presign oss://bucket/key     print a presigned URL
      http put|get URL [options]   raw HTTP/1.1 transfer with a per-phase timing breakdown
      bench [options]              transport benchmarks against an in-process loopback server

    common options: --endpoint URL --region R --signature-version 1|4 --path-style --insecure
                    --cacert FILE --timeout SECONDS
    credentials: OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, OSS_SESSION_TOKEN; OSS_ENDPOINT, OSS_REGION
    """

/// One subcommand: its words and what it runs.
struct Command: Sendable {
    let name: String
    let run: @Sendable ([String]) async throws -> Int32
}

/// The commands this build has. Each lives in its own file (`<Name>Command.swift`).
let commands: [Command] = allCommands()

func dispatch(_ argv: [String]) async -> Int32 {
    guard let name = argv.first, name != "-h", name != "--help", name != "help" else {
        printLine(usage)
        return argv.isEmpty ? ExitCode.usage : ExitCode.success
    }
    guard let command = commands.first(where: { $0.name == name }) else {
        printError("osswire: unknown command '\(name)'\n\n\(usage)")
        return ExitCode.usage
    }
    do {
        return try await command.run(Array(argv.dropFirst()))
    } catch let error as UsageError {
        // `--help` on a command that has no help of its own: the general usage, not an error.
        if argv.contains("--help") || argv.contains("-h") {
            printLine(usage)
            return ExitCode.success
        }
        printError("osswire \(name): \(error.description)\n\n\(usage)")
        return ExitCode.usage
    } catch {
        printError("osswire \(name): \(error)")
        return ExitCode.failure
    }
}

// SIGPIPE is never raised by the library (MSG_NOSIGNAL); ignoring it here also covers stdout
// closed by a pipe reader.
signal(SIGPIPE, SIG_IGN)
let status = await dispatch(Array(CommandLine.arguments.dropFirst()))
exit(status)
