import Foundation

/// A `.env` file that can be read the way python-dotenv 1.x reads it and edited without
/// disturbing anything else in it.
///
/// **Reading** follows python-dotenv's `dotenv_values(path)` (checked against python-dotenv
/// 1.2.4, see `Tests/PontotelCredentialsTests/DotenvDocumentTests.swift`):
/// - blank lines and `# comments`; an optional `export ` prefix; whitespace around the key and
///   the `=`; keys may be single-quoted (`'KEY'=value`).
/// - unquoted values lose a trailing ` # comment` (whitespace before `#` required: `A=b#c` is
///   `b#c`) and trailing whitespace (Python's notion of whitespace, which includes NBSP, U+2003…).
/// - `'single'` quotes decode only `\\` and `\'`; `"double"` quotes decode
///   `\\ \' \" \a \b \f \n \r \t \v` and leave every other backslash alone (`"\u00e7"` stays
///   six characters). Quoted values may span lines.
/// - `KEY` without `=` has no value (python-dotenv's `None`): `value(forKey:)` returns `nil`.
/// - statements python-dotenv cannot parse (`A='a'x`, an unterminated quote, ` = x`) are
///   skipped, and the next line is parsed normally.
/// - "\r\n" and a lone "\r" read as "\n" (Python opens the file with universal newlines); a
///   leading byte order mark is ignored. Later duplicates win.
/// - **Interpolation**: `${NAME}` and `${NAME:-default}` are expanded in *every* value — also in
///   single-quoted ones: python-dotenv 1.x keeps no quoting information after parsing, so
///   `A='${HOME}'` reads as the home directory there. `$NAME` without braces is not expanded.
///   Names resolve from keys earlier in the file first (a key without `=` expands to "", not to
///   the default; so does a key set to ""), then from the `environment` argument — never from
///   the process environment unless the caller passes `ProcessInfo.processInfo.environment`.
///   `value(forKey:)` passes an empty environment. Values containing `${...}` are therefore not
///   `isStorable(_:)`: no quoting stops python-dotenv from expanding them.
///
/// **Writing** (`set`) produces `KEY='value'` with `\` → `\\` and `'` → `\'` — exactly what
/// python-dotenv 1.2's `set_key` writes, and what it reads back unchanged (older 1.0.x read it
/// back too, except a value ending in a backslash). `set` re-parses its result and only keeps it
/// if every other binding still reads the same (see `set` for the rare fallback and failure).
/// Every other byte of the file is kept: comments, blank lines, indentation, `export`,
/// spacing, line endings ("\r\n" files stay "\r\n"), the byte order mark, unparsable lines.
/// (python-dotenv's own `set_key` is lossier: it drops the blank lines before the key it
/// replaces and the line's inline comment, and rewrites "\r\n" as "\n" everywhere.)
public struct DotenvDocument: Sendable {
    /// Text after the byte order mark, as scalars (what python-dotenv indexes).
    private var scalars: [Unicode.Scalar]
    private var hasByteOrderMark: Bool
    private var statements: [DotenvStatement]

    /// True when `init(parsing: Data)` had to replace invalid UTF-8 with U+FFFD. python-dotenv
    /// refuses such a file (`UnicodeDecodeError`); writing this document back would replace the
    /// invalid bytes, so a store should refuse to rewrite it.
    public private(set) var hadInvalidUTF8 = false

    /// Parses `text`. Never fails: what python-dotenv cannot parse is skipped and kept verbatim.
    public init(parsing text: String) {
        var scalars = Array(text.unicodeScalars)
        hasByteOrderMark = scalars.first == "\u{FEFF}"
        if hasByteOrderMark { scalars.removeFirst() }
        self.scalars = scalars
        statements = DotenvParser.parse(scalars)
    }

    /// Parses UTF-8 bytes. Invalid UTF-8 is decoded with U+FFFD replacement characters (see
    /// `hadInvalidUTF8`) instead of failing.
    public init(parsing data: Data) {
        let text = String(decoding: data, as: UTF8.self)
        self.init(parsing: text)
        if String(validating: data, as: UTF8.self) == nil { hadInvalidUTF8 = true }
    }

    // MARK: Reading

    /// What python-dotenv's `dotenv_values()` gives for `key` (the last occurrence wins), with
    /// `${...}` resolved from the file only (an empty environment). `nil` when the key is
    /// missing or has no `=`.
    public func value(forKey key: String) -> String? {
        value(forKey: key, environment: [:])
    }

    /// What python-dotenv's `dotenv_values()` gives for `key` when the process environment is
    /// `environment`: `${NAME}` resolves from earlier keys of the file, then from `environment`.
    public func value(forKey key: String, environment: [String: String]) -> String? {
        let wanted = DotenvInterpolation.Name(key)
        for (name, value) in resolvedValues(environment: environment) where DotenvInterpolation.Name(name) == wanted {
            return value
        }
        return nil
    }

    /// The value as written, escapes decoded but `${...}` not expanded: python-dotenv's
    /// `dotenv_values(interpolate=False)`. The last occurrence wins.
    public func rawValue(forKey key: String) -> String? {
        let wanted = DotenvInterpolation.Name(key)
        var found: String??
        for statement in statements where statement.key.map(DotenvInterpolation.Name.init) == wanted {
            found = .some(statement.value)
        }
        return found ?? nil
    }

    /// Every key with a value (not `KEY` alone), in order of first appearance, without duplicates:
    /// the keys of python-dotenv's `dotenv_values()` whose value is not `None`.
    public var keys: [String] {
        rawBindings().compactMap { $0.value == nil ? nil : $0.key }
    }

    /// All bindings as python-dotenv's `dotenv_values()` returns them: keys in order of first
    /// appearance, each with its last value (`nil` for `KEY` without `=`), `${...}` resolved from
    /// the file, then `environment`.
    public func resolvedValues(environment: [String: String] = [:]) -> [(key: String, value: String?)] {
        var environmentByName: [DotenvInterpolation.Name: String] = [:]
        for (name, value) in environment { environmentByName[DotenvInterpolation.Name(name)] = value }
        var order: [DotenvInterpolation.Name] = []
        var keyText: [DotenvInterpolation.Name: String] = [:]
        var resolved: [DotenvInterpolation.Name: String?] = [:]
        for statement in statements {
            guard let key = statement.key else { continue }
            let name = DotenvInterpolation.Name(key)
            let result = statement.value.map { raw in
                DotenvInterpolation.expand(raw) { variable in
                    if let fromFile = resolved[variable] { return .some(fromFile) }
                    if let fromEnvironment = environmentByName[variable] { return .some(.some(fromEnvironment)) }
                    return .none
                }
            }
            if keyText[name] == nil {
                order.append(name)
                keyText[name] = key
            }
            resolved[name] = .some(result)
        }
        return order.map { (key: keyText[$0]!, value: resolved[$0]!) }
    }

    /// Keys in order of first appearance with their last raw value (`${...}` not expanded):
    /// python-dotenv's `dotenv_values(interpolate=False)`.
    func rawBindings() -> [(key: String, value: String?)] {
        var order: [DotenvInterpolation.Name] = []
        var entries: [DotenvInterpolation.Name: (key: String, value: String?)] = [:]
        for statement in statements {
            guard let key = statement.key else { continue }
            let name = DotenvInterpolation.Name(key)
            if entries[name] == nil { order.append(name) }
            entries[name] = (key, statement.value)
        }
        return order.map { entries[$0]! }
    }

    // MARK: Editing

    /// Sets `key` to `value`.
    ///
    /// The first statement binding `key` gets the new value in place — its leading blank lines,
    /// indentation, `export `, key spelling, spacing, inline comment and line ending stay — and
    /// later statements binding `key` are removed. Without one, `KEY='value'` is appended, after
    /// a line break if the text does not end with one (using the file's first line break style,
    /// "\n" by default).
    ///
    /// The value is written `'single-quoted'` (see `quoted(_:)`). Only if that would change how
    /// the rest of the file reads — an earlier unterminated quote, which python-dotenv skips,
    /// would pair with the new quote and swallow the lines in between — `"double-quoted"`
    /// (`\` → `\\`, `"` → `\"`) and then the bare value are tried instead.
    ///
    /// - Returns: `true` when the value was set: the new text reads `key` as exactly `value` (as
    ///   python-dotenv would read it, before `${...}` expansion) and every other binding as
    ///   before. `false` — and the document is left unchanged — when no spelling of the value
    ///   does that: values with "\r" (python-dotenv reads it as "\n"), or, in a file with
    ///   unterminated quotes of both kinds, a value with both kinds of quotes. For an
    ///   `isStorable` value in a file python-dotenv parses without warnings it is always `true`.
    /// - Precondition: `isValidKey(key)`; other keys would corrupt the file.
    @discardableResult
    public mutating func set(_ value: String, forKey key: String) -> Bool {
        precondition(Self.isValidKey(key), "DotenvDocument.set: not a valid dotenv key")
        let wanted = DotenvInterpolation.Name(key)
        let expectedOthers = otherBindings(excluding: wanted, in: statements)
        for encoded in [Self.quoted(value), Self.doubleQuoted(value), value] {
            let output = textSetting(Array(encoded.unicodeScalars), forKey: key)
            let parsed = DotenvParser.parse(output)
            let bindings = parsed.filter { $0.key.map(DotenvInterpolation.Name.init) == wanted }
            let verified = bindings.count == 1 && dotenvSameScalars(bindings[0].value, value)
                && otherBindings(excluding: wanted, in: parsed) == expectedOthers
            if verified {
                scalars = output
                statements = parsed
                return true
            }
        }
        return false
    }

    /// The text with `encoded` (an already quoted value) set for `key`; see `set`.
    private func textSetting(_ encoded: [Unicode.Scalar], forKey key: String) -> [Unicode.Scalar] {
        let wanted = DotenvInterpolation.Name(key)
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(scalars.count + encoded.count + key.unicodeScalars.count + 4)
        var cursor = 0
        var replaced = false
        for statement in statements where statement.key.map(DotenvInterpolation.Name.init) == wanted {
            if !replaced {
                if let valueRange = statement.valueRange {
                    output.append(contentsOf: scalars[cursor..<valueRange.lowerBound])
                    output.append(contentsOf: encoded)
                    cursor = valueRange.upperBound
                } else {
                    output.append(contentsOf: scalars[cursor..<statement.keyEnd])
                    output.append("=")
                    output.append(contentsOf: encoded)
                    cursor = statement.keyEnd
                }
                replaced = true
            } else {
                output.append(contentsOf: scalars[cursor..<statement.lineStart])
                cursor = statement.range.upperBound
            }
        }
        output.append(contentsOf: scalars[cursor...])
        if !replaced {
            let lineBreak = Self.lineBreakStyle(of: scalars)
            if let last = output.last, last != "\n", last != "\r" {
                output.append(contentsOf: lineBreak)
            }
            output.append(contentsOf: key.unicodeScalars)
            output.append("=")
            output.append(contentsOf: encoded)
            output.append(contentsOf: lineBreak)
        }
        return output
    }

    /// Every (key, raw value) statement except those binding `excluded`, in order.
    private func otherBindings(
        excluding excluded: DotenvInterpolation.Name, in statements: [DotenvStatement]
    ) -> [DotenvBindingSnapshot] {
        statements.compactMap { statement in
            guard let key = statement.key, DotenvInterpolation.Name(key) != excluded else { return nil }
            return DotenvBindingSnapshot(key: DotenvInterpolation.Name(key), value: statement.value)
        }
    }

    /// Removes every statement binding `key` (with or without a value), each with its own line
    /// (indentation, inline comment and line break); everything else stays byte for byte,
    /// including the blank lines that were before it.
    public mutating func removeValue(forKey key: String) {
        let wanted = DotenvInterpolation.Name(key)
        var output: [Unicode.Scalar] = []
        var cursor = 0
        var removed = false
        for statement in statements where statement.key.map(DotenvInterpolation.Name.init) == wanted {
            output.append(contentsOf: scalars[cursor..<statement.lineStart])
            cursor = statement.range.upperBound
            removed = true
        }
        guard removed else { return }
        output.append(contentsOf: scalars[cursor...])
        replaceText(with: output)
    }

    /// The text to write back. For a document that was not edited it is the parsed text, byte
    /// for byte (for `init(parsing: Data)`: unless `hadInvalidUTF8`).
    public func serialized() -> String {
        var view = String.UnicodeScalarView()
        if hasByteOrderMark { view.append("\u{FEFF}") }
        view.append(contentsOf: scalars)
        return String(view)
    }

    // MARK: Rules

    /// Whether `value` can be stored so that python-dotenv and `value(forKey:)` read it back
    /// unchanged: not empty, no line break ("\n", "\r") or NUL, and no `${...}` that
    /// python-dotenv would expand (`${NAME}` / `${NAME:-default}`; `$NAME`, `${` alone and
    /// `${A:B}` are fine).
    public static func isStorable(_ value: String) -> Bool {
        let scalars = Array(value.unicodeScalars)
        guard !scalars.isEmpty else { return false }
        if scalars.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\0" }) { return false }
        return DotenvInterpolation.matches(in: scalars).isEmpty
    }

    /// Whether `key` can be written as `KEY=` and read back as `key` by python-dotenv: not
    /// empty, no whitespace (Python's definition), `=` or `#`, not starting with `'` (a quoted
    /// key) or a byte order mark.
    public static func isValidKey(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, first != "'", first != "\u{FEFF}" else { return false }
        return !key.unicodeScalars.contains { $0 == "=" || $0 == "#" || DotenvParser.isSpace($0) }
    }

    /// `'value'` with `\` → `\\` and `'` → `\'` (what python-dotenv 1.2's `set_key` writes).
    static func quoted(_ value: String) -> String {
        var view = String.UnicodeScalarView()
        view.append("'")
        for scalar in value.unicodeScalars {
            if scalar == "\\" || scalar == "'" { view.append("\\") }
            view.append(scalar)
        }
        view.append("'")
        return String(view)
    }

    /// `"value"` with `\` → `\\` and `"` → `\"`: the fallback of `set`.
    static func doubleQuoted(_ value: String) -> String {
        var view = String.UnicodeScalarView()
        view.append("\"")
        for scalar in value.unicodeScalars {
            if scalar == "\\" || scalar == "\"" { view.append("\\") }
            view.append(scalar)
        }
        view.append("\"")
        return String(view)
    }

    // MARK: Details

    private mutating func replaceText(with output: [Unicode.Scalar]) {
        scalars = output
        statements = DotenvParser.parse(output)
    }

    /// The first line break of the text, "\n" when there is none.
    private static func lineBreakStyle(of scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard let index = scalars.firstIndex(where: { $0 == "\n" || $0 == "\r" }) else { return ["\n"] }
        if scalars[index] == "\n" { return ["\n"] }
        return index + 1 < scalars.count && scalars[index + 1] == "\n" ? ["\r", "\n"] : ["\r"]
    }
}

/// A binding compared scalar by scalar, for `DotenvDocument.set`'s check.
private struct DotenvBindingSnapshot: Equatable {
    var key: DotenvInterpolation.Name
    var value: String?

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.key == rhs.key && dotenvSameScalars(lhs.value, rhs.value)
    }
}

/// Python's `str` equality (Swift's `String` `==` ignores differences in normalisation).
func dotenvSameScalars(_ lhs: String?, _ rhs: String?) -> Bool {
    switch (lhs, rhs) {
    case (nil, nil): return true
    case (let lhs?, let rhs?): return lhs.unicodeScalars.elementsEqual(rhs.unicodeScalars)
    default: return false
    }
}
