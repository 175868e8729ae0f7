// swift-tools-version:6.0
import PackageDescription

// OSSWire: an OSS client that is its own protocol stack. See docs/ARCHITECTURE.md for the
// layers; imports point downward only (C -> core -> crypto -> transport -> http; core -> xml ->
// protocol -> signer; then client -> transfer, mock (beside the client, never above it) -> cli).

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "OSSWire",
    products: [
        // What an embedder imports: the client, transfers, signing, the shared OSS models and the
        // core types their API uses (CRC64, UTCTime, CancellationSignal, the stream contracts).
        .library(name: "OSSWire", targets: ["OSSCore", "OSSXML", "OSSProtocol", "OSSSigner", "OSSClient", "OSSTransfer"]),
        // The HTTP/1.1 client and its parsers on their own, for measuring transport behaviour.
        .library(name: "OSSHTTP", targets: ["OSSCore", "OSSTransport", "OSSHTTP"]),
        .library(name: "OSSMockServer", targets: ["OSSProtocol", "OSSMockServer"]),
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
        .target(name: "OSSHTTP", dependencies: ["OSSCore"]),
        .target(name: "OSSXML", dependencies: ["OSSCore"]),
        .target(name: "OSSProtocol", dependencies: ["OSSCore", "OSSXML"]),
        .target(name: "OSSSigner", dependencies: ["OSSCore", "OSSCrypto", "OSSProtocol"]),
        .target(
            name: "OSSClient",
            dependencies: ["OSSCore", "OSSCrypto", "OSSTransport", "OSSHTTP", "OSSXML", "OSSProtocol", "OSSSigner"]
        ),
        .target(name: "OSSTransfer", dependencies: ["OSSCore", "OSSProtocol", "OSSClient"]),
        .target(
            name: "OSSMockServer",
            dependencies: ["OSSCore", "OSSCrypto", "OSSTransport", "OSSHTTP", "OSSXML", "OSSProtocol", "OSSSigner"]
        ),
        .executableTarget(
            name: "osswire",
            dependencies: [
                "OSSCore", "OSSTransport", "OSSHTTP", "OSSProtocol", "OSSSigner", "OSSClient", "OSSTransfer", "OSSMockServer",
            ],
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
        .testTarget(name: "OSSXMLTests", dependencies: ["OSSXML", "OSSProtocol", "OSSTestSupport"]),
        .testTarget(name: "OSSProtocolTests", dependencies: ["OSSProtocol", "OSSCrypto", "OSSTestSupport"]),
        .testTarget(name: "OSSSignerTests", dependencies: ["OSSSigner", "OSSProtocol"]),
        .testTarget(name: "OSSClientTests", dependencies: ["OSSClient", "OSSProtocol", "OSSMockServer", "OSSTestSupport"]),
        .testTarget(name: "OSSTransferTests", dependencies: ["OSSTransfer", "OSSProtocol", "OSSMockServer", "OSSTestSupport"]),
        .testTarget(name: "OSSMockServerTests", dependencies: ["OSSMockServer", "OSSProtocol", "OSSClient", "OSSTestSupport"]),
        .testTarget(
            name: "osswireTests",
            dependencies: [
                "osswire", "OSSCore", "OSSCrypto", "OSSSigner", "OSSClient", "OSSTransfer", "OSSMockServer", "OSSTestSupport",
            ]
        ),
    ]
)

for target in package.targets where target.type != .system && target.type != .plugin {
    if target.name.hasPrefix("C") && target.name != "CLinuxShims" { continue }
    if target.name == "CLinuxShims" { continue }
    var settings = target.swiftSettings ?? []
    settings.append(contentsOf: swiftSettings)
    if target.type != .test && target.path?.hasPrefix("Tests") != true {
        // SE-0461: a nonisolated async function runs on its caller's executor, so a call from
        // one layer to the next is not a hop (each was a check of the task's executor, 3% of a
        // small PUT). The public entry points that must leave the caller's actor say so with
        // `@concurrent`.
        settings.append(.enableUpcomingFeature("NonisolatedNonsendingByDefault"))
    }
    target.swiftSettings = settings
}
