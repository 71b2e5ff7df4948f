import Foundation
import PontotelCredentials

/// `pontotel status`: which stores can be reached, where each login lives, and warnings
/// (plaintext storage, file modes, files git could commit, old passwords, overrides).
package enum StatusCommand {
    package static let usage = "usage: pontotel status [--json] [--env E] [--store S] [--dotenv PATH]"

    package static func run(_ raw: [String]) throws {
        let spec = CommandSpec(usage: usage, options: CommandContext.storeOptions.merging(["json": .flag]) { $1 })
        let arguments = try parseArguments(raw, spec: spec)
        if handledHelp(arguments, usage) { return }
        let context = try CommandContext(arguments)
        let credentials = context.credentials
        var warnings: [String] = []

        var keyringProblem = credentials.keyringProblem()
        let dotenvPath = credentials.dotenv.path
        let dotenvExists = FileManager.default.fileExists(atPath: dotenvPath)
        let mode = (try? FileManager.default.attributesOfItem(atPath: dotenvPath))?[.posixPermissions] as? Int
        if let warning = credentials.dotenv.permissionWarning() { warnings.append(warning) }
        if dotenvExists, let workTree = credentials.dotenv.unignoredGitWorkTree() {
            warnings.append("\(dotenvPath) is inside the git work tree \(workTree) and not ignored: add it to .gitignore")
        }

        let listings = credentials.list()
        var logins: [[String: Any]] = []
        for listing in listings {
            var entry: [String: Any] = [
                "environment": listing.environment.rawValue,
                "source": listing.source.rawValue,
                "location": listing.location,
                "active": listing.isActive,
            ]
            if let stored = listing.stored {
                entry["username"] = stored.username
                entry["password_changed_at"] = Output.iso8601(stored.passwordChangedAt)
                if listing.source.isPlaintext {
                    warnings.append("the \(listing.environment) login is stored in plaintext in \(listing.location)\(keyringProblem == nil ? ": move it to the keyring with `pontotel credentials set --env \(listing.environment)` then `pontotel credentials delete --env \(listing.environment) --store dotenv`" : "")")
                }
                if listing.isActive, let rotation = credentials.rotationWarning(for: stored, environment: listing.environment) {
                    warnings.append(rotation)
                }
            }
            if let error = listing.error {
                entry["error"] = error.message
                warnings.append("cannot read the \(listing.environment) login from \(listing.source): \(error.message)")
            }
            logins.append(entry)
        }
        if keyringProblem == nil,
            let locked = listings.first(where: { $0.source == .keyring && $0.error?.code == .keyringLocked })?.error
        {
            keyringProblem = locked
        }
        for environment in PontotelEnvironment.allCases {
            if let names = credentials.environmentVariables.variableNames(for: environment) {
                warnings.append("\(names.username)/\(names.password) override the stored \(environment) login")
            }
        }

        let keyring: [String: Any] = [
            "kind": "keyring",
            "location": credentials.keyring.location,
            "reachable": keyringProblem == nil,
            "problem": keyringProblem.map { $0.message } as Any? ?? NSNull(),
            "problem_code": keyringProblem.map { $0.code.rawValue } as Any? ?? NSNull(),
        ]
        let dotenv: [String: Any] = [
            "kind": "dotenv",
            "location": dotenvPath,
            "exists": dotenvExists,
            "mode": mode.map { String($0, radix: 8) } as Any? ?? NSNull(),
        ]
        var stores = [keyring, dotenv]
        if let secrets = credentials.secretsDirectory {
            stores.append(["kind": "secrets-directory", "location": secrets.directory, "exists": FileManager.default.fileExists(atPath: secrets.directory)])
        }
        let writeTarget: String
        switch context.settings.store {
        case .keyring?: writeTarget = "keyring"
        case .dotenv?: writeTarget = "dotenv"
        case nil: writeTarget = keyringProblem == nil ? "keyring" : (keyringProblem!.code == .keyringUnavailable ? "dotenv" : "none")
        }

        if arguments.flag("json") {
            Output.json([
                "version": Pontotel.version,
                "active_environment": [
                    "environment": context.environment.rawValue,
                    "reason": context.active.reason.code,
                ],
                "stores": stores,
                "write_store": writeTarget,
                "logins": logins,
                "warnings": warnings,
            ])
            return
        }
        Output.out("active environment: \(context.environment) (\(context.active.reason.explanation))")
        Output.out("keyring:  \(keyringProblem == nil ? "reachable" : "not usable: \(keyringProblem!.message)")")
        Output.out("dotenv:   \(dotenvPath) (\(dotenvExists ? "exists, mode \(mode.map { String($0, radix: 8) } ?? "?")" : "absent"))")
        if let secrets = credentials.secretsDirectory { Output.out("secrets:  \(secrets.directory)") }
        Output.out("new logins go to: \(writeTarget)")
        if logins.isEmpty { Output.out("logins:   none (run `pontotel credentials set`)") }
        for entry in logins {
            let marker = (entry["active"] as? Bool) == true ? "*" : " "
            Output.out("\(marker) \(entry["environment"]!): \(entry["username"] ?? "?") in \(entry["source"]!) (\(entry["location"]!))")
        }
        for warning in warnings { Output.warning(warning) }
    }
}

