// swift-tools-version:6.0
import PackageDescription

// OSSWire: an OSS client that is its own protocol stack. See DESIGN.md for the layers;
// imports point downward only (C -> core -> crypto -> transport -> http -> xml/signer -> client
// -> transfer -> mock -> cli).

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "OSSWire",
    products: [
        .library(name: "OSSWire", targets: ["OSSClient", "OSSTransfer"]),
        .library(name: "OSSMockServer", targets: ["OSSMockServer"]),
        .executable(name: "osswire", targets: ["osswire"]),
    ],
    targets: [
        // C layer
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "CLinuxShims"),

        // Swift layers
        .target(name: "OSSCore", dependencies: ["CLinuxShims"]),
        .target(name: "OSSCrypto", dependencies: ["OSSCore", "COpenSSL"]),
        .target(name: "OSSTransport", dependencies: ["OSSCore", "OSSCrypto", "COpenSSL", "CLinuxShims"]),
        .target(name: "OSSHTTP", dependencies: ["OSSCore", "OSSTransport"]),
        .target(name: "OSSXML", dependencies: ["OSSCore"]),
        .target(name: "OSSSigner", dependencies: ["OSSCore", "OSSCrypto"]),
        .target(name: "OSSClient", dependencies: ["OSSCore", "OSSCrypto", "OSSTransport", "OSSHTTP", "OSSXML", "OSSSigner"]),
        .target(name: "OSSTransfer", dependencies: ["OSSCore", "OSSClient"]),
        .target(
            name: "OSSMockServer",
            dependencies: ["OSSCore", "OSSCrypto", "OSSTransport", "OSSHTTP", "OSSXML", "OSSSigner", "OSSClient"]
        ),
        .executableTarget(
            name: "osswire",
            dependencies: ["OSSCore", "OSSTransport", "OSSHTTP", "OSSSigner", "OSSClient", "OSSTransfer", "OSSMockServer"],
            plugins: ["BuildStamp"]
        ),
        // The commit `osswire --version` prints (runs git; no package dependency).
        .plugin(name: "BuildStamp", capability: .buildTool()),

        // Tests: one target per module, and shared helpers (certificates, nginx, free ports).
        .target(name: "OSSTestSupport", dependencies: ["OSSCore"], path: "Tests/OSSTestSupport"),
        .testTarget(name: "OSSCoreTests", dependencies: ["OSSCore", "OSSTestSupport"]),
        .testTarget(name: "OSSCryptoTests", dependencies: ["OSSCrypto"]),
        .testTarget(name: "OSSTransportTests", dependencies: ["OSSTransport", "OSSTestSupport"]),
        .testTarget(name: "OSSHTTPTests", dependencies: ["OSSHTTP", "OSSTransport", "OSSTestSupport"]),
        .testTarget(name: "OSSXMLTests", dependencies: ["OSSXML", "OSSClient", "OSSTestSupport"]),
        .testTarget(name: "OSSSignerTests", dependencies: ["OSSSigner"]),
        .testTarget(name: "OSSClientTests", dependencies: ["OSSClient", "OSSMockServer", "OSSTestSupport"]),
        .testTarget(name: "OSSTransferTests", dependencies: ["OSSTransfer", "OSSMockServer", "OSSTestSupport"]),
        .testTarget(name: "OSSMockServerTests", dependencies: ["OSSMockServer", "OSSClient", "OSSTestSupport"]),
        .testTarget(name: "osswireTests", dependencies: ["OSSCore", "OSSSigner", "OSSClient", "OSSMockServer", "OSSTestSupport"]),
    ]
)

for target in package.targets where target.type != .system && target.type != .plugin {
    if target.name.hasPrefix("C") && target.name != "CLinuxShims" { continue }
    if target.name == "CLinuxShims" { continue }
    var settings = target.swiftSettings ?? []
    settings.append(contentsOf: swiftSettings)
    target.swiftSettings = settings
}
