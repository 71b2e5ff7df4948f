/// How an option takes its value.
package enum OptionKind {
    /// `--flag`, no value.
    case flag
    /// `--name value` or `--name=value`; given twice, the last wins.
    case value
    /// `--name value`, repeatable; every value is kept in order.
    case repeated
}

/// The options and positional arguments one command accepts.
package struct CommandSpec {
    package var usage: String
    package var options: [String: OptionKind]
    /// Short aliases: `-X` for `--method`.
    package var aliases: [String: String] = [:]
    /// Most positional arguments allowed (before `--`).
    package var maxPositionals = 0
    /// Everything after `--` is kept verbatim (for `exec`).
    package var acceptsTrailing = false

    package init(
        usage: String, options: [String: OptionKind], aliases: [String: String] = [:],
        maxPositionals: Int = 0, acceptsTrailing: Bool = false
    ) {
        self.usage = usage
        self.options = options
        self.aliases = aliases
        self.maxPositionals = maxPositionals
        self.acceptsTrailing = acceptsTrailing
    }
}

/// Parsed command-line arguments of one command.
package struct ParsedArguments {
    package var values: [String: [String]] = [:]
    package var flags: Set<String> = []
    package var positionals: [String] = []
    package var trailing: [String] = []

    package func value(_ name: String) -> String? { values[name]?.last }
    package func all(_ name: String) -> [String] { values[name] ?? [] }
    package func flag(_ name: String) -> Bool { flags.contains(name) }
}

/// Parses `arguments` against `spec`: `--name value`, `--name=value`, short aliases, `--`.
/// Unknown options, missing values and extra positionals are usage errors (exit 64).
package func parseArguments(_ arguments: [String], spec: CommandSpec) throws(CommandFailure) -> ParsedArguments {
    var parsed = ParsedArguments()
    var index = 0
    while index < arguments.count {
        let argument = arguments[index]
        index += 1
        if argument == "--" {
            guard spec.acceptsTrailing else {
                parsed.positionals.append(contentsOf: arguments[index...])
                break
            }
            parsed.trailing = Array(arguments[index...])
            break
        }
        if argument == "-h" || argument == "--help" {
            parsed.flags.insert("help")
            continue
        }
        guard argument.hasPrefix("-"), argument != "-" else {
            parsed.positionals.append(argument)
            continue
        }
        var name = argument
        var inlineValue: String?
        if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
            name = String(argument[..<equals])
            inlineValue = String(argument[argument.index(after: equals)...])
        }
        if let long = spec.aliases[name] { name = long }
        let key = String(name.drop(while: { $0 == "-" }))
        guard name.hasPrefix("--"), let kind = spec.options[key] else {
            throw .usage(
                "unknown option \(name.hasPrefix("-") ? name : argument)",
                fix: "see `\(spec.usage.split(separator: " ").prefix(3).joined(separator: " ")) --help`")
        }
        switch kind {
        case .flag:
            if inlineValue != nil { throw .usage("--\(key) takes no value") }
            parsed.flags.insert(key)
        case .value, .repeated:
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count else { throw .usage("--\(key) needs a value") }
                value = arguments[index]
                index += 1
            }
            if kind == .value { parsed.values[key] = [value] } else { parsed.values[key, default: []].append(value) }
        }
    }
    if parsed.positionals.count > spec.maxPositionals && !parsed.flags.contains("help") {
        // The value is not repeated: a password typed in the wrong place must not be echoed.
        throw .usage(
            "unexpected argument (the \(ordinal(spec.maxPositionals + 1)) word that is not an option)",
            fix: "usage: \(spec.usage)")
    }
    return parsed
}

private func ordinal(_ number: Int) -> String {
    switch number {
    case 1: return "1st"
    case 2: return "2nd"
    case 3: return "3rd"
    default: return "\(number)th"
    }
}
