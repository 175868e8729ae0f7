import Foundation

/// Child processes (curl, openssl): run to completion, output discarded.
enum Processes {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw Failure(
                description:
                    "\(executable) \(arguments.prefix(3).joined(separator: " ")) ... exited \(process.terminationStatus)"
            )
        }
    }
}
