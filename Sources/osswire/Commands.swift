/// Every subcommand. Add a command by writing `<Name>Command.swift` and listing it here.
func allCommands() -> [Command] {
    [
        Command(name: "presign", run: presignCommand),
        HTTPCommand.command,
        Command(name: "mock-server", run: mockServerCommand),
        BenchCommand.command,
        Command(name: "ls", run: lsCommand),
        Command(name: "stat", run: statCommand),
        Command(name: "rm", run: rmCommand),
        Command(name: "cp", run: cpCommand),
        Command(name: "demo", run: demoCommand),
        Command(name: "mb", run: mbCommand),
        Command(name: "rb", run: rbCommand),
    ]
}
