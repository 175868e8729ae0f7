// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for OSSWire's parsers. A separate package so that the sanitizer build never
// touches the main one; build and run with ./run.sh (see docs/FUZZING.md).
//
// Every target is one executable that feeds libFuzzer's bytes to one parser. They are built with
// `-sanitize=fuzzer,address`; SwiftPM points `main` at `<Target>_main`, so each target's `@main`
// hands its command line to libFuzzer's `LLVMFuzzerRunDriver` (declared by CFuzzDriver), which
// links only with that flag.

let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
    ("FuzzXMLReader", ["CFuzzDriver", "XMLFuzzChecks"]),
    ("FuzzModels", ["CFuzzDriver", "XMLFuzzChecks"]),
    ("FuzzHTTPResponseParser", ["CFuzzDriver", "HTTPFuzzChecks"]),
    ("FuzzHTTPRequestParser", ["CFuzzDriver", "HTTPFuzzChecks"]),
    ("FuzzChunkedDecoder", ["CFuzzDriver", "HTTPFuzzChecks"]),
]

let package = Package(
    name: "OSSWireFuzz",
    dependencies: [.package(name: "OSSWire", path: "../")],
    targets: [
        .target(name: "CFuzzDriver"),
        // The checks of the HTTP and the XML targets: libraries of their own, each one file that
        // the main package's test targets link to and compile, to replay saved crash inputs.
        .target(
            name: "HTTPFuzzChecks",
            dependencies: [.product(name: "OSSWire", package: "OSSWire")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "XMLFuzzChecks",
            dependencies: [.product(name: "OSSWire", package: "OSSWire")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
        + fuzzTargets.map { target in
            .executableTarget(
                name: target.name,
                dependencies: target.dependencies,
                swiftSettings: [.swiftLanguageMode(.v6), .unsafeFlags(["-parse-as-library"])]
            )
        }
)
