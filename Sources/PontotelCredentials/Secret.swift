import Foundation

/// A secret value (password or token) that never shows itself by accident.
///
/// `description`, `debugDescription`, string interpolation and `dump()` print `<redacted>`;
/// the value is read only through ``reveal()``. Equality is constant-time.
/// The bytes are overwritten with zeros when the last copy is released.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    private final class Storage: @unchecked Sendable {
        var bytes: [UInt8]
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        deinit {
            bytes.withUnsafeMutableBufferPointer { buffer in
                for index in buffer.indices { buffer[index] = 0 }
            }
        }
    }

    private let storage: Storage

    public init(_ value: String) { storage = Storage(Array(value.utf8)) }
    public init(bytes: [UInt8]) { storage = Storage(bytes) }

    /// The secret as text. Call only where the value must leave the process (an HTTP body, a store).
    public func reveal() -> String { String(decoding: storage.bytes, as: UTF8.self) }

    /// Number of UTF-8 bytes; safe to show.
    public var byteCount: Int { storage.bytes.count }
    public var isEmpty: Bool { storage.bytes.isEmpty }

    /// A masked form for display: always `********`. No characters are shown (showing the last
    /// four, as some tools do for tokens, would give away part of a password) and the length
    /// is not hinted.
    public func masked() -> String { "********" }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "Secret(<redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    public static func == (lhs: Secret, rhs: Secret) -> Bool {
        let a = lhs.storage.bytes, b = rhs.storage.bytes
        var difference = UInt8(a.count == b.count ? 0 : 1)
        let count = max(a.count, b.count)
        for index in 0..<count {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(byteCount) }
}
