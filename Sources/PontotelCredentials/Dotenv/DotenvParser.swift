// A faithful port of python-dotenv 1.x's `dotenv/parser.py` (checked against python-dotenv
// 1.2.4), working on Unicode scalars, which are what Python's `str` indexes. Swift `Character`s
// would be wrong here: "\r\n" is one `Character`, and combining marks would glue onto quotes.
//
// Only `DotenvDocument` uses this file; nothing here is public.

/// One statement of a dotenv file, as python-dotenv's `parse_stream` yields it (a `Binding`),
/// plus the offsets `DotenvDocument` needs to edit it in place.
///
/// All offsets are indices into the document's *original* scalars (after a leading byte order
/// mark), so "\r\n" counts as two.
struct DotenvStatement: Sendable, Equatable {
    /// The whole statement, including the blank lines and indentation before it (python-dotenv
    /// puts those into the statement that follows them), a trailing comment and the line break.
    var range: Range<Int>
    /// Where the statement's own line starts: after the last line break of the leading blank
    /// lines. Removing a statement removes `lineStart..<range.upperBound`.
    var lineStart: Int
    /// The key, without quotes. `nil` for comments, blank trailing text and unparsable lines.
    var key: String?
    /// The value with escapes decoded but variables not expanded; `nil` when the line has a key
    /// but no `=` (python-dotenv's `None`).
    var value: String?
    /// python-dotenv logs "could not parse statement" for this one and ignores it.
    var isError: Bool
    /// The text to replace when setting a new value: the quoted value, or the unquoted value
    /// without its trailing whitespace and comment; an empty range right after `=` when the
    /// value is empty. `nil` when there is no `=`.
    var valueRange: Range<Int>?
    /// End of the key text (after its closing quote for `'KEY'`): where `='value'` is inserted
    /// for a `KEY` line without `=`.
    var keyEnd: Int
}

/// python-dotenv's parser, statement by statement.
struct DotenvParser {
    /// python-dotenv reads files in text mode with universal newlines, so "\r\n" and a lone "\r"
    /// reach its parser as "\n". We parse that normalised text (so that multi-line quoted values
    /// and keys come out as python-dotenv sees them) and keep a map back to the original.
    private let text: [Unicode.Scalar]
    /// `origin[i]` is the original index of `text[i]`; `origin[text.count]` is the original count.
    private let origin: [Int]
    private var position = 0

    init(original: [Unicode.Scalar]) {
        var text: [Unicode.Scalar] = []
        var origin: [Int] = []
        text.reserveCapacity(original.count)
        origin.reserveCapacity(original.count + 1)
        var index = 0
        while index < original.count {
            let scalar = original[index]
            origin.append(index)
            if scalar == "\r" {
                text.append("\n")
                index += (index + 1 < original.count && original[index + 1] == "\n") ? 2 : 1
            } else {
                text.append(scalar)
                index += 1
            }
        }
        origin.append(original.count)
        self.text = text
        self.origin = origin
    }

    /// Parses the whole text (python-dotenv's `parse_stream`). Never fails: statements it cannot
    /// parse come back with `isError`.
    static func parse(_ original: [Unicode.Scalar]) -> [DotenvStatement] {
        var parser = DotenvParser(original: original)
        var statements: [DotenvStatement] = []
        while parser.position < parser.text.count {
            let before = parser.position
            statements.append(parser.parseStatement())
            if parser.position <= before {
                // Cannot happen (every statement consumes at least one scalar), but an endless
                // loop on some unforeseen input would be worse than a slightly wrong split.
                parser.position = before + 1
                statements[statements.count - 1].range = parser.origin[before]..<parser.origin[parser.position]
            }
        }
        return statements
    }

    // MARK: Statement (python-dotenv's `parse_binding`)

    private struct Failure: Error {}

    private mutating func parseStatement() -> DotenvStatement {
        let start = position
        // `_multiline_whitespace` runs before anything else, inside the statement.
        while position < text.count, DotenvParser.isSpace(text[position]) { position += 1 }
        var lineStart = position
        while lineStart > start, text[lineStart - 1] != "\n" { lineStart -= 1 }
        if position >= text.count {
            return DotenvStatement(
                range: origin[start]..<origin[position], lineStart: origin[lineStart], key: nil,
                value: nil, isError: false, valueRange: nil, keyEnd: origin[position])
        }
        do {
            readExport()
            let key = try readKey()
            let keyEnd = position
            skipHorizontalWhitespace()
            var value: String?
            var valueRange: Range<Int>?
            if peek == "=" {
                position += 1
                let afterEquals = position
                skipHorizontalWhitespace()
                if position - afterEquals > 0, peek == "#" {
                    // `KEY= # comment`: empty value, the rest is a comment.
                    value = ""
                    valueRange = afterEquals..<afterEquals
                } else {
                    (value, valueRange) = try readValue(afterEquals: afterEquals)
                }
            }
            readComment()
            try readEndOfLine()
            return DotenvStatement(
                range: origin[start]..<origin[position], lineStart: origin[lineStart], key: key,
                value: value, isError: false,
                valueRange: valueRange.map { origin[$0.lowerBound]..<origin[$0.upperBound] },
                keyEnd: origin[keyEnd])
        } catch {
            // `_rest_of_line`, from where the failing read was attempted.
            while position < text.count, text[position] != "\r", text[position] != "\n" { position += 1 }
            if position < text.count { position += 1 }
            return DotenvStatement(
                range: origin[start]..<origin[position], lineStart: origin[lineStart], key: nil,
                value: nil, isError: true, valueRange: nil, keyEnd: origin[position])
        }
    }

    private var peek: Unicode.Scalar? { position < text.count ? text[position] : nil }

    /// `_export`: `(?:export[^\S\r\n]+)?`
    private mutating func readExport() {
        let word: [Unicode.Scalar] = ["e", "x", "p", "o", "r", "t"]
        guard position + word.count < text.count,
              Array(text[position..<position + word.count]) == word,
              DotenvParser.isHorizontalSpace(text[position + word.count])
        else { return }
        position += word.count
        skipHorizontalWhitespace()
    }

    /// `parse_key`: `nil` for a comment; `'([^']+)'` or `([^=\#\s]+)`.
    private mutating func readKey() throws(Failure) -> String? {
        switch peek {
        case "#":
            return nil
        case "'":
            var end = position + 1
            while end < text.count, text[end] != "'" { end += 1 }
            guard end < text.count, end > position + 1 else { throw Failure() }
            let key = DotenvParser.string(text[(position + 1)..<end])
            position = end + 1
            return key
        default:
            var end = position
            while end < text.count {
                let scalar = text[end]
                if scalar == "=" || scalar == "#" || DotenvParser.isSpace(scalar) { break }
                end += 1
            }
            guard end > position else { throw Failure() }
            let key = DotenvParser.string(text[position..<end])
            position = end
            return key
        }
    }

    /// `parse_value` after `=` and the whitespace after it. Returns the decoded value and the
    /// range (in normalised indices) that `set` replaces.
    private mutating func readValue(afterEquals: Int) throws(Failure) -> (String, Range<Int>) {
        let start = position
        switch peek {
        case "'", "\"":
            let quote = text[position]
            var index = position + 1
            // `'((?:\\.|[^'\\])*)'` with DOTALL: a backslash always takes the next scalar.
            while true {
                guard index < text.count else { throw Failure() }
                let scalar = text[index]
                if scalar == quote { break }
                if scalar == "\\" {
                    guard index + 1 < text.count else { throw Failure() }
                    index += 2
                } else {
                    index += 1
                }
            }
            let inner = text[(start + 1)..<index]
            position = index + 1
            let value = quote == "'"
                ? DotenvParser.decodeEscapes(inner, escapable: DotenvParser.singleQuoteEscapes)
                : DotenvParser.decodeEscapes(inner, escapable: DotenvParser.doubleQuoteEscapes)
            return (value, start..<position)
        case nil, "\n", "\r":
            return ("", afterEquals..<afterEquals)
        default:
            // `([^\r\n]*)`, then `re.sub(r"\s+#.*", "", part).rstrip()`.
            var end = position
            while end < text.count, text[end] != "\n", text[end] != "\r" { end += 1 }
            position = end
            var valueEnd = end
            var index = start + 1
            while index < end {
                if text[index] == "#", DotenvParser.isSpace(text[index - 1]) {
                    var runStart = index - 1
                    while runStart > start, DotenvParser.isSpace(text[runStart - 1]) { runStart -= 1 }
                    valueEnd = runStart
                    break
                }
                index += 1
            }
            while valueEnd > start, DotenvParser.isSpace(text[valueEnd - 1]) { valueEnd -= 1 }
            return (DotenvParser.string(text[start..<valueEnd]), start..<valueEnd)
        }
    }

    /// `_comment`: `(?:[^\S\r\n]*#[^\r\n]*)?`
    private mutating func readComment() {
        var index = position
        while index < text.count, DotenvParser.isHorizontalSpace(text[index]) { index += 1 }
        guard index < text.count, text[index] == "#" else { return }
        while index < text.count, text[index] != "\r", text[index] != "\n" { index += 1 }
        position = index
    }

    /// `_end_of_line`: `[^\S\r\n]*(?:\r\n|\n|\r|$)`
    private mutating func readEndOfLine() throws(Failure) {
        var index = position
        while index < text.count, DotenvParser.isHorizontalSpace(text[index]) { index += 1 }
        if index == text.count {
            position = index
        } else if text[index] == "\r" {
            position = index + ((index + 1 < text.count && text[index + 1] == "\n") ? 2 : 1)
        } else if text[index] == "\n" {
            position = index + 1
        } else {
            throw Failure()
        }
    }

    /// `_whitespace`: `[^\S\r\n]*`
    private mutating func skipHorizontalWhitespace() {
        while position < text.count, DotenvParser.isHorizontalSpace(text[position]) { position += 1 }
    }

    // MARK: Scalars

    static let singleQuoteEscapes: Set<Unicode.Scalar> = ["\\", "'"]
    static let doubleQuoteEscapes: Set<Unicode.Scalar> = ["\\", "'", "\"", "a", "b", "f", "n", "r", "t", "v"]

    /// python-dotenv's `decode_escapes`: replaces `\` + one of `escapable`, scanning left to
    /// right (so `\\n` is a backslash and an `n`); every other backslash stays.
    static func decodeEscapes(_ scalars: ArraySlice<Unicode.Scalar>, escapable: Set<Unicode.Scalar>) -> String {
        var result = String.UnicodeScalarView()
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            if scalar == "\\", index + 1 < scalars.endIndex, escapable.contains(scalars[index + 1]) {
                switch scalars[index + 1] {
                case "a": result.append("\u{07}")
                case "b": result.append("\u{08}")
                case "f": result.append("\u{0C}")
                case "n": result.append("\n")
                case "r": result.append("\r")
                case "t": result.append("\t")
                case "v": result.append("\u{0B}")
                case let other: result.append(other)  // \\ \' \"
                }
                index += 2
            } else {
                result.append(scalar)
                index += 1
            }
        }
        return String(result)
    }

    static func string<C: Collection>(_ scalars: C) -> String where C.Element == Unicode.Scalar {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// Python's `str.isspace()`, which is also what `\s` matches in a `str` regex (checked over
    /// every code point with Python 3.11).
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F,
             0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// `[^\S\r\n]`: whitespace other than a line break.
    static func isHorizontalSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar != "\r" && scalar != "\n" && isSpace(scalar)
    }
}

/// python-dotenv's `variables.py` and `resolve_variables`: `${NAME}` and `${NAME:-default}`
/// (no bare `$NAME`, no nesting, no other operators), applied to every value whatever its quotes.
enum DotenvInterpolation {
    /// A key compared the way Python compares `str`: scalar by scalar (Swift's `String` `==`
    /// would treat canonically equivalent spellings as equal).
    struct Name: Hashable {
        let scalars: [UInt32]
        init(_ string: String) { scalars = string.unicodeScalars.map(\.value) }
        init(_ slice: ArraySlice<Unicode.Scalar>) { scalars = slice.map(\.value) }
    }

    /// One `${...}` found by `_posix_variable`.
    struct Match {
        var range: Range<Int>
        var name: ArraySlice<Unicode.Scalar>
        var defaultValue: ArraySlice<Unicode.Scalar>?
    }

    /// `_posix_variable.finditer`: `\$\{(?P<name>[^\}:]*)(?::-(?P<default>[^\}]*))?\}`.
    static func matches(in scalars: [Unicode.Scalar]) -> [Match] {
        var result: [Match] = []
        var index = 0
        let count = scalars.count
        while index + 1 < count {
            guard scalars[index] == "$", scalars[index + 1] == "{" else {
                index += 1
                continue
            }
            var nameEnd = index + 2
            while nameEnd < count, scalars[nameEnd] != "}", scalars[nameEnd] != ":" { nameEnd += 1 }
            if nameEnd < count, scalars[nameEnd] == "}" {
                result.append(Match(range: index..<(nameEnd + 1), name: scalars[(index + 2)..<nameEnd], defaultValue: nil))
                index = nameEnd + 1
                continue
            }
            if nameEnd + 1 < count, scalars[nameEnd] == ":", scalars[nameEnd + 1] == "-" {
                var defaultEnd = nameEnd + 2
                while defaultEnd < count, scalars[defaultEnd] != "}" { defaultEnd += 1 }
                if defaultEnd < count {
                    result.append(Match(
                        range: index..<(defaultEnd + 1), name: scalars[(index + 2)..<nameEnd],
                        defaultValue: scalars[(nameEnd + 2)..<defaultEnd]))
                    index = defaultEnd + 1
                    continue
                }
            }
            index += 1
        }
        return result
    }

    /// `"".join(atom.resolve(env) for atom in parse_variables(value))`. A name bound to `nil`
    /// (a `KEY` line without `=`) expands to "" and does not fall back to the default, exactly
    /// like python-dotenv; so does a name bound to "".
    static func expand(_ value: String, lookup: (Name) -> String??) -> String {
        let scalars = Array(value.unicodeScalars)
        let found = matches(in: scalars)
        if found.isEmpty { return value }
        var result = String.UnicodeScalarView()
        var cursor = 0
        for match in found {
            result.append(contentsOf: scalars[cursor..<match.range.lowerBound])
            switch lookup(Name(match.name)) {
            case .some(.some(let resolved)): result.append(contentsOf: resolved.unicodeScalars)
            case .some(.none): break
            case .none: if let fallback = match.defaultValue { result.append(contentsOf: fallback) }
            }
            cursor = match.range.upperBound
        }
        result.append(contentsOf: scalars[cursor...])
        return String(result)
    }
}
