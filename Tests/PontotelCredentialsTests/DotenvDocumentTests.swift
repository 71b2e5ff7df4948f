import Foundation
import Testing

@testable import PontotelCredentials

// Expected values in the tables below were taken from python-dotenv 1.2.4's `dotenv_values()`;
// the interop tests at the end re-check them against the installed python-dotenv on every run.

// MARK: - Parsing

struct DotenvParseCase: Sendable, CustomTestStringConvertible {
    let text: String
    let expected: [DotenvPair]
    var testDescription: String { String(reflecting: text) }

    init(_ text: String, _ expected: [DotenvPair]) {
        self.text = text
        self.expected = expected
    }
}

struct DotenvPair: Sendable, Equatable, CustomStringConvertible {
    let key: String
    let value: String?
    init(_ key: String, _ value: String?) {
        self.key = key
        self.value = value
    }
    static func == (lhs: Self, rhs: Self) -> Bool {
        dotenvSameScalars(lhs.key, rhs.key) && dotenvSameScalars(lhs.value, rhs.value)
    }
    var description: String { "\(String(reflecting: key))=\(value.map { String(reflecting: $0) } ?? "None")" }
}

private func pairs(_ document: DotenvDocument, environment: [String: String] = [:]) -> [DotenvPair] {
    document.resolvedValues(environment: environment).map { DotenvPair($0.key, $0.value) }
}

/// The environment the parse table is evaluated with.
private let tableEnvironment = ["HOMEX": "/root"]

/// Bindings before `${...}` expansion, which editing one key must leave alone for the others.
private func rawPairs(_ document: DotenvDocument) -> [DotenvPair] {
    document.rawBindings().map { DotenvPair($0.key, $0.value) }
}

private func p(_ key: String, _ value: String?) -> DotenvPair { DotenvPair(key, value) }

let dotenvParseTable: [DotenvParseCase] = [
    // interpolation: every kind of quote, braces required, earlier keys, defaults
    .init("A='${HOMEX}'\n", [p("A", "/root")]),
    .init("A=\"${HOMEX}\"\n", [p("A", "/root")]),
    .init("A=${HOMEX}\n", [p("A", "/root")]),
    .init("A=$HOMEX\n", [p("A", "$HOMEX")]),
    .init("A=${NOPE:-def}\n", [p("A", "def")]),
    .init("A=${NOPE:-}x\n", [p("A", "x")]),
    .init("A\nB=${A:-def}\n", [p("A", nil), p("B", "")]),
    .init("E=\nB=${E:-d}\n", [p("E", ""), p("B", "")]),
    .init("A=1\nB=${A}\nA=2\nC=${A}\n", [p("A", "2"), p("B", "1"), p("C", "2")]),
    .init("B=${A}\nA=1\n", [p("B", ""), p("A", "1")]),
    .init("A=${HOMEX:-d}\n", [p("A", "/root")]),
    .init("A=${:-d}\n", [p("A", "d")]),
    .init("A=${}\n", [p("A", "")]),
    .init("A=${X\n", [p("A", "${X")]),
    .init("A=${X:Y}\n", [p("A", "${X:Y}")]),
    .init("A=${A}x\nA=${A}y\n", [p("A", "xy")]),
    // unquoted values and comments
    .init("A=a #c\n", [p("A", "a")]),
    .init("A=a#c\n", [p("A", "a#c")]),
    .init("A= #c\n", [p("A", "")]),
    .init("A=#c\n", [p("A", "#c")]),
    .init("A=a\t#c\n", [p("A", "a")]),
    .init("A=a  \n", [p("A", "a")]),
    .init("A=1 2 3\n", [p("A", "1 2 3")]),
    .init("A = \n", [p("A", "")]),
    .init("A=\n", [p("A", "")]),
    .init("A=1\n#B=2\n", [p("A", "1")]),
    .init("A=\u{A0}x\u{A0}#c\n", [p("A", "x")]),
    .init("A=x\u{A0}#c\n", [p("A", "x")]),
    .init("A=x\u{2003} #c\n", [p("A", "x")]),
    .init("A=x\u{0C}\n", [p("A", "x")]),
    .init("A=x\u{1C}#c\n", [p("A", "x")]),
    .init("A=x\u{85}#c\n", [p("A", "x")]),
    .init("A=x\u{2028}y\n", [p("A", "x\u{2028}y")]),
    // quoted values
    .init("A='a' # c\n", [p("A", "a")]),
    .init("A='a'#c\n", [p("A", "a")]),
    .init("A='a'x\n", []),
    .init("A=\"multi\nline\"\n", [p("A", "multi\nline")]),
    .init("A=\"x\\ny\"\n", [p("A", "x\ny")]),
    .init("A='x\\ny'\n", [p("A", "x\\ny")]),
    .init("A='x\\\\y'\n", [p("A", "x\\y")]),
    .init("A='x\\'y'\n", [p("A", "x'y")]),
    .init("A=\"\\a\\b\\f\\v\\t\\r\\\\\\\"\\'\\$\"\n", [p("A", "\u{07}\u{08}\u{0C}\u{0B}\t\r\\\"'\\$")]),
    .init("A='a\\\\'\n", [p("A", "a\\")]),
    .init("A='a\\\\\\'b'\n", [p("A", "a\\'b")]),
    .init("A='\\'\n", []),
    .init("K='a'\\\n", []),
    .init("A=\"\\u00e7\"\n", [p("A", "\\u00e7")]),
    .init("A=\"\\x41\"\n", [p("A", "\\x41")]),
    .init("A=\"\\N{BULLET}\"\n", [p("A", "\\N{BULLET}")]),
    // keys and export
    .init("'K'=v\n", [p("K", "v")]),
    .init("export A=1\n", [p("A", "1")]),
    .init("export  A = 1 \n", [p("A", "1")]),
    .init("exportA=1\n", [p("exportA", "1")]),
    .init("export=1\n", [p("export", "1")]),
    .init("export =1\n", []),
    .init("export\n", [p("export", nil)]),
    .init("A\n", [p("A", nil)]),
    .init("A # c\n", [p("A", nil)]),
    .init("A", [p("A", nil)]),
    .init("e\u{301}=1\n\u{E9}=2\n", [p("e\u{301}", "1"), p("\u{E9}", "2")]),
    // line breaks, byte order mark, unparsable statements
    .init("A=x\r\nB=y\r\n", [p("A", "x"), p("B", "y")]),
    .init("A=\"a\r\nb\"\r\n", [p("A", "a\nb")]),
    .init("A=x\rB=y\r", [p("A", "x"), p("B", "y")]),
    .init("\u{FEFF}A=1\n", [p("A", "1")]),
    .init("A='unterminated\nB=2\n", [p("B", "2")]),
    .init("A=\"x\" junk\nB=3\n", [p("B", "3")]),
    .init(" = x\nB=1\n", [p("B", "1")]),
    .init("A=1\n  \n  \nB=2", [p("A", "1"), p("B", "2")]),
    .init("", []),
    .init("\n\n   \n", []),
]

/// A file with a bit of everything; `messyExpected` is how python-dotenv reads it.
let messyDotenv = [
    "\u{FEFF}# Pontotel credentials\r\n",
    "\r\n",
    "export PONTOTEL_SANDBOX_USERNAME = \"user@example.com\"   # who\r\n",
    "  PONTOTEL_SANDBOX_PASSWORD='p\\'a\\\\ss' \r\n",
    "\tBROKEN='a'x junk\n",
    " = no key\n",
    "NOVALUE\n",
    "'QUOTED_KEY'=x\n",
    "MULTI=\"line1\n",
    "line2\"\n",
    "DUP=1 # first\n",
    "OTHER=${DUP}-${MISSING:-fallback}\n",
    "\n",
    "DUP=2\n",
    "   \n",
    "LAST=no-newline   \t ",
].joined()

private let messyExpected: [DotenvPair] = [
    p("PONTOTEL_SANDBOX_USERNAME", "user@example.com"),
    p("PONTOTEL_SANDBOX_PASSWORD", "p'a\\ss"),
    p("NOVALUE", nil),
    p("QUOTED_KEY", "x"),
    p("MULTI", "line1\nline2"),
    p("DUP", "2"),
    p("OTHER", "1-fallback"),
    p("LAST", "no-newline"),
]

@Suite struct DotenvDocumentTests {
    @Test(arguments: dotenvParseTable)
    func parsesLikePythonDotenv(_ testCase: DotenvParseCase) {
        let document = DotenvDocument(parsing: testCase.text)
        #expect(pairs(document, environment: tableEnvironment) == testCase.expected)
        #expect(document.serialized().unicodeScalars.elementsEqual(testCase.text.unicodeScalars))
        for pair in testCase.expected {
            #expect(dotenvSameScalars(document.value(forKey: pair.key, environment: tableEnvironment), pair.value))
        }
        #expect(document.keys == testCase.expected.filter { $0.value != nil }.map(\.key))
    }

    @Test func messyFileReadsLikePythonAndRoundTripsByteForByte() {
        let document = DotenvDocument(parsing: messyDotenv)
        #expect(pairs(document) == messyExpected)
        #expect(document.serialized() == messyDotenv)
        #expect(Array(document.serialized().utf8) == Array(messyDotenv.utf8))
        let fromData = DotenvDocument(parsing: Data(messyDotenv.utf8))
        #expect(Array(fromData.serialized().utf8) == Array(messyDotenv.utf8))
        #expect(!fromData.hadInvalidUTF8)
        #expect(document.value(forKey: "NOVALUE") == nil)
        #expect(document.value(forKey: "MISSING") == nil)
        #expect(document.rawValue(forKey: "OTHER") == "${DUP}-${MISSING:-fallback}")
        #expect(document.keys == messyExpected.filter { $0.value != nil }.map(\.key))
    }

    @Test func valueForKeyUsesOnlyTheGivenEnvironment() {
        let document = DotenvDocument(parsing: "A=${PONTOTEL_DOTENV_TEST_VAR:-unset}\nB=${PATH}\n")
        #expect(document.value(forKey: "A") == "unset")
        #expect(document.value(forKey: "B") == "")
        #expect(document.value(forKey: "A", environment: ["PONTOTEL_DOTENV_TEST_VAR": "x"]) == "x")
        #expect(document.rawValue(forKey: "B") == "${PATH}")
    }

    // MARK: Editing

    @Test func setReplacesInPlaceAndKeepsEverythingElse() {
        var document = DotenvDocument(parsing: messyDotenv)
        let didSet1 = document.set("new'pass\\", forKey: "PONTOTEL_SANDBOX_PASSWORD")
        #expect(didSet1)
        let didSet2 = document.set("someone", forKey: "PONTOTEL_SANDBOX_USERNAME")
        #expect(didSet2)
        let expected = messyDotenv
            .replacingOccurrences(of: "'p\\'a\\\\ss'", with: "'new\\'pass\\\\'")
            .replacingOccurrences(of: "\"user@example.com\"", with: "'someone'")
        #expect(document.serialized() == expected)
        #expect(document.value(forKey: "PONTOTEL_SANDBOX_PASSWORD") == "new'pass\\")
        #expect(document.value(forKey: "PONTOTEL_SANDBOX_USERNAME") == "someone")
        let reparsed = DotenvDocument(parsing: document.serialized())
        #expect(pairs(reparsed).filter { !$0.key.hasPrefix("PONTOTEL_") } == messyExpected.filter { !$0.key.hasPrefix("PONTOTEL_") })
    }

    @Test(arguments: [
        // (text, key, value, expected text)
        ("", "K", "v", "K='v'\n"),
        ("A=1", "K", "v", "A=1\nK='v'\n"),
        ("A=1\n", "K", "v", "A=1\nK='v'\n"),
        ("A=1\r\nB=2", "K", "v", "A=1\r\nB=2\r\nK='v'\r\n"),
        ("A=1\rB=2\r", "K", "v", "A=1\rB=2\rK='v'\r"),
        ("\u{FEFF}", "K", "v", "\u{FEFF}K='v'\n"),
        ("# only a comment", "K", "v", "# only a comment\nK='v'\n"),
        ("K=old\n", "K", "new", "K='new'\n"),
        ("export K=old # note\n", "K", "new", "export K='new' # note\n"),
        ("  export   K  =  \"old\"   # note\r\n", "K", "n", "  export   K  =  'n'   # note\r\n"),
        ("K=old   \n", "K", "n", "K='n'   \n"),
        ("K= # note\n", "K", "n", "K='n' # note\n"),
        ("K=\n", "K", "n", "K='n'\n"),
        ("K", "K", "n", "K='n'"),
        ("K # note\n", "K", "n", "K='n' # note\n"),
        ("'K'=x\n", "K", "n", "'K'='n'\n"),
        ("K=\"multi\nline\" # c\nA=1\n", "K", "n", "K='n' # c\nA=1\n"),
        ("A=1\n\n# c\nK=1\nB=2\n\n  K=2 # dup\n\nK\nC=3\n", "K", "n", "A=1\n\n# c\nK='n'\nB=2\n\n\nC=3\n"),
        ("A=1\nKEY=1\n", "K", "v", "A=1\nKEY=1\nK='v'\n"),
        ("K='a'x\n", "K", "v", "K='a'x\nK='v'\n"),
        ("K=${HOME}\n", "K", "a'b\\c", "K='a\\'b\\\\c'\n"),
    ] as [(String, String, String, String)])
    func setProducesExactText(_ text: String, _ key: String, _ value: String, _ expected: String) {
        var document = DotenvDocument(parsing: text)
        let didSet3 = document.set(value, forKey: key)
        #expect(didSet3)
        #expect(Array(document.serialized().unicodeScalars) == Array(expected.unicodeScalars))
        #expect(document.value(forKey: key) == value)
        #expect(DotenvDocument(parsing: document.serialized()).value(forKey: key) == value)
    }

    @Test(arguments: [
        ("A=1\nK=2\nB=3\n", "K", "A=1\nB=3\n"),
        ("A=1\n\n  K=2 # c\r\n\nB=3\n", "K", "A=1\n\n\nB=3\n"),
        ("K=1\nA=1\nK\nexport K='x'\nK=\"m\nl\"\nB=2", "K", "A=1\nB=2"),
        ("A=1\nK=2", "K", "A=1\n"),
        ("A=1\n#K=2\nK2=1\n", "K", "A=1\n#K=2\nK2=1\n"),
        ("\u{FEFF}K=1\r\nA=2\r\n", "K", "\u{FEFF}A=2\r\n"),
        ("K='a'x\nK=1\n", "K", "K='a'x\n"),
        ("e\u{301}=1\n\u{E9}=2\n", "\u{E9}", "e\u{301}=1\n"),
    ] as [(String, String, String)])
    func removeValueDropsOnlyTheKeysLines(_ text: String, _ key: String, _ expected: String) {
        var document = DotenvDocument(parsing: text)
        document.removeValue(forKey: key)
        #expect(Array(document.serialized().unicodeScalars) == Array(expected.unicodeScalars))
        #expect(document.value(forKey: key) == nil)
    }

    @Test func removingAMissingKeyChangesNothing() {
        var document = DotenvDocument(parsing: messyDotenv)
        document.removeValue(forKey: "NOT_THERE")
        #expect(document.serialized() == messyDotenv)
    }

    @Test func crlfFileStaysCRLF() {
        let text = "# creds\r\nexport PONTOTEL_SANDBOX_USERNAME=me\r\n\r\nPONTOTEL_SANDBOX_PASSWORD=\"old\" # x\r\nTAIL=1\r\n"
        var document = DotenvDocument(parsing: text)
        #expect(document.value(forKey: "PONTOTEL_SANDBOX_PASSWORD") == "old")
        document.set("s3cr3t", forKey: "PONTOTEL_SANDBOX_PASSWORD")
        document.set("x", forKey: "PONTOTEL_PRODUCTION_USERNAME")
        document.removeValue(forKey: "TAIL")
        #expect(document.serialized() == "# creds\r\nexport PONTOTEL_SANDBOX_USERNAME=me\r\n\r\nPONTOTEL_SANDBOX_PASSWORD='s3cr3t' # x\r\nPONTOTEL_PRODUCTION_USERNAME='x'\r\n")
        #expect(document.keys == ["PONTOTEL_SANDBOX_USERNAME", "PONTOTEL_SANDBOX_PASSWORD", "PONTOTEL_PRODUCTION_USERNAME"])
    }

    @Test func setAfterAnUnterminatedQuoteFallsBackToAnotherQuote() {
        // python-dotenv skips `A='oops`; a new `'` after it would pair with that quote and turn
        // everything in between into one unparsable statement, so `set` uses double quotes.
        var document = DotenvDocument(parsing: "A='oops\nB=1\n")
        let didSet4 = document.set("v", forKey: "K")
        #expect(didSet4)
        #expect(document.serialized() == "A='oops\nB=1\nK=\"v\"\n")
        #expect(pairs(document) == [p("B", "1"), p("K", "v")])
        // Unterminated quotes of both kinds: a bare value still works when it has no quote.
        var both = DotenvDocument(parsing: "A='oops\nC=\"oops\nB=1\n")
        let didSet5 = both.set("v w", forKey: "K")
        #expect(didSet5)
        #expect(both.serialized() == "A='oops\nC=\"oops\nB=1\nK=v w\n")
        // ... and when nothing works, `set` says so.
        var hopeless = DotenvDocument(parsing: "A='oops\nC=\"oops\nB=1\n")
        let unchanged = hopeless.serialized()
        let didSet6 = hopeless.set("it's \"x\"", forKey: "K")
        #expect(!didSet6)
        #expect(hopeless.serialized() == unchanged)
        // A "\r" in the value cannot survive python-dotenv's universal newlines.
        var withCR = DotenvDocument(parsing: "A=1\n")
        let didSetCR = withCR.set("a\rb", forKey: "K")
        #expect(!didSetCR)
        #expect(withCR.serialized() == "A=1\n")
    }

    @Test func isStorable() {
        for value in ["x", " ", "a b", "it's", "\\", "$HOME", "${HOME", "${A:B}", "{}", "ção 密码 🔑", "\u{2028}", "\t"] {
            #expect(DotenvDocument.isStorable(value), "\(String(reflecting: value))")
        }
        for value in ["", "\n", "a\nb", "\r", "a\r\nb", "\r\n", "\0", "a\0", "${HOME}", "a${X:-d}b", "${}", "${:-}"] {
            #expect(!DotenvDocument.isStorable(value), "\(String(reflecting: value))")
        }
    }

    @Test func isValidKey() {
        for key in ["PONTOTEL_SANDBOX_PASSWORD", "a", "export", "x.y-z", "ção", "K'"] {
            #expect(DotenvDocument.isValidKey(key), "\(key)")
        }
        for key in ["", "A B", "A=B", "#A", "A#", "'A'", "A\n", "\u{FEFF}A", "A\u{A0}"] {
            #expect(!DotenvDocument.isValidKey(key), "\(String(reflecting: key))")
        }
    }

    @Test func invalidUTF8IsDecodedLossily() {
        var bytes = Data("A=1\nB=".utf8)
        bytes.append(contentsOf: [0xFF, 0xC3, 0x28, 0xED, 0xA0, 0x80])
        bytes.append(contentsOf: Data("\nC='x'\n".utf8))
        let document = DotenvDocument(parsing: bytes)
        #expect(document.hadInvalidUTF8)
        #expect(document.value(forKey: "A") == "1")
        #expect(document.value(forKey: "C") == "x")
        #expect(document.value(forKey: "B")?.contains("\u{FFFD}") == true)
    }

    // MARK: - Property tests

    @Test func arbitraryBytesNeverCrashAndRoundTrip() {
        var random = DotenvSplitMix64(seed: 0x5EED_D07E)
        let alphabet: [UInt8] = Array("=\"'\\#\r\n \t$:{}-exportAKB".utf8) + [0xC3, 0xA7, 0xFF, 0xEF, 0xBB, 0xBF, 0x00, 0xC2, 0xA0]
        for round in 0..<4000 {
            let length = Int(random.next() % 120)
            var bytes: [UInt8] = []
            for _ in 0..<length {
                bytes.append(random.next() % 3 == 0 ? UInt8(truncatingIfNeeded: random.next()) : alphabet[Int(random.next() % UInt64(alphabet.count))])
            }
            if round % 7 == 0 { bytes.insert(contentsOf: [0xEF, 0xBB, 0xBF], at: 0) }
            var document = DotenvDocument(parsing: Data(bytes))
            let decoded = String(decoding: bytes, as: UTF8.self)
            #expect(document.serialized().unicodeScalars.elementsEqual(decoded.unicodeScalars))
            #expect(document.hadInvalidUTF8 == (String(validating: bytes, as: UTF8.self) == nil))
            let keys = document.keys
            #expect(Set(keys.map { Array($0.unicodeScalars) }).count == keys.count)
            for key in keys { #expect(document.value(forKey: key) != nil) }
            // Editing never crashes either, and when `set` says it worked, it did.
            let before = rawPairs(document).filter { $0.key != "K" }
            let unchanged = document.serialized()
            if document.set("v'\"\\#", forKey: "K") {
                #expect(document.rawValue(forKey: "K") == "v'\"\\#")
                #expect(rawPairs(document).filter { $0.key != "K" } == before)
            } else {
                #expect(document.serialized() == unchanged)
            }
            document.removeValue(forKey: "K")
            #expect(document.value(forKey: "K") == nil)
            #expect(rawPairs(document).filter { $0.key != "K" } == before)
        }
    }

    @Test func randomStorableValuesRoundTrip() {
        var random = DotenvSplitMix64(seed: 42)
        let base = DotenvDocument(parsing: messyDotenv)
        var checked = 0
        for _ in 0..<4000 {
            let value = DotenvRandomText.value(&random)
            guard DotenvDocument.isStorable(value) else { continue }
            checked += 1
            for key in ["PONTOTEL_SANDBOX_PASSWORD", "NEW_KEY"] {
                var document = base
                let didSet7 = document.set(value, forKey: key)
                #expect(didSet7)
                let text = document.serialized()
                #expect(text.hasPrefix("\u{FEFF}"))
                let reparsed = DotenvDocument(parsing: Data(text.utf8))
                #expect(dotenvSameScalars(reparsed.value(forKey: key), value), "\(String(reflecting: value))")
                #expect(rawPairs(reparsed).filter { $0.key != key } == rawPairs(base).filter { $0.key != key })
            }
        }
        #expect(checked > 3000)
    }

    @Test func editingRandomDocumentsKeepsOtherBindings() {
        var random = DotenvSplitMix64(seed: 7)
        for _ in 0..<1500 {
            let text = DotenvRandomText.document(&random)
            var document = DotenvDocument(parsing: text)
            #expect(document.serialized().unicodeScalars.elementsEqual(text.unicodeScalars))
            let key = ["A", "B", "KEY_1", "export", "NEW"][Int(random.next() % 5)]
            let before = rawPairs(document).filter { !dotenvSameScalars($0.key, key) }
            let value = DotenvRandomText.value(&random)
            if DotenvDocument.isStorable(value), document.set(value, forKey: key) {
                #expect(dotenvSameScalars(document.rawValue(forKey: key), value))
                #expect(rawPairs(document).filter { !dotenvSameScalars($0.key, key) } == before)
            }
            document.removeValue(forKey: key)
            #expect(document.rawValue(forKey: key) == nil)
            #expect(rawPairs(document).filter { !dotenvSameScalars($0.key, key) } == before, "\(String(reflecting: text))")
        }
    }
}

// MARK: - Interoperability with python-dotenv

/// Values that must survive a trip through a dotenv file in both directions.
let dotenvTrickyValues: [String] = [
    "plain", "it's", "say \"hi\"", "both ' and \"", "''", "\"\"", "#hash", "a #not-a-comment", "a # b",
    "a=b=c", "=", "$", "$HOME", "${HOME", "${A:B}", "$(whoami)", "`id`", "back\\slash", "trailing\\",
    "\\\\double", "\\'", "\\\"", "\\n literal", "\\t\\\\'", "  leading", "trailing  ", " both ", "\ttab\t",
    "ção 密码 🔑", "e\u{301}", "\u{A0}nbsp\u{A0}", "\u{2028}", "\u{85}", "\u{FEFF}bom", "export FOO=bar",
    "KEY='x'", "'quoted'", "\"dq\"", "{}", "}{$", "p@ss w0rd!~%^&*()[]{}|;:,.<>?/", "-", "#",
]

/// Values python-dotenv cannot read back: `${...}` is expanded whatever the quotes.
let dotenvExpandedValues: [String] = ["${HOME}", "a${PONTOTEL_X:-d}b", "${}"]

@Suite struct DotenvInteropTests {
    @Test func weWritePythonDotenvReads() throws {
        guard let python = DotenvInterop.python() else { return }
        let directory = try DotenvInterop.TemporaryDirectory()
        var files: [String] = []
        var documents: [DotenvDocument] = []
        for (index, value) in (dotenvTrickyValues + dotenvExpandedValues).enumerated() {
            var document = DotenvDocument(parsing: messyDotenv)
            let key = index % 2 == 0 ? "PONTOTEL_SANDBOX_PASSWORD" : "PONTOTEL_PRODUCTION_PASSWORD"
            document.set(value, forKey: key)
            let path = directory.path("w\(index).env")
            try Data(document.serialized().utf8).write(to: URL(fileURLWithPath: path))
            files.append(path)
            documents.append(document)
        }
        let result = try DotenvInterop.readMany(python, files)
        for (index, value) in (dotenvTrickyValues + dotenvExpandedValues).enumerated() {
            let key = index % 2 == 0 ? "PONTOTEL_SANDBOX_PASSWORD" : "PONTOTEL_PRODUCTION_PASSWORD"
            let theirs = result.files[index]
            // Python reads the whole file as we do...
            #expect(theirs == pairs(documents[index], environment: result.environ), "\(String(reflecting: value))")
            let theirValue = theirs.first { $0.key == key }?.value
            if DotenvDocument.isStorable(value) {
                // ... and our value exactly.
                #expect(dotenvSameScalars(theirValue, value), "\(String(reflecting: value))")
            } else {
                #expect(!dotenvSameScalars(theirValue, value), "\(String(reflecting: value)) was expected to be expanded")
            }
        }
    }

    @Test func pythonDotenvWritesWeRead() throws {
        guard let python = DotenvInterop.python() else { return }
        let directory = try DotenvInterop.TemporaryDirectory()
        var files: [String] = []
        for (index, value) in dotenvTrickyValues.enumerated() {
            let path = directory.path("p\(index).env")
            try Data("# keep\nOTHER=1\nPONTOTEL_SANDBOX_PASSWORD=old\n".utf8).write(to: URL(fileURLWithPath: path))
            try DotenvInterop.run(python, ["write", path, "PONTOTEL_SANDBOX_PASSWORD"], stdin: Data(value.utf8))
            try DotenvInterop.run(python, ["write", path, "PONTOTEL_SANDBOX_USERNAME"], stdin: Data(value.utf8))
            files.append(path)
        }
        let result = try DotenvInterop.readMany(python, files)
        for (index, value) in dotenvTrickyValues.enumerated() {
            let data = try Data(contentsOf: URL(fileURLWithPath: files[index]))
            let document = DotenvDocument(parsing: data)
            #expect(dotenvSameScalars(document.value(forKey: "PONTOTEL_SANDBOX_PASSWORD"), value), "\(String(reflecting: value))")
            #expect(dotenvSameScalars(document.value(forKey: "PONTOTEL_SANDBOX_USERNAME"), value), "\(String(reflecting: value))")
            // python-dotenv reads its own output back exactly, and agrees with us on the file.
            #expect(result.files[index] == pairs(document, environment: result.environ), "\(String(reflecting: value))")
            // set_key writes exactly what `set` writes.
            var ours = DotenvDocument(parsing: "# keep\nOTHER=1\nPONTOTEL_SANDBOX_PASSWORD=old\n")
            ours.set(value, forKey: "PONTOTEL_SANDBOX_PASSWORD")
            ours.set(value, forKey: "PONTOTEL_SANDBOX_USERNAME")
            #expect(document.serialized() == ours.serialized())
        }
    }

    @Test func parsesEveryFileAsPythonDotenvDoes() throws {
        guard let python = DotenvInterop.python() else { return }
        let directory = try DotenvInterop.TemporaryDirectory()
        var texts = dotenvParseTable.map(\.text) + [messyDotenv]
        var random = DotenvSplitMix64(seed: 2024)
        for _ in 0..<600 { texts.append(DotenvRandomText.document(&random)) }
        var files: [String] = []
        for (index, text) in texts.enumerated() {
            let path = directory.path("r\(index).env")
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            files.append(path)
        }
        let result = try DotenvInterop.readMany(python, files, environment: ["HOMEX": "/root", "ENVVAR": "from-env"])
        #expect(result.files.count == texts.count)
        var mismatches = 0
        for (index, text) in texts.enumerated() where index < result.files.count {
            let ours = pairs(DotenvDocument(parsing: text), environment: result.environ)
            if ours != result.files[index] {
                mismatches += 1
                if mismatches <= 5 {
                    Issue.record("python-dotenv reads \(String(reflecting: text)) as \(result.files[index]), we read \(ours)")
                }
            }
        }
        #expect(mismatches == 0)
        // The hand-written table agrees with python-dotenv too.
        for (index, testCase) in dotenvParseTable.enumerated() {
            #expect(result.files[index] == testCase.expected, "\(testCase.testDescription)")
        }
    }
}

// MARK: - Helpers

/// SplitMix64: a tiny deterministic generator, so failures reproduce.
struct DotenvSplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum DotenvRandomText {
    static let valueScalars: [String] = (0x20...0x7E).map { String(UnicodeScalar($0)!) }
        + ["'", "\"", "\\", "#", "=", "$", "{", "}", "$", "${", " ", " ", "\t", "ç", "密", "🔑", "e\u{301}", "\u{A0}", "\u{2003}", "\u{85}", "\u{2028}", "\u{FEFF}"]

    static func pick<T>(_ items: [T], _ random: inout DotenvSplitMix64) -> T {
        items[Int(random.next() % UInt64(items.count))]
    }

    /// A random value: printable ASCII (quotes, backslashes, `#`, `=`, `$` often), spaces, tabs
    /// and some non-ASCII.
    static func value(_ random: inout DotenvSplitMix64) -> String {
        let length = 1 + Int(random.next() % 24)
        return (0..<length).map { _ in pick(valueScalars, &random) }.joined()
    }

    /// A random dotenv text built from the pieces python-dotenv's grammar cares about.
    static func document(_ random: inout DotenvSplitMix64) -> String {
        let keys = ["A", "B", "KEY_1", "export", "'A'", "'sp ace'", "x.y", "e\u{301}", "\u{E9}", "#A", "=", ""]
        let spaces = ["", "", " ", "  ", "\t", "\u{A0}", "\u{2003}", "\u{0B}"]
        let breaks = ["\n", "\n", "\n", "\r\n", "\r"]
        let unquotedPieces = ["x", "y z", " #c", "#", "\\", "$", "${A}", "${B:-d}", "${ENVVAR}", "${NOPE:-}", "'", "\"", "=", " ", "\u{A0}", "ç", "\t#"]
        let quotedPieces = ["x", " ", "#", "\\\\", "\\'", "\\\"", "\\n", "\\t", "\\x", "\\", "${A}", "${ENVVAR:-q}", "\n", "\r\n", "'", "\"", "ç", "\\u00e7"]
        var text = random.next() % 10 == 0 ? "\u{FEFF}" : ""
        let lines = Int(random.next() % 8)
        for _ in 0..<lines {
            switch random.next() % 10 {
            case 0:
                text += pick(["", "   ", "# comment", "  # indented", "#", " = x", "'oops", "\"oops", "A='a'x", "export", "export ", "export  =1"], &random)
            case 1:
                text += pick(spaces, &random) + pick(keys, &random) + pick(spaces, &random) + pick(["", "# c", " # c"], &random)
            default:
                text += pick(spaces, &random)
                if random.next() % 3 == 0 { text += "export" + pick([" ", "  ", "\t", ""], &random) }
                text += pick(keys, &random) + pick(spaces, &random) + "=" + pick(spaces, &random)
                switch random.next() % 3 {
                case 0:
                    for _ in 0..<Int(random.next() % 5) { text += pick(unquotedPieces, &random) }
                case 1:
                    let quote = pick(["'", "\""], &random)
                    text += quote
                    for _ in 0..<Int(random.next() % 5) { text += pick(quotedPieces, &random) }
                    if random.next() % 8 != 0 { text += quote }
                default:
                    text += pick(["", "'", "\"\"", "''", "\"a\"b", "'a' #c", "\"a\"  # c", "'a'\t"], &random)
                }
                text += pick(spaces, &random) + pick(["", "", "# c", " # c", "junk"], &random)
            }
            text += pick(breaks, &random)
        }
        if random.next() % 4 == 0, text.unicodeScalars.last == "\n" { text.unicodeScalars.removeLast() }
        return text
    }
}

enum DotenvInterop {
    /// The Python that has python-dotenv, from `PONTOTEL_TEST_PYTHON`; records a failure (these
    /// tests must not be skipped silently) and returns `nil` when it is not set.
    static func python(sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        guard let python = ProcessInfo.processInfo.environment["PONTOTEL_TEST_PYTHON"], !python.isEmpty else {
            Issue.record("PONTOTEL_TEST_PYTHON is not set: run scripts/test", sourceLocation: sourceLocation)
            return nil
        }
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("PONTOTEL_TEST_PYTHON=\(python) is not an executable file: run scripts/test", sourceLocation: sourceLocation)
            return nil
        }
        return python
    }

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/dotenv_interop.py").path

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs the helper script. Values go through `stdin` (a file), never the command line.
    @discardableResult
    static func run(
        _ python: String, _ arguments: [String], stdin: Data = Data(), environment: [String: String] = [:]
    ) throws -> Data {
        let directory = try TemporaryDirectory()
        let input = directory.path("stdin")
        let output = directory.path("stdout")
        let errors = directory.path("stderr")
        try stdin.write(to: URL(fileURLWithPath: input))
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script] + arguments
        process.environment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"]
            .merging(environment) { $1 }
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        try process.run()
        process.waitUntilExit()
        let stdout = try Data(contentsOf: URL(fileURLWithPath: output))
        guard process.terminationStatus == 0 else {
            let stderr = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
            throw Failure(description: "\(python) dotenv_interop.py \(arguments.first ?? "") exited with \(process.terminationStatus): \(stderr)")
        }
        return stdout
    }

    struct ReadResult {
        var environ: [String: String]
        var version: String
        var files: [[DotenvPair]]
    }

    private struct ReadManyJSON: Decodable {
        var environ: [String: String]
        var version: String
        var files: [[[String?]]]
    }

    /// python-dotenv's `dotenv_values` of every file, as ordered pairs, and the `os.environ` it
    /// interpolated from.
    static func readMany(_ python: String, _ files: [String], environment: [String: String] = [:]) throws -> ReadResult {
        let data = try run(python, ["read-many"] + files, environment: environment)
        let json = try JSONDecoder().decode(ReadManyJSON.self, from: data)
        let files = try json.files.map { file in
            try file.map { pair in
                guard pair.count == 2, let key = pair[0] else { throw Failure(description: "bad pair \(pair)") }
                return DotenvPair(key, pair[1])
            }
        }
        return ReadResult(environ: json.environ, version: json.version, files: files)
    }

    /// A directory under the system's temporary directory, removed when this goes away.
    final class TemporaryDirectory {
        let url: URL
        init() throws {
            url = FileManager.default.temporaryDirectory
                .appendingPathComponent("pontotel-dotenv-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        func path(_ name: String) -> String { url.appendingPathComponent(name).path }
        deinit { try? FileManager.default.removeItem(at: url) }
    }
}
