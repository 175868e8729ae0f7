// swift-tools-version:6.0
import PackageDescription

// The fault matrix (issue 8): runs every fault of the mock server's fault injection against
// each operation (single PUT, multipart upload, download) and writes docs/FAULT-MATRIX.md.
// Its own package so Foundation never reaches the library. Run it with scripts/fault-matrix.sh.

let package = Package(
    name: "FaultMatrix",
    dependencies: [
        .package(name: "OSSWire", path: "../")
    ],
    targets: [
        .executableTarget(
            name: "fault-matrix",
            dependencies: [
                .product(name: "OSSWire", package: "OSSWire"),
                .product(name: "OSSMockServer", package: "OSSWire"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The load test's longer form: minutes instead of seconds, sampling RSS and descriptors.
        .executableTarget(
            name: "load-soak",
            dependencies: [
                .product(name: "OSSWire", package: "OSSWire"),
                .product(name: "OSSMockServer", package: "OSSWire"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
