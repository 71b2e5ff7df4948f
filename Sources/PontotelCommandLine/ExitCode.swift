import PontotelCredentials

/// The exit codes of `pontotel`, documented in README.md. Stable: scripts depend on them.
package enum ExitCode: Int32 {
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
package struct CommandFailure: Error {
    package var exitCode: ExitCode
    package var message: String
    package var fix: String?

    package init(_ exitCode: ExitCode, _ message: String, fix: String? = nil) {
        self.exitCode = exitCode
        self.message = message
        self.fix = fix
    }

    package static func usage(_ message: String, fix: String? = nil) -> CommandFailure {
        CommandFailure(.usage, message, fix: fix)
    }

    package init(_ error: CredentialError) {
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
