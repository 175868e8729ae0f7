/// Every subcommand, in the order the general usage lists them. Add a command by writing
/// `<Name>Command.swift`, its help in `Help.swift`, and listing it here.
func allCommands() -> [Command] {
    [
        Command(name: "demo", summary: "the interruption scenario against an in-process mock OSS", help: Help.demo, run: demoCommand),
        Command(name: "mock-server", summary: "run the mock OSS server (fault injection, admin endpoint)", help: Help.mockServer, run: mockServerCommand),
        Command(name: "cp", summary: "copy local <-> oss://bucket/key, or between two objects", help: Help.cp, run: cpCommand),
        Command(name: "ls", summary: "list the objects under oss://bucket[/prefix], or the buckets", help: Help.ls, run: lsCommand),
        Command(name: "stat", summary: "show an object's metadata", help: Help.stat, run: statCommand),
        Command(name: "rm", summary: "delete objects", help: Help.rm, run: rmCommand),
        Command(name: "mb", summary: "make a bucket", help: Help.mb, run: mbCommand),
        Command(name: "rb", summary: "remove an empty bucket", help: Help.rb, run: rbCommand),
        Command(name: "bucket", summary: "a bucket's info, stat, and configurations (cors, lifecycle, policy, ...)", help: Help.bucket, run: bucketCommand),
        Command(name: "tag", summary: "show, set or remove an object's tags", help: Help.tag, run: tagCommand),
        Command(name: "acl", summary: "show or set a bucket's or an object's ACL", help: Help.acl, run: aclCommand),
        Command(name: "symlink", summary: "make a symlink, or show where one points", help: Help.symlink, run: symlinkCommand),
        Command(name: "restore", summary: "restore an archived object (or clean its restored copy)", help: Help.restore, run: restoreCommand),
        Command(name: "uploads", summary: "list or abort unfinished multipart uploads", help: Help.uploads, run: uploadsCommand),
        Command(name: "presign", summary: "print a presigned URL", help: Help.presign, run: presignCommand),
        Command(name: "http", summary: "one raw HTTP/1.1 transfer with a per-phase timing breakdown", help: Help.http, run: HTTPCommand.command.run),
        // bench prints its own usage for --help (`bench loopback --help` is the self-benchmark's).
        Command(name: "bench", summary: "benchmark an OSS endpoint (put, get, ..., compare, merge, loopback)", run: BenchCommand.command.run),
    ]
}
