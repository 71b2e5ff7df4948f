// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "pontotel-swift",
    products: [
        .library(name: "PontotelCredentials", targets: ["PontotelCredentials"]),
        .library(name: "PontotelClient", targets: ["PontotelClient"]),
        .executable(name: "pontotel", targets: ["pontotel"]),
        .executable(name: "pontotel-api", targets: ["pontotel-api"]),
    ],
    targets: [
        .systemLibrary(
            name: "CLibSecret",
            pkgConfig: "libsecret-1",
            providers: [.apt(["libsecret-1-dev"])]
        ),
        .target(name: "PontotelCredentials", dependencies: ["CLibSecret"]),
        .target(name: "PontotelClient", dependencies: ["PontotelCredentials"]),
        // The command line, split so that credential commands start fast: `pontotel` links no
        // HTTP stack (FoundationNetworking/libcurl cost ~10 ms at every start) and hands
        // `login`, `api`, `token`, `exec` and `credentials rotate` to `pontotel-api` (exec).
        .target(name: "PontotelCommandLine", dependencies: ["PontotelCredentials"]),
        .executableTarget(name: "pontotel", dependencies: ["PontotelCommandLine"]),
        .executableTarget(
            name: "pontotel-api", dependencies: ["PontotelCommandLine", "PontotelCredentials", "PontotelClient"]),
        // Benchmarks, run by hand with scripts/benchmark (release build); see BENCHMARKS.md.
        .executableTarget(
            name: "PontotelBenchmark", dependencies: ["PontotelCredentials", "PontotelClient"],
            path: "Benchmarks/PontotelBenchmark"),
        // Launchers for the real things tests use: private D-Bus + gnome-keyring, processes.
        .target(
            name: "PontotelTestSupport", dependencies: ["PontotelCredentials"],
            path: "Tests/PontotelTestSupport"),
        .testTarget(
            name: "PontotelCredentialsTests", dependencies: ["PontotelCredentials", "PontotelTestSupport"]),
        .testTarget(
            name: "PontotelClientTests",
            dependencies: ["PontotelClient", "PontotelCredentials", "PontotelTestSupport"]),
        .testTarget(
            name: "PontotelCLITests", dependencies: ["PontotelCredentials", "PontotelTestSupport"]),
    ]
)
