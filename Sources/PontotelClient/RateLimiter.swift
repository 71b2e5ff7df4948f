import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Paces requests so that a long run under a rate limit finishes without a 429 and without
/// idling longer than the limit requires.
///
/// Algorithm: the server's `X-RateLimit-Remaining` / `X-RateLimit-Reset` headers tell how many
/// requests are left in the current window and when it ends. Requests go out at full speed while
/// the budget lasts (each one taken from a local count, so concurrent callers do not overshoot);
/// when it reaches 0, the next request waits until the reset time, then goes. Waiting only at
/// exhaustion is the least idle time a fixed window allows. A new window (a different reset
/// time) replaces the count; within a window the lower of the local and server counts wins.
/// An optional client-side limit (`requests` per `interval`, a sliding window) applies on top.
actor RateLimiter {
    private let clock: ClientClock
    private let honourHeaders: Bool
    private let clientLimit: ClientRateLimit?
    private var remaining: Int?
    private var resetAt: Date?
    private var recent: [Date] = []

    init(clock: ClientClock, honourHeaders: Bool, clientLimit: ClientRateLimit?) {
        self.clock = clock
        self.honourHeaders = honourHeaders
        self.clientLimit = clientLimit
    }

    /// Waits until one more request may go out, and counts it.
    func acquire() async throws {
        while true {
            let now = clock.now()
            var wait: TimeInterval = 0
            if let reset = resetAt, now >= reset {
                remaining = nil
                resetAt = nil
            }
            if let remaining, remaining <= 0, let reset = resetAt {
                wait = reset.timeIntervalSince(now) + 0.005
            }
            if let clientLimit {
                let horizon = now.addingTimeInterval(-clientLimit.interval.seconds)
                recent.removeAll { $0 <= horizon }
                if recent.count >= max(1, clientLimit.requests), let oldest = recent.first {
                    wait = max(wait, oldest.addingTimeInterval(clientLimit.interval.seconds).timeIntervalSince(now))
                }
            }
            if wait <= 0 {
                if let remaining { self.remaining = remaining - 1 }
                if clientLimit != nil { recent.append(now) }
                return
            }
            try await clock.sleep(.seconds(double: wait))
        }
    }

    /// Learns the budget from an answer's headers.
    func record(headers: [String: String]) {
        guard honourHeaders,
            let remainingText = headers["x-ratelimit-remaining"], let serverRemaining = Int(remainingText.trimmingCharacters(in: .whitespaces)),
            let resetText = headers["x-ratelimit-reset"], let epoch = Double(resetText.trimmingCharacters(in: .whitespaces))
        else { return }
        // An epoch time, as the fake server and most APIs send; a small number is read as
        // "seconds from now", the other common convention.
        let reset = epoch < 1_000_000_000 ? clock.now().addingTimeInterval(epoch) : Date(timeIntervalSince1970: epoch)
        if let resetAt, abs(resetAt.timeIntervalSince(reset)) < 0.0005 {
            remaining = min(remaining ?? serverRemaining, serverRemaining)
        } else if reset > clock.now() {
            remaining = serverRemaining
            resetAt = reset
        }
    }

    /// After a 429: nothing more goes out until `until`.
    func blocked(until: Date) {
        remaining = 0
        resetAt = max(resetAt ?? until, until)
    }
}
