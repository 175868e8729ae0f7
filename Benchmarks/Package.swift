// swift-tools-version:6.0
import PackageDescription

// OSSWire's benchmarks: their own package so that liblzma, Foundation and the reference
// servers never reach users of the library. Every figure is a ratio against a reference
// measured in the same run (see README.md).

let package = Package(
    name: "OSSWireBenchmarks",
    dependencies: [
        .package(name: "OSSWire", path: "../")
    ],
    targets: [
        .systemLibrary(
            name: "CLZMA",
            pkgConfig: "liblzma",
            providers: [.apt(["liblzma-dev"])]
        ),
        // The system OpenSSL for the raw TLS reference loops (OSSWire's own COpenSSL is not a product).
        .systemLibrary(
            name: "CBenchOpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .executableTarget(
            name: "osswire-bench",
            dependencies: [
                "CLZMA",
                "CBenchOpenSSL",
                .product(name: "OSSWire", package: "OSSWire"),
                .product(name: "OSSHTTP", package: "OSSWire"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
