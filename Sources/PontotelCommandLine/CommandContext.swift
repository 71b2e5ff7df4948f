import Foundation
import PontotelCredentials

/// What every command needs: the settings from options and environment, the credential
/// sources, and the environment to act on.
package struct CommandContext {
    package var settings: CredentialSettings
    package var credentials: Credentials
    package var active: ActiveEnvironment

    /// Options shared by commands that touch logins.
    package static let storeOptions: [String: OptionKind] = [
        "env": .value, "store": .value, "dotenv": .value,
    ]

    package init(_ arguments: ParsedArguments) throws(CommandFailure) {
        var store: StoreChoice?
        if let text = arguments.value("store") {
            guard let choice = StoreChoice(rawValue: text) else {
                throw .usage("--store must be keyring or dotenv, not \"\(text)\"")
            }
            store = choice
        }
        var option: PontotelEnvironment?
        if let text = arguments.value("env") {
            guard let environment = PontotelEnvironment(parsing: text) else {
                throw .usage("--env must be sandbox or production, not \"\(text)\"")
            }
            option = environment
        }
        if let path = arguments.value("dotenv"), path.isEmpty {
            throw .usage("--dotenv needs a file path")
        }
        do {
            settings = try CredentialSettings(
                dotenvPath: arguments.value("dotenv"), store: store,
                addToGitignore: arguments.flag("add-to-gitignore"))
            credentials = try Credentials(settings: settings)
            active = try ActiveEnvironment.resolve(option: option, settings: settings)
        } catch {
            throw CommandFailure(error)
        }
    }

    package var environment: PontotelEnvironment { active.environment }

    /// The login in the writable store that holds it (for rotation).
    package func writableLogin() throws(CommandFailure) -> StoredLogin {
        do {
            return try credentials.writableLogin(environment).stored
        } catch {
            throw CommandFailure(error)
        }
    }

    package func resolve(includeMetadata: Bool = true) throws(CommandFailure) -> ResolvedLogin {
        do {
            let resolved = try credentials.resolve(environment, includeMetadata: includeMetadata)
            for warning in resolved.warnings { Output.warning(warning) }
            return resolved
        } catch {
            throw CommandFailure(error)
        }
    }
}

/// Prints `usage` and returns true when `--help` was given.
package func handledHelp(_ arguments: ParsedArguments, _ usage: String) -> Bool {
    guard arguments.flag("help") else { return false }
    Output.out(usage.hasPrefix("usage") ? usage : "usage: \(usage)")
    return true
}
