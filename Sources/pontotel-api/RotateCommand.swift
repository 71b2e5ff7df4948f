import Foundation
import PontotelClient
import PontotelCommandLine
import PontotelCredentials

/// `pontotel credentials rotate`: change the stored password only after the API accepted it,
/// keep the old one for rollback, and drop cached tokens of the old password.
enum RotateCommand {
    static let rotateUsage =
        "usage: pontotel credentials rotate [--env E] [--password-stdin] [--no-verify] [--store keyring|dotenv] [--dotenv PATH]"

    static func rotate(_ raw: [String]) async throws {
        let spec = CommandSpec(
            usage: rotateUsage,
            options: CommandContext.storeOptions.merging(["password-stdin": .flag, "no-verify": .flag, "password": .value]) { $1 })
        let arguments = try parseArguments(raw, spec: spec)
        if handledHelp(arguments, rotateUsage) { return }
        if arguments.value("password") != nil {
            throw CommandFailure.usage(
                "a password is never accepted as an argument", fix: "use --password-stdin, or run without it to be prompted")
        }
        let context = try CommandContext(arguments)
        let environment = context.environment
        // Fail early (before prompting) when there is nothing to rotate.
        let current = try context.writableLogin()

        let newPassword: String
        if arguments.flag("password-stdin") {
            newPassword = try Terminal.readStandardInputLine()
        } else {
            newPassword = try Terminal.prompt("New Pontotel \(environment) password for \(current.username): ", echo: false)
            if arguments.flag("no-verify") {
                let again = try Terminal.prompt("Repeat the new password: ", echo: false)
                guard again == newPassword else {
                    throw CommandFailure(.failure, "the two passwords differ; nothing was changed")
                }
            }
        }
        let verify = !arguments.flag("no-verify")
        if !verify {
            Output.warning("--no-verify: the new \(environment) password was NOT checked against the API")
        }
        let outcome: RotationOutcome
        do {
            outcome = try await context.credentials.rotate(environment, to: Secret(newPassword)) { login in
                guard verify else { return }
                try await verifyLogin(login, environment: environment, settings: context.settings)
            }
        } catch let error as CredentialError {
            throw CommandFailure(error)
        } catch {
            var failure = ClientErrorMapping.failure(for: error)
            failure.message = "the new password was not verified, so the \(environment) login is unchanged: " + failure.message
            throw failure
        }
        TokenCacheInvalidation.invalidate(context: context, environment: environment)
        Output.err(
            "rotated the \(environment) password for \(outcome.username) in the \(outcome.store) (\(outcome.location))\(verify ? ", verified against the API" : "");"
                + " the previous password is kept: `pontotel credentials rollback --env \(environment)` restores it")
    }

    /// Logs in with `login` against the environment's API, with no shared token cache: the new
    /// password itself must be accepted.
    static func verifyLogin(_ login: Login, environment: PontotelEnvironment, settings: CredentialSettings) async throws {
        var configuration = PontotelClient.Configuration()
        configuration.environmentVariables = settings.environment
        configuration.sharesTokens = false
        let client = try PontotelClient(environment: environment, login: .fixed(login), configuration: configuration)
        _ = try await client.token()
    }
}

