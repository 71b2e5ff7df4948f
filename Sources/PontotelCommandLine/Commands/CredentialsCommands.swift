import Foundation
import PontotelCredentials

/// `pontotel credentials set|show|get|delete|list|rotate|rollback`.
package enum CredentialsCommands {
    package static let usage = """
        usage: pontotel credentials <set|show|get|delete|list|rotate|rollback> [options]

          set      [--env E] [--username U] [--password-stdin] [--store keyring|dotenv] [--dotenv PATH] [--add-to-gitignore]
          show     [--env E] [--json] [--store S] [--dotenv PATH]
          get      [--env E] --field username|password [--store S] [--dotenv PATH]
          delete   [--env E] [--store S] [--dotenv PATH]
          list     [--json] [--store S] [--dotenv PATH]
          rotate   [--env E] [--password-stdin] [--no-verify] [--store S] [--dotenv PATH]
          rollback [--env E] [--store S] [--dotenv PATH]

        A password is never accepted as an argument: it is read from a no-echo prompt, or from
        one line of standard input with --password-stdin.
        """

    package static func run(_ arguments: [String], network: NetworkCommands) async throws {
        guard let sub = arguments.first, !sub.hasPrefix("-") else {
            if arguments.contains("--help") || arguments.contains("-h") {
                Output.out(usage)
                return
            }
            Output.err(usage)
            throw CommandFailure.usage("credentials needs a subcommand")
        }
        let rest = Array(arguments.dropFirst())
        switch sub {
        case "set": try set(rest)
        case "show": try show(rest)
        case "get": try get(rest)
        case "delete": try delete(rest)
        case "list": try list(rest)
        case "rotate": try await network.run(["credentials"] + arguments)
        case "rollback": try RollbackCommand.run(rest)
        default:
            throw CommandFailure.usage("unknown subcommand \"credentials \(sub)\"", fix: "run `pontotel credentials --help`")
        }
    }

    // MARK: set

    package static func set(_ raw: [String]) throws {
        let spec = CommandSpec(
            usage: "pontotel credentials set [--env E] [--username U] [--password-stdin] [--store keyring|dotenv] [--dotenv PATH] [--add-to-gitignore]",
            options: CommandContext.storeOptions.merging(
                ["username": .value, "password-stdin": .flag, "add-to-gitignore": .flag, "password": .value]
            ) { $1 })
        let arguments = try parseArguments(raw, spec: spec)
        if handledHelp(arguments, spec.usage) { return }
        if arguments.value("password") != nil {
            throw CommandFailure.usage(
                "a password is never accepted as an argument (it would be visible in `ps` and shell history)",
                fix: "use --password-stdin, or run without it to be prompted")
        }
        let context = try CommandContext(arguments)
        let environment = context.environment
        var username = arguments.value("username")
        let password: String
        if arguments.flag("password-stdin") {
            guard username != nil else {
                throw CommandFailure.usage("--password-stdin needs --username", fix: "add --username YOUR_USER")
            }
            password = try Terminal.readStandardInputLine()
        } else {
            if username == nil {
                username = try Terminal.prompt("Pontotel \(environment) username: ", echo: true)
                    .trimmingCharacters(in: .whitespaces)
            }
            password = try Terminal.prompt("Pontotel \(environment) password for \(username!): ", echo: false)
        }
        let outcome = try context.credentials.set(
            Login(username: username!, password: Secret(password)), for: environment)
        for warning in outcome.warnings { Output.warning(warning) }
        Output.err("stored the \(environment) login for \(username!) in the \(outcome.store) (\(outcome.location))")
        TokenCacheInvalidation.invalidate(context: context, environment: environment)
    }

    // MARK: show

    package static func show(_ raw: [String]) throws {
        let spec = CommandSpec(
            usage: "pontotel credentials show [--env E] [--json] [--store S] [--dotenv PATH]",
            options: CommandContext.storeOptions.merging(["json": .flag]) { $1 })
        let arguments = try parseArguments(raw, spec: spec)
        if handledHelp(arguments, spec.usage) { return }
        let context = try CommandContext(arguments)
        let resolved = try context.resolve()
        let stored = resolved.stored
        let rotation = context.credentials.rotationWarning(for: stored, environment: context.environment)
        if arguments.flag("json") {
            Output.json([
                "environment": context.environment.rawValue,
                "username": stored.username,
                "password": stored.password.masked(),
                "source": resolved.source.rawValue,
                "location": resolved.location,
                "password_changed_at": Output.iso8601(stored.passwordChangedAt),
                "password_age_days": stored.passwordChangedAt.map { Int(Date().timeIntervalSince($0) / 86_400) } as Any? ?? NSNull(),
                "has_previous_password": stored.previousPassword != nil,
                "warnings": resolved.warnings + (rotation.map { [$0] } ?? []),
            ])
        } else {
            Output.out("environment: \(context.environment) (\(context.active.reason.explanation))")
            Output.out("username:    \(stored.username)")
            Output.out("password:    \(stored.password.masked())")
            Output.out("source:      \(resolved.source) (\(resolved.location))")
            if let changed = stored.passwordChangedAt {
                let days = Int(Date().timeIntervalSince(changed) / 86_400)
                Output.out("changed:     \(Output.iso8601(changed)) (\(days) day\(days == 1 ? "" : "s") ago)")
            } else {
                Output.out("changed:     unknown")
            }
            Output.out("previous:    \(stored.previousPassword == nil ? "none" : "kept (`pontotel credentials rollback` restores it)")")
            if let rotation { Output.warning(rotation) }
        }
    }

    // MARK: get

    package static func get(_ raw: [String]) throws {
        let spec = CommandSpec(
            usage: "pontotel credentials get [--env E] --field username|password [--store S] [--dotenv PATH]",
            options: CommandContext.storeOptions.merging(["field": .value]) { $1 })
        let arguments = try parseArguments(raw, spec: spec)
        if handledHelp(arguments, spec.usage) { return }
        guard let field = arguments.value("field") else {
            throw CommandFailure.usage("--field is required", fix: "add --field username or --field password")
        }
        guard field == "username" || field == "password" else {
            throw CommandFailure.usage("--field must be username or password, not \"\(field)\"")
        }
        let context = try CommandContext(arguments)
        let resolved = try context.resolve(includeMetadata: false)
        if field == "username" {
            Output.out(resolved.stored.username)
        } else {
            Output.printSecret(resolved.stored.password.reveal())
        }
    }

    // MARK: delete

    package static func delete(_ raw: [String]) throws {
        let spec = CommandSpec(
            usage: "pontotel credentials delete [--env E] [--store S] [--dotenv PATH]",
            options: CommandContext.storeOptions)
        let arguments = try parseArguments(raw, spec: spec)
        if handledHelp(arguments, spec.usage) { return }
        let context = try CommandContext(arguments)
        let removed: [CredentialSourceKind]
        do { removed = try context.credentials.delete(context.environment) } catch { throw CommandFailure(error) }
        Output.err("deleted the \(context.environment) login from: \(removed.map(\.rawValue).joined(separator: ", "))")
        if context.settings.store == nil, let problem = context.credentials.keyringProblem() {
            Output.warning("the keyring could not be reached, so a login stored there was not deleted: \(problem.message)")
        }
        if let names = context.credentials.environmentVariables.variableNames(for: context.environment) {
            Output.warning("\(names.username)/\(names.password) are still set in the environment")
        }
        TokenCacheInvalidation.invalidate(context: context, environment: context.environment)
    }

    // MARK: list

    package static func list(_ raw: [String]) throws {
        let spec = CommandSpec(
            usage: "pontotel credentials list [--json] [--store S] [--dotenv PATH]",
            options: ["json": .flag, "store": .value, "dotenv": .value])
        let arguments = try parseArguments(raw, spec: spec)
        if handledHelp(arguments, spec.usage) { return }
        let context = try CommandContext(arguments)
        let listings = context.credentials.list()
        if arguments.flag("json") {
            Output.json([
                "logins": listings.map { listing -> [String: Any] in
                    [
                        "environment": listing.environment.rawValue,
                        "source": listing.source.rawValue,
                        "location": listing.location,
                        "username": listing.stored?.username as Any? ?? NSNull(),
                        "active": listing.isActive,
                        "password_changed_at": Output.iso8601(listing.stored?.passwordChangedAt),
                        "error": listing.error.map { $0.message } as Any? ?? NSNull(),
                    ]
                }
            ])
            return
        }
        if listings.isEmpty {
            Output.out("no logins stored (run `pontotel credentials set`)")
            return
        }
        for listing in listings {
            let marker = listing.isActive ? "*" : " "
            let who = listing.stored?.username ?? "error: \(listing.error?.message ?? "unknown")"
            Output.out("\(marker) \(listing.environment.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(listing.source.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)) \(who)  (\(listing.location))")
        }
    }
}
