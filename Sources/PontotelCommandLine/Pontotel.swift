import Foundation
import PontotelCredentials

/// The top-level dispatcher: picks the command, runs it, turns errors into messages and exit codes.
/// The commands that talk to the API (`login`, `api`, `token`, `exec`, `credentials rotate`).
/// `pontotel` runs them by handing the whole command line to `pontotel-api` (so that its own
/// start stays free of the HTTP stack); `pontotel-api` runs them itself.
package struct NetworkCommands: Sendable {
    /// Runs a network command; `arguments` is the whole command line after the program name.
    package var run: @Sendable (_ arguments: [String]) async throws -> Void
    /// Turns an error that is not a `CommandFailure` or `CredentialError` into one.
    package var failure: @Sendable (any Error) -> CommandFailure

    package init(
        run: @escaping @Sendable ([String]) async throws -> Void,
        failure: @escaping @Sendable (any Error) -> CommandFailure
    ) {
        self.run = run
        self.failure = failure
    }
}

package enum Pontotel {
    package static let version = "0.1.0"

    package static let topLevelUsage = """
        pontotel \(version): Pontotel API logins kept in the Linux keyring, and authenticated API calls.

        usage: pontotel <command> [options]

        credentials:
          credentials set       store the login for an environment (prompts, or --password-stdin)
          credentials show      username, masked password, source and last change
          credentials get       print one raw field (username or password), for scripts
          credentials delete    remove the stored login
          credentials list      every stored login, both environments, all stores
          credentials rotate    change the password after verifying it against the API
          credentials rollback  make the previous password current again
          env                   the active environment and why
          env use ENV           save the active environment (sandbox or production)
          status                stores, logins and warnings

        API:
          login                 verify the login and print the token expiry
          api PATH              authenticated API call, JSON on stdout
          token                 a valid bearer token on stdout
          exec -- CMD ...       run CMD with PONTOTEL_TOKEN, PONTOTEL_BASE_URL and PONTOTEL_ENV

        Run `pontotel <command> --help` for a command's options. Exit codes: 0 ok, 1 failure,
        3 no login, 4 login rejected, 5 store unavailable or locked, 6 network/TLS/HTTPS policy,
        7 API error, 64 usage error.
        """

    package static func run(_ arguments: [String], network: NetworkCommands) async -> Int32 {
        do {
            try await dispatch(arguments, network: network)
            return ExitCode.success.rawValue
        } catch let failure as CommandFailure {
            Output.failure(failure)
            return failure.exitCode.rawValue
        } catch let error as CredentialError {
            let failure = CommandFailure(error)
            Output.failure(failure)
            return failure.exitCode.rawValue
        } catch {
            let failure = network.failure(error)
            Output.failure(failure)
            return failure.exitCode.rawValue
        }
    }

    package static func dispatch(_ arguments: [String], network: NetworkCommands) async throws {
        guard let command = arguments.first else {
            Output.err(topLevelUsage)
            throw CommandFailure.usage("no command given", fix: "run `pontotel --help`")
        }
        let rest = Array(arguments.dropFirst())
        switch command {
        case "-h", "--help", "help":
            Output.out(topLevelUsage)
        case "-V", "--version", "version":
            Output.out("pontotel \(version)")
        case "credentials":
            try await CredentialsCommands.run(rest, network: network)
        case "env":
            try EnvCommand.run(rest)
        case "status":
            try StatusCommand.run(rest)
        case "login", "api", "token", "exec":
            try await network.run(arguments)
        default:
            throw CommandFailure.usage("unknown command \"\(command)\"", fix: "run `pontotel --help`")
        }
    }
}
