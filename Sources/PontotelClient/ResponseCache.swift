import Foundation

/// The opt-in GET cache: entries expire after the TTL, at most `maxEntries` are kept (least
/// recently used evicted), identical GETs in flight share one request, and a write to a
/// resource drops every cached read of that resource.
///
/// Invalidation rule: a URL's *resource* is the first path segment after the base path
/// (`/empregados/12/` → `empregados`). A write (POST/PUT/PATCH/DELETE) to any path of a resource
/// drops every cached read of that resource (the list and every item), and a read that was in
/// flight during the write is answered but not stored.
actor ResponseCache {
    private struct Entry {
        var response: HTTPAnswer
        var resource: String
        var expiresAt: Date
        var lastUsed: UInt64
    }

    private let configuration: CacheConfiguration
    private let clock: ClientClock
    private var entries: [String: Entry] = [:]
    private var inFlight: [String: Task<HTTPAnswer, any Error>] = [:]
    private var generations: [String: Int] = [:]
    private var tick: UInt64 = 0

    init(configuration: CacheConfiguration, clock: ClientClock) {
        self.configuration = configuration
        self.clock = clock
    }

    /// The cached answer for `key`, the answer of a request already in flight for it, or the
    /// answer of `fetch` (stored when it succeeds).
    func value(
        key: String, resource: String, fetch: @escaping @Sendable () async throws -> HTTPAnswer
    ) async throws -> HTTPAnswer {
        tick += 1
        if var entry = entries[key] {
            if clock.now() < entry.expiresAt {
                entry.lastUsed = tick
                entries[key] = entry
                return entry.response
            }
            entries[key] = nil
        }
        if let task = inFlight[key] { return try await task.value }
        let generation = generations[resource, default: 0]
        let task = Task { try await fetch() }
        inFlight[key] = task
        defer { if inFlight[key] == task { inFlight[key] = nil } }
        let response = try await task.value
        if generations[resource, default: 0] == generation {
            store(response, key: key, resource: resource)
        }
        return response
    }

    func invalidate(resource: String) {
        generations[resource, default: 0] += 1
        entries = entries.filter { $0.value.resource != resource }
        for (key, _) in inFlight where key.contains("|\(resource)|") { inFlight[key] = nil }
    }

    var count: Int { entries.count }

    private func store(_ response: HTTPAnswer, key: String, resource: String) {
        guard configuration.maxEntries > 0 else { return }
        tick += 1
        entries[key] = Entry(
            response: response, resource: resource,
            expiresAt: clock.now().addingTimeInterval(configuration.ttl.seconds), lastUsed: tick)
        while entries.count > configuration.maxEntries {
            guard let oldest = entries.min(by: { $0.value.lastUsed < $1.value.lastUsed }) else { break }
            entries[oldest.key] = nil
        }
    }
}
