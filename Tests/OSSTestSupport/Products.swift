import Foundation

/// Where the products of the running build are: the directory of the test executable itself,
/// so a build in any scratch path (`.build`, `.build-tsan`, `.build-asan`) tests its own binaries.
public enum Products {
    /// The products directory (`<scratch>/<triple>/debug`).
    public static var directory: URL {
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent()
    }

    /// The `osswire` binary of this build (`swift build --build-tests` builds it).
    public static var osswire: URL { directory.appendingPathComponent("osswire") }
}

extension Products {
    /// The sanitizer settings of this process (`TSAN_OPTIONS`, `ASAN_OPTIONS`, ...), for a child
    /// started with a clean environment: an instrumented `osswire` then writes its reports where
    /// scripts/sanitize.sh looks for them. Empty outside a sanitizer run.
    public static var sanitizerEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { $0.key.hasSuffix("SAN_OPTIONS") }
    }
}
