// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for OSSWire's parsers. A separate package so that the sanitizer build never
// touches the main one; build and run with ./run.sh (see docs/FUZZING.md).
//
// Every target is one executable whose `LLVMFuzzerTestOneInput` feeds libFuzzer's bytes to one
// parser. They are built with `-sanitize=fuzzer,address` (libFuzzer supplies `main`, hence
// `-parse-as-library`); built without it they only link-check.

let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
    ("FuzzXMLReader", ["CFuzzDriver", .product(name: "OSSWire", package: "OSSWire")]),
    ("FuzzModels", ["CFuzzDriver", .product(name: "OSSWire", package: "OSSWire")]),
]

let package = Package(
    name: "OSSWireFuzz",
    dependencies: [.package(name: "OSSWire", path: "../")],
    targets: [.target(name: "CFuzzDriver")] + fuzzTargets.map { target in
        .executableTarget(
            name: target.name,
            dependencies: target.dependencies,
            swiftSettings: [.swiftLanguageMode(.v6), .unsafeFlags(["-parse-as-library"])]
        )
    }
)
