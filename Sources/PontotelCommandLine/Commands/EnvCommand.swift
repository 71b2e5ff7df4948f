import Foundation
import PontotelCredentials

/// `pontotel env` and `pontotel env use sandbox|production`.
package enum EnvCommand {
    package static let usage = """
        usage: pontotel env [--json]           the active environment and why
               pontotel env use sandbox|production
        """

    package static func run(_ raw: [String]) throws {
        let spec = CommandSpec(usage: usage, options: ["json": .flag, "env": .value], maxPositionals: 2)
        let arguments = try parseArguments(raw, spec: spec)
        if handledHelp(arguments, usage) { return }
        let context = try CommandContext(arguments)
        switch arguments.positionals.first {
        case nil:
            if arguments.flag("json") {
                var object: [String: Any] = [
                    "environment": context.environment.rawValue,
                    "reason": context.active.reason.code,
                    "explanation": context.active.reason.explanation,
                ]
                if case .saved(let path) = context.active.reason { object["config_file"] = path }
                Output.json(object)
            } else {
                Output.out("\(context.environment) (\(context.active.reason.explanation))")
            }
        case "use":
            guard arguments.positionals.count == 2 else {
                throw CommandFailure.usage("env use needs an environment", fix: "pontotel env use sandbox|production")
            }
            let text = arguments.positionals[1]
            guard let environment = PontotelEnvironment(parsing: text) else {
                throw CommandFailure.usage("\"\(text)\" is not an environment", fix: "pontotel env use sandbox|production")
            }
            do { try ActiveEnvironment.save(environment, settings: context.settings) } catch { throw CommandFailure(error) }
            Output.err("the active environment is now \(environment) (saved in \(context.settings.paths.configFile))")
            if let variable = context.settings.environment["PONTOTEL_ENV"], !variable.isEmpty {
                Output.warning("PONTOTEL_ENV=\(variable) is set and takes precedence in this shell")
            }
        case let other?:
            throw CommandFailure.usage("unknown subcommand \"env \(other)\"", fix: usage)
        }
    }
}
