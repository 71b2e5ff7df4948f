// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "pontotel-swift",
    products: [
        .library(name: "PontotelCredentials", targets: ["PontotelCredentials"]),
        .library(name: "PontotelClient", targets: ["PontotelClient"]),
        .executable(name: "pontotel", targets: ["pontotel"]),
    ],
    targets: [
        .systemLibrary(
            name: "CLibSecret",
            pkgConfig: "libsecret-1",
            providers: [.apt(["libsecret-1-dev"])]
        ),
        .target(name: "PontotelCredentials", dependencies: ["CLibSecret"]),
        .target(name: "PontotelClient", dependencies: ["PontotelCredentials"]),
        .executableTarget(name: "pontotel", dependencies: ["PontotelCredentials", "PontotelClient"]),
        .testTarget(name: "PontotelCredentialsTests", dependencies: ["PontotelCredentials"]),
        .testTarget(name: "PontotelClientTests", dependencies: ["PontotelClient", "PontotelCredentials"]),
        .testTarget(name: "PontotelCLITests", dependencies: ["PontotelCredentials"]),
    ]
)
