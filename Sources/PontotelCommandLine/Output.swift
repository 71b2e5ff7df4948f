import Foundation

/// Writing to stdout and stderr. Nothing here ever receives a secret except `printSecret`,
/// used only where the user asked for one (`credentials get --field password`, `token`).
package enum Output {
    package static func out(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    package static func err(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    package static func warning(_ text: String) { err("warning: \(text)") }

    package static func failure(_ failure: CommandFailure) {
        err("error: \(failure.message)")
        if let fix = failure.fix { err("  fix: \(fix)") }
    }

    /// Prints a value the user explicitly asked for, exactly, with one newline.
    package static func printSecret(_ text: String) { out(text) }

    /// Stable, sorted, pretty JSON of a JSON-compatible value.
    package static func json(_ value: Any) {
        let data = (try? JSONSerialization.data(
            withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        out(String(decoding: data, as: UTF8.self))
    }

    package static func iso8601(_ date: Date?) -> Any {
        guard let date else { return NSNull() }
        return ISO8601DateFormatter().string(from: date)
    }
}
