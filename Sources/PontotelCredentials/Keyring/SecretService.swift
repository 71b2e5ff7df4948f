import CLibSecret
import Dispatch
import Foundation
import Synchronization

/// One item found in the Secret Service: its attributes, its secret (when unlocked) and when it
/// last changed. The secret is held as ``Secret`` so it never prints.
struct KeyringItem: Sendable {
    var attributes: [String: String]
    var secret: Secret?
    var modified: Date
    var isLocked: Bool
}

/// A thin, synchronous wrapper over libsecret's Secret Service client.
///
/// Every call runs under a deadline (a `GCancellable` cancelled by a timer), so a keyring that
/// never answers (an unlock prompt nobody can see, a hung daemon) ends in an error, not a hang.
/// Errors are classified into "no Secret Service here" (`keyringUnavailable`), "present but locked
/// or not answering" (`keyringLocked`) and anything else (`keyringFailure`).
struct SecretServiceClient: Sendable {
    /// How long one libsecret call may take.
    var timeout: Duration

    init(timeout: Duration = .seconds(5)) {
        self.timeout = timeout
    }

    // MARK: Operations

    /// Items whose attributes include all of `attributes`, in any collection, with their secrets.
    ///
    /// The common case (exactly one matching item, unlocked) takes the round trips
    /// `secret-tool lookup` takes plus one property read: `SearchItems`, the item's properties,
    /// and a lookup by its full attribute set (`SearchItems` + `GetSecrets`). libsecret's
    /// `secret_service_search_sync` would also build an item proxy (match rules, name owner,
    /// properties) and send an `Unlock` even for an unlocked item: about twice the messages.
    /// Anything else (several items, a locked one) takes that general path, which can prompt.
    func search(_ attributes: [String: String]) throws(CredentialError) -> [KeyringItem] {
        try withService { service, cancellable, error in
            if let items = searchSingleUnlocked(service, attributes, cancellable, error) { return items }
            if let failure = error.pointee {
                // The item changed or vanished between two calls: the general path sorts it out.
                guard itemVanished(failure) else { return [] }
                g_clear_error(error)
            }
            let table = makeAttributes(attributes)
            defer { pontotel_hash_table_unref(table) }
            let flags = SecretSearchFlags(
                rawValue: SECRET_SEARCH_ALL.rawValue | SECRET_SEARCH_UNLOCK.rawValue
                    | SECRET_SEARCH_LOAD_SECRETS.rawValue)
            let list = secret_service_search_sync(service, nil, table, flags, cancellable, error)
            guard let list else { return [] }
            defer { pontotel_item_list_free(list) }
            var items: [KeyringItem] = []
            for index in 0..<pontotel_list_length(list) {
                guard let item = pontotel_list_item(list, index) else { continue }
                items.append(readItem(item))
            }
            return items
        }
    }

    /// The fast path of ``search(_:)``: nil when it does not apply (then `error` is unset, unless
    /// a D-Bus call failed), else the items (none, or the single unlocked one with its secret).
    private func searchSingleUnlocked(
        _ service: UnsafeMutablePointer<SecretService>, _ attributes: [String: String],
        _ cancellable: UnsafeMutablePointer<GCancellable>, _ error: ErrorOut
    ) -> [KeyringItem]? {
        let proxy = UnsafeMutableRawPointer(service).assumingMemoryBound(to: GDBusProxy.self)
        var arguments: [OpaquePointer?] = [makeStringDictionary(attributes)]
        guard
            let reply = g_dbus_proxy_call_sync(
                proxy, "SearchItems", g_variant_new_tuple(&arguments, 1), G_DBUS_CALL_FLAGS_NONE, -1,
                cancellable, error)
        else { return nil }
        defer { g_variant_unref(reply) }
        let unlocked = objectPaths(reply, child: 0)
        let locked = objectPaths(reply, child: 1)
        if unlocked.isEmpty && locked.isEmpty { return [] }
        guard unlocked.count == 1, locked.isEmpty, let connection = g_dbus_proxy_get_connection(proxy)
        else { return nil }
        var getAllArguments: [OpaquePointer?] = [g_variant_new_string("org.freedesktop.Secret.Item")]
        let replyType = g_variant_type_new("(a{sv})")
        defer { g_variant_type_free(replyType) }
        guard
            let properties = g_dbus_connection_call_sync(
                connection, g_dbus_proxy_get_name(proxy), unlocked[0], "org.freedesktop.DBus.Properties",
                "GetAll", g_variant_new_tuple(&getAllArguments, 1), replyType, G_DBUS_CALL_FLAGS_NONE, -1,
                cancellable, error)
        else { return nil }
        defer { g_variant_unref(properties) }
        let dictionary = g_variant_get_child_value(properties, 0)!
        defer { g_variant_unref(dictionary) }
        let itemAttributes = stringDictionary(lookup(dictionary, "Attributes", "a{ss}"))
        let modified = lookup(dictionary, "Modified", "t").map { value in
            defer { g_variant_unref(value) }
            return TimeInterval(g_variant_get_uint64(value))
        } ?? 0
        guard !itemAttributes.isEmpty else { return nil }
        // A lookup by the item's full attribute set matches only that item: any match of the
        // superset also matched the search, which found this one item alone.
        let table = makeAttributes(itemAttributes)
        defer { pontotel_hash_table_unref(table) }
        guard let value = secret_service_lookup_sync(service, nil, table, cancellable, error) else {
            return nil  // gone or changed in between: the general path sorts it out
        }
        defer { secret_value_unref(UnsafeMutableRawPointer(value)) }
        var length: gsize = 0
        guard let bytes = secret_value_get(value, &length) else { return nil }
        let secret = Secret(bytes: Array(UnsafeRawBufferPointer(start: bytes, count: Int(length))))
        return [
            KeyringItem(
                attributes: itemAttributes, secret: secret,
                modified: Date(timeIntervalSince1970: modified), isLocked: false)
        ]
    }

    /// A floating `a{ss}` GVariant.
    private func makeStringDictionary(_ attributes: [String: String]) -> OpaquePointer {
        let type = g_variant_type_new("a{ss}")
        defer { g_variant_type_free(type) }
        let builder = g_variant_builder_new(type)
        defer { g_variant_builder_unref(builder) }
        for (key, value) in attributes {
            g_variant_builder_add_value(
                builder, g_variant_new_dict_entry(g_variant_new_string(key), g_variant_new_string(value)))
        }
        return g_variant_builder_end(builder)
    }

    /// The object paths in child `index` (an `ao`) of `tuple`.
    private func objectPaths(_ tuple: OpaquePointer, child index: Int) -> [String] {
        guard let array = g_variant_get_child_value(tuple, gsize(index)) else { return [] }
        defer { g_variant_unref(array) }
        return (0..<g_variant_n_children(array)).map { position in
            let element = g_variant_get_child_value(array, position)!
            defer { g_variant_unref(element) }
            return String(cString: g_variant_get_string(element, nil))
        }
    }

    /// A property of an `a{sv}` dictionary, if it has the expected type (a new reference).
    private func lookup(_ dictionary: OpaquePointer, _ key: String, _ typeString: String) -> OpaquePointer? {
        let type = g_variant_type_new(typeString)
        defer { g_variant_type_free(type) }
        return g_variant_lookup_value(dictionary, key, type)
    }

    /// An `a{ss}` GVariant (consumed) as a dictionary.
    private func stringDictionary(_ variant: OpaquePointer?) -> [String: String] {
        guard let variant else { return [:] }
        defer { g_variant_unref(variant) }
        var result: [String: String] = [:]
        for index in 0..<g_variant_n_children(variant) {
            let entry = g_variant_get_child_value(variant, index)!
            defer { g_variant_unref(entry) }
            let key = g_variant_get_child_value(entry, 0)!
            let value = g_variant_get_child_value(entry, 1)!
            result[String(cString: g_variant_get_string(key, nil))] = String(cString: g_variant_get_string(value, nil))
            g_variant_unref(key)
            g_variant_unref(value)
        }
        return result
    }

    /// Creates or replaces (same attributes) an item in the default collection.
    func store(_ attributes: [String: String], label: String, secret: Secret) throws(CredentialError) {
        try withService { service, cancellable, error in
            let table = makeAttributes(attributes)
            defer { pontotel_hash_table_unref(table) }
            var bytes = Array(secret.reveal().utf8)
            defer { for index in bytes.indices { bytes[index] = 0 } }
            let value = bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) {
                    pontotel_value_new_text($0.baseAddress, gssize($0.count))
                }
            }
            defer { secret_value_unref(UnsafeMutableRawPointer(value)) }
            _ = secret_service_store_sync(
                service, pontotel_schema(), table, SECRET_COLLECTION_DEFAULT, label, value,
                cancellable, error)
        }
    }

    /// Deletes every item whose attributes include all of `attributes`, or only those for which
    /// `shouldDelete` answers true. Returns how many were deleted.
    @discardableResult
    func delete(
        _ attributes: [String: String], where shouldDelete: ([String: String]) -> Bool = { _ in true }
    ) throws(CredentialError) -> Int {
        try withService { service, cancellable, error in
            let table = makeAttributes(attributes)
            defer { pontotel_hash_table_unref(table) }
            let flags = SecretSearchFlags(rawValue: SECRET_SEARCH_ALL.rawValue)
            guard let list = secret_service_search_sync(service, nil, table, flags, cancellable, error)
            else { return 0 }
            defer { pontotel_item_list_free(list) }
            var deleted = 0
            for index in 0..<pontotel_list_length(list) {
                guard let item = pontotel_list_item(list, index) else { continue }
                guard shouldDelete(itemAttributes(item)) else { continue }
                if secret_item_delete_sync(item, cancellable, error) == 0 { return deleted }
                deleted += 1
            }
            return deleted
        }
    }

    /// Whether a Secret Service answers, without touching any item.
    func ping() throws(CredentialError) {
        try withService { _, _, _ in () }
    }

    // MARK: Plumbing

    private typealias ErrorOut = UnsafeMutablePointer<UnsafeMutablePointer<GError>?>

    /// Connects (with a deadline), runs `body`, and turns any GError into a `CredentialError`.
    private func withService<T>(
        _ body: (
            UnsafeMutablePointer<SecretService>, UnsafeMutablePointer<GCancellable>, ErrorOut
        ) -> T
    ) throws(CredentialError) -> T {
        let deadline = Deadline(timeout: timeout)
        defer { deadline.finish() }
        var error: UnsafeMutablePointer<GError>? = nil
        let flags = SecretServiceFlags(rawValue: SECRET_SERVICE_OPEN_SESSION.rawValue)
        guard let service = secret_service_get_sync(flags, deadline.cancellable, &error) else {
            throw classify(error, timeout: timeout, connecting: true)
        }
        defer { pontotel_object_unref(UnsafeMutableRawPointer(service)) }
        let result = body(service, deadline.cancellable, &error)
        if error != nil { throw classify(error, timeout: timeout, connecting: false) }
        return result
    }

    /// Errors that mean "that object is gone" rather than "the keyring failed".
    private func itemVanished(_ error: UnsafeMutablePointer<GError>) -> Bool {
        let code = pontotel_error_code(error)
        if pontotel_error_is_secret(error) != 0 { return code == Int32(SECRET_ERROR_NO_SUCH_OBJECT.rawValue) }
        guard pontotel_error_is_dbus(error) != 0 else { return false }
        switch GDBusError(rawValue: GDBusError.RawValue(code)) {
        case G_DBUS_ERROR_UNKNOWN_OBJECT, G_DBUS_ERROR_UNKNOWN_METHOD, G_DBUS_ERROR_UNKNOWN_INTERFACE,
            G_DBUS_ERROR_UNKNOWN_PROPERTY:
            return true
        default:
            return false
        }
    }

    private func makeAttributes(_ attributes: [String: String]) -> OpaquePointer {
        let table = pontotel_attributes_new()!
        for (key, value) in attributes { pontotel_attributes_insert(table, key, value) }
        return table
    }

    private func itemAttributes(_ item: UnsafeMutablePointer<SecretItem>) -> [String: String] {
        guard let table = secret_item_get_attributes(item) else { return [:] }
        defer { pontotel_hash_table_unref(table) }
        var result: [String: String] = [:]
        var iterator = GHashTableIter()
        g_hash_table_iter_init(&iterator, table)
        var key: gpointer? = nil
        var value: gpointer? = nil
        while g_hash_table_iter_next(&iterator, &key, &value) != 0 {
            guard let key, let value else { continue }
            result[String(cString: key.assumingMemoryBound(to: CChar.self))] =
                String(cString: value.assumingMemoryBound(to: CChar.self))
        }
        return result
    }

    private func readItem(_ item: UnsafeMutablePointer<SecretItem>) -> KeyringItem {
        var secret: Secret? = nil
        if let value = secret_item_get_secret(item) {
            var length: gsize = 0
            if let bytes = secret_value_get(value, &length) {
                let buffer = UnsafeRawBufferPointer(start: bytes, count: Int(length))
                secret = Secret(bytes: Array(buffer))
            }
            secret_value_unref(UnsafeMutableRawPointer(value))
        }
        return KeyringItem(
            attributes: itemAttributes(item),
            secret: secret,
            modified: Date(timeIntervalSince1970: TimeInterval(secret_item_get_modified(item))),
            isLocked: secret_item_get_locked(item) != 0)
    }

    private func classify(
        _ error: UnsafeMutablePointer<GError>?, timeout: Duration, connecting: Bool
    ) -> CredentialError {
        defer { if let error { g_error_free(error) } }
        guard let error else {
            return CredentialError(.keyringFailure, "The keyring failed without saying why.")
        }
        let code = pontotel_error_code(error)
        let detail = String(cString: pontotel_error_message(error))
        let seconds = Double(timeout.components.seconds)
            + Double(timeout.components.attoseconds) / 1e18
        let storeHint = "or choose the plaintext file store explicitly with --store dotenv"
        if pontotel_error_is_io(error) != 0, code == Int32(G_IO_ERROR_CANCELLED.rawValue) {
            return CredentialError(
                .keyringLocked,
                "The keyring did not answer within \(formatSeconds(seconds)) (it may be waiting for an unlock prompt nobody can see).",
                fix: "unlock your keyring (e.g. log in to the desktop session, or `gnome-keyring-daemon --unlock`), raise PONTOTEL_KEYRING_TIMEOUT, \(storeHint)")
        }
        if pontotel_error_is_secret(error) != 0, code == Int32(SECRET_ERROR_IS_LOCKED.rawValue) {
            return lockedError(storeHint)
        }
        if pontotel_error_is_dbus(error) != 0 {
            switch GDBusError(rawValue: GDBusError.RawValue(code)) {
            case G_DBUS_ERROR_SERVICE_UNKNOWN, G_DBUS_ERROR_NAME_HAS_NO_OWNER,
                G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND, G_DBUS_ERROR_SPAWN_EXEC_FAILED,
                G_DBUS_ERROR_SPAWN_CHILD_EXITED, G_DBUS_ERROR_SPAWN_FAILED,
                G_DBUS_ERROR_NO_SERVER, G_DBUS_ERROR_FILE_NOT_FOUND:
                // The service is gone (also mid-operation: the daemon died between two calls).
                return unavailable(detail)
            case G_DBUS_ERROR_UNKNOWN_METHOD, G_DBUS_ERROR_UNKNOWN_OBJECT, G_DBUS_ERROR_UNKNOWN_INTERFACE:
                if connecting { return unavailable(detail) }
            case G_DBUS_ERROR_NO_REPLY, G_DBUS_ERROR_TIMEOUT, G_DBUS_ERROR_TIMED_OUT:
                return lockedError(storeHint)
            default: break
            }
        }
        if connecting {
            // GIO reports a missing session bus as G_IO_ERROR (e.g. "Cannot autolaunch D-Bus
            // without X11 $DISPLAY", "Could not connect: No such file or directory").
            if pontotel_error_is_io(error) != 0 || pontotel_error_is_dbus(error) != 0 {
                return unavailable(detail)
            }
        }
        if detail.localizedCaseInsensitiveContains("locked")
            || detail.localizedCaseInsensitiveContains("prompt")
            || detail.localizedCaseInsensitiveContains("dismissed")
        {
            return lockedError(storeHint)
        }
        return CredentialError(
            .keyringFailure,
            "The keyring failed: \(sanitize(detail)) (\(String(cString: pontotel_error_domain(error))) \(code)).",
            fix: "check that gnome-keyring (or another Secret Service) is running, \(storeHint)")
    }

    private func unavailable(_ detail: String) -> CredentialError {
        CredentialError(
            .keyringUnavailable,
            "No Secret Service (keyring) can be reached: \(sanitize(detail)).",
            fix: "start a D-Bus session with a keyring (gnome-keyring, KeePassXC), or use --store dotenv for a plaintext file")
    }

    private func lockedError(_ storeHint: String) -> CredentialError {
        CredentialError(
            .keyringLocked,
            "The keyring is locked and could not be unlocked (the unlock prompt was refused or cannot be shown).",
            fix: "unlock it (log in to the desktop session, or run `gnome-keyring-daemon --unlock` and type its password), \(storeHint)")
    }

    /// D-Bus messages carry addresses and names, not secrets, but keep them to one line.
    private func sanitize(_ text: String) -> String {
        text.replacingOccurrences(of: "\n", with: " ").prefix(300).description
    }

    private func formatSeconds(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
    }
}

/// A `GCancellable` that cancels itself when the timeout passes, unless finished first.
/// The pending timer keeps the object (and so the cancellable) alive until it fires.
private final class Deadline: Sendable {
    nonisolated(unsafe) let cancellable: UnsafeMutablePointer<GCancellable>
    private let done = Atomic<Bool>(false)

    init(timeout: Duration) {
        cancellable = g_cancellable_new()
        let nanoseconds = max(0, timeout.components.seconds) * 1_000_000_000
            + timeout.components.attoseconds / 1_000_000_000
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) {
            [self] in
            if !done.load(ordering: .acquiring) { g_cancellable_cancel(cancellable) }
        }
    }

    func finish() { done.store(true, ordering: .releasing) }

    deinit { g_object_unref(UnsafeMutableRawPointer(cancellable)) }
}
