// PontotelBenchmark: the in-process halves of the benchmarks. Run by scripts/benchmark (which
// starts the fake server, the keyring session and the baselines); see BENCHMARKS.md.
//
//   PontotelBenchmark keyring-lookup --iterations N          (login already in the keyring)
//   PontotelBenchmark concurrent-logins --base-url U --calls N   < password on stdin
//   PontotelBenchmark bulk --base-url U [--page-size 100]        < password on stdin
//   PontotelBenchmark cached --base-url U --reads N              < password on stdin
//
// Each prints one JSON object on stdout. Passwords come from standard input, never from argv;
// nothing secret is printed.
import Foundation
import PontotelClient
import PontotelCredentials

#if canImport(Glibc)
    import Glibc
#endif

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("pontotel-benchmark: \(message)\n".utf8))
    exit(2)
}

func option(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: "--\(name)"), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func intOption(_ name: String, _ arguments: [String], default value: Int) -> Int {
    guard let text = option(name, in: arguments) else { return value }
    guard let number = Int(text), number > 0 else { fail("--\(name) needs a positive number") }
    return number
}

/// Peak resident set of this process (VmHWM), in KiB. Unlike `ru_maxrss`, it is not inflated
/// by the parent's size at exec time.
func peakRSSKiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? -1
    }
    return -1
}

/// User + system CPU time of this process so far, in seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func emit(_ object: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
}

func readPassword() -> Secret {
    guard let line = readLine(strippingNewline: true), !line.isEmpty else { fail("expected the password on stdin") }
    return Secret(line)
}

func makeClient(_ arguments: [String], configure: (inout PontotelClient.Configuration) -> Void = { _ in }) -> PontotelClient {
    guard let text = option("base-url", in: arguments), let url = URL(string: text) else { fail("--base-url is required") }
    let username = option("username", in: arguments) ?? "alice"
    var configuration = PontotelClient.Configuration()
    // One client on its own: tokens cached by earlier parts (against a server reset since)
    // must not count here. Sharing between processes is measured with the CLI in part 3.
    configuration.sharesTokens = false
    configure(&configuration)
    do {
        return try PontotelClient(
            environment: .sandbox, baseURL: url, login: .fixed(Login(username: username, password: readPassword())),
            configuration: configuration)
    } catch {
        fail("cannot make the client: \(error)")
    }
}

/// Part 2: in-process lookups through `PontotelCredentials` (what the client does per process).
func keyringLookup(_ arguments: [String]) {
    let iterations = intOption("iterations", arguments, default: 1000)
    let store = KeyringStore()
    let clock = ContinuousClock()
    var samples: [Double] = []
    samples.reserveCapacity(iterations)
    var found = 0
    for _ in 0..<(iterations + 10) {
        let start = clock.now
        let stored = try? store.loadLogin(.sandbox)
        let elapsed = clock.now - start
        if stored != nil { found += 1 }
        samples.append(milliseconds(elapsed))
    }
    let measured = Array(samples.dropFirst(10)).sorted()   // 10 warm-up lookups
    emit([
        "iterations": measured.count, "found": found, "median_ms": percentile(measured, 0.5),
        "p99_ms": percentile(measured, 0.99), "max_ms": measured.last ?? 0, "peak_rss_kib": peakRSSKiB(),
    ])
}

/// Part 3a: N concurrent calls through one client.
func concurrentLogins(_ arguments: [String]) async {
    let calls = intOption("calls", arguments, default: 200)
    let client = makeClient(arguments)
    let failures = await withTaskGroup(of: Bool.self) { group in
        for _ in 0..<calls {
            group.addTask {
                (try? await client.send(.get, "/empregados/", query: [URLQueryItem(name: "page_size", value: "1")])) != nil
            }
        }
        var failures = 0
        for await ok in group where !ok { failures += 1 }
        return failures
    }
    emit(["calls": calls, "failures": failures, "client_logins": await client.loginCount])
}

/// Parts 4 and 5: walk every page of /empregados/.
func bulk(_ arguments: [String]) async {
    let pageSize = intOption("page-size", arguments, default: 100)
    let client = makeClient(arguments)
    let clock = ContinuousClock()
    let start = clock.now
    var count = 0
    var rateLimitedErrors = 0
    var otherError: String?
    do {
        for try await _ in client.items("/empregados/", pageSize: pageSize, as: JSONValue.self) { count += 1 }
    } catch let error as PontotelError {
        if error.code == .rateLimited { rateLimitedErrors += 1 }
        otherError = error.code.rawValue
    } catch {
        otherError = "\(type(of: error))"
    }
    let elapsed = clock.now - start
    var result: [String: Any] = [
        "items": count, "seconds": milliseconds(elapsed) / 1000, "rate_limited_errors": rateLimitedErrors,
        "client_logins": await client.loginCount, "peak_rss_kib": peakRSSKiB(), "cpu_seconds": cpuSeconds(),
    ]
    if let otherError { result["error"] = otherError }
    emit(result)
}

/// Part 6: repeated GETs of one URL within the cache TTL.
func cached(_ arguments: [String]) async {
    let reads = intOption("reads", arguments, default: 1000)
    let client = makeClient(arguments) { $0.cache = CacheConfiguration(ttl: .seconds(300)) }
    let clock = ContinuousClock()
    let query = [URLQueryItem(name: "page_size", value: "100")]
    var samples: [Double] = []
    var failures = 0
    var firstMs = 0.0
    for index in 0...reads {
        let start = clock.now
        if (try? await client.send(.get, "/empregados/", query: query)) == nil { failures += 1 }
        let ms = milliseconds(clock.now - start)
        if index == 0 { firstMs = ms } else { samples.append(ms) }
    }
    samples.sort()
    emit([
        "reads": reads + 1, "failures": failures, "first_ms": firstMs, "hit_median_ms": percentile(samples, 0.5),
        "hit_p99_ms": percentile(samples, 0.99), "client_logins": await client.loginCount,
    ])
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "keyring-lookup": keyringLookup(arguments)
case "concurrent-logins": await concurrentLogins(arguments)
case "bulk": await bulk(arguments)
case "cached": await cached(arguments)
default: fail("usage: PontotelBenchmark keyring-lookup|concurrent-logins|bulk|cached [options] (see scripts/benchmark)")
}
