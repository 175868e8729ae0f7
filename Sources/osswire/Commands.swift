/// Every subcommand. Add a command by writing `<Name>Command.swift` and listing it here.
func allCommands() -> [Command] {
    [
        Command(name: "presign", run: presignCommand),
        HTTPCommand.command,
        Command(name: "mock-server", run: mockServerCommand),
        BenchCommand.command,
    ]
}
