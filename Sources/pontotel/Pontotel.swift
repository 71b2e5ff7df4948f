import Foundation
import PontotelCredentials

/// The top-level dispatcher: picks the command, runs it, turns errors into messages and exit codes.
enum Pontotel {
    static let version = "0.1.0"

    static let topLevelUsage = """
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

    static func run(_ arguments: [String]) async -> Int32 {
        do {
            try await dispatch(arguments)
            return ExitCode.success.rawValue
        } catch let failure as CommandFailure {
            Output.failure(failure)
            return failure.exitCode.rawValue
        } catch let error as CredentialError {
            let failure = CommandFailure(error)
            Output.failure(failure)
            return failure.exitCode.rawValue
        } catch {
            let failure = ClientErrorMapping.failure(for: error)
            Output.failure(failure)
            return failure.exitCode.rawValue
        }
    }

    static func dispatch(_ arguments: [String]) async throws {
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
            try await CredentialsCommands.run(rest)
        case "env":
            try EnvCommand.run(rest)
        case "status":
            try StatusCommand.run(rest)
        case "login", "api", "token", "exec":
            try await APICommands.run(command, rest)
        default:
            throw CommandFailure.usage("unknown command \"\(command)\"", fix: "run `pontotel --help`")
        }
    }
}
