import Glibc

// The osswire command-line tool: see docs/CLI.md (and DESIGN.md, "The command line") for the
// contract.

/// One subcommand: its name, a one-line summary for the general usage, its own `--help` text
/// (`nil`: the command prints its own), and what it runs.
struct Command: Sendable {
    let name: String
    var summary: String = ""
    var help: String? = nil
    let run: @Sendable ([String]) async throws -> Int32
}

/// The commands this build has. Each lives in its own file (`<Name>Command.swift`).
let commands: [Command] = allCommands()

/// The general usage: every command with its summary, then where to look next.
func generalUsage() -> String {
    var lines = ["usage: osswire <command> [options]", "", "commands:"]
    for c in commands {
        lines.append("  " + c.name.padding(12) + c.summary)
    }
    lines += [
        "",
        "`osswire <command> --help` lists a command's options; `osswire --version` prints the version.",
        "exit status: 0 done, 1 failed, 2 usage or configuration mistake, 130 SIGINT, 143 SIGTERM",
    ]
    return lines.joined(separator: "\n")
}

/// Whether `args` ask for help (`--help` or `-h` before any `--`).
func asksForHelp(_ args: some Sequence<String>) -> Bool {
    for a in args {
        if a == "--" { return false }
        if a == "--help" || a == "-h" { return true }
    }
    return false
}

/// `@concurrent`: the commands run on the cooperative pool, not on the main actor of this file's top level.
@concurrent func dispatch(_ argv: [String]) async -> Int32 {
    guard let name = argv.first else {
        printError(generalUsage())
        return ExitCode.usage
    }
    switch name {
    case "--version", "-V", "version":
        printLine(Version.text)
        return ExitCode.success
    case "--help", "-h", "help":
        if argv.count > 1, let command = commands.first(where: { $0.name == argv[1] }) {
            if let help = command.help {
                printLine(help)
                return ExitCode.success
            }
            return await dispatch([command.name, "--help"])
        }
        printLine(generalUsage())
        return ExitCode.success
    default:
        break
    }
    guard let command = commands.first(where: { $0.name == name }) else {
        printError("osswire: unknown command '\(name)'")
        printError("Try 'osswire --help'.")
        return ExitCode.usage
    }
    let args = Array(argv.dropFirst())
    if let help = command.help, asksForHelp(args) {
        printLine(help)
        return ExitCode.success
    }
    do {
        return try await command.run(args)
    } catch {
        let json = args.prefix(while: { $0 != "--" }).contains("--json")
        FailureReport(error).print(command: name, json: json)
        return FailureReport(error).status
    }
}

extension String {
    /// The string padded with spaces to `width` characters (never cut).
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}

// SIGPIPE is never raised by the library (MSG_NOSIGNAL); ignoring it here also covers stdout
// closed by a pipe reader.
signal(SIGPIPE, SIG_IGN)
// SIGINT and SIGTERM: a transfer pauses; any other command exits 130 or 143 at once.
Signals.install()
var status = await dispatch(Array(CommandLine.arguments.dropFirst()))
if status != ExitCode.success, Signals.received != nil {
    // A command cut short by SIGINT or SIGTERM ends as interrupted, once the signal's own
    // action (a pause, a clean-up) is done.
    Signals.settle()
    status = Signals.exitStatus
}
exit(status)
