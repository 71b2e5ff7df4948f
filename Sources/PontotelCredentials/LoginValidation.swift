/// Rules for values every store can keep faithfully, checked before anything is written.
public enum LoginValidation {
    /// Throws `invalidValue` for an empty value or one with a newline, carriage return or NUL,
    /// naming the field, never the value.
    public static func check(_ stored: StoredLogin) throws(CredentialError) {
        try check(stored.login.username, field: "username")
        try check(stored.login.password.reveal(), field: "password")
        if let previous = stored.previousPassword { try check(previous.reveal(), field: "previous password") }
    }

    public static func check(_ value: String, field: String) throws(CredentialError) {
        if value.isEmpty {
            throw CredentialError(.invalidValue, "The \(field) is empty.", fix: "give a non-empty \(field)")
        }
        if value.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\0" }) {
            throw CredentialError(
                .invalidValue,
                "The \(field) contains a newline, carriage return or NUL character, which cannot be stored safely.",
                fix: "use a \(field) without line breaks or NUL characters")
        }
    }
}
