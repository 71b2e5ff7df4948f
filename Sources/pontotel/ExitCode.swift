import PontotelCredentials

/// The exit codes of `pontotel`, documented in README.md. Stable: scripts depend on them.
enum ExitCode: Int32 {
    case success = 0
    case failure = 1
    case notFound = 3
    case loginRejected = 4
    case storeUnavailable = 5
    case network = 6
    case apiError = 7
    case usage = 64
}

/// An error that ends the command with a message on stderr and an exit code.
struct CommandFailure: Error {
    var exitCode: ExitCode
    var message: String
    var fix: String?

    init(_ exitCode: ExitCode, _ message: String, fix: String? = nil) {
        self.exitCode = exitCode
        self.message = message
        self.fix = fix
    }

    static func usage(_ message: String, fix: String? = nil) -> CommandFailure {
        CommandFailure(.usage, message, fix: fix)
    }

    init(_ error: CredentialError) {
        let code: ExitCode =
            switch error.code {
            case .notFound: .notFound
            case .keyringUnavailable, .keyringLocked: .storeUnavailable
            case .invalidConfiguration, .invalidValue: .usage
            default: .failure
            }
        self.init(code, error.message, fix: error.fix)
    }
}
