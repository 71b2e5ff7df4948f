import Foundation
import PontotelCredentials

/// `pontotel credentials rollback`: make the previous password current again (after a rotation
/// whose new password stopped working), keeping the rotated one as previous.
package enum RollbackCommand {
    static let usage = "usage: pontotel credentials rollback [--env E] [--store keyring|dotenv] [--dotenv PATH]"

    package static func run(_ raw: [String]) throws {
        let spec = CommandSpec(usage: usage, options: CommandContext.storeOptions)
        let arguments = try parseArguments(raw, spec: spec)
        if handledHelp(arguments, usage) { return }
        let context = try CommandContext(arguments)
        let outcome: RotationOutcome
        do { outcome = try context.credentials.rollback(context.environment) } catch { throw CommandFailure(error) }
        TokenCacheInvalidation.invalidate(context: context, environment: context.environment)
        Output.err("the previous \(outcome.environment) password for \(outcome.username) is current again (\(outcome.store)); the rotated one is kept as previous")
    }

}
