import Foundation
import PontotelClient
import PontotelTestSupport
import PontotelCredentials
import Testing

@Suite("Pagination, filters and cache (real TLS)")
struct ListAndCacheTests {
    @Test func paginationWalksEveryPageOnce() async throws {
        let server = try FakePontotelServer.start()
        try await server.seed(1000)
        let client = try makeClient(server)
        var ids = Set<Int>()
        for try await employee in client.employees.list(pageSize: 100) { ids.insert(employee.id ?? -1) }
        #expect(ids.count == 1000)
        let pages = try await server.stats().entries(method: "GET", pathSuffix: "/empregados/")
        #expect(pages.count == 10)
        #expect(pages.allSatisfy { ($0["query"] as? String ?? "").contains("page_size=100") })
    }

    @Test(arguments: [0, -1, 101, 1000])
    func badPageSizeFailsBeforeAnyIO(size: Int) async throws {
        let server = try FakePontotelServer.start()
        let client = try makeClient(server)
        let error = await pontotelError { for try await _ in client.employees.list(pageSize: size) {} }
        #expect(error?.code == .invalidRequest)
        #expect(error?.description.contains("1 and 100") == true)
        #expect(try await server.stats().requests == 0)
    }

    @Test func filtersReachTheServerAsQueryParameters() async throws {
        let server = try FakePontotelServer.start()
        try await server.seed(50)
        let client = try makeClient(server)
        var found: [Empregado] = []
        for try await employee in client.employees.list([.em("id", ["3", "10", "20", "21"]), .equal("is_active", "true")]) {
            found.append(employee)
        }
        #expect(found.compactMap(\.id).sorted() == [3, 21])
        var ranged = 0
        for try await _ in client.employees.list([.maiorIgual("id", "5"), .menorIgual("id", "9"), .diferente("id", "7")]) { ranged += 1 }
        #expect(ranged == 4)
        let queries = try await server.stats().entries(method: "GET", pathSuffix: "/empregados/").map { $0["query"] as? String ?? "" }
        #expect(queries[0].contains("id=em.(3,10,20,21)"))
        #expect(queries[0].contains("is_active=true"))
        #expect(queries[1].contains("id=maior-igual.5") && queries[1].contains("id=menor-igual.9") && queries[1].contains("id=diferente.7"))
    }

    @Test func cacheHitsCoalescesAndInvalidatesOnWrite() async throws {
        let server = try FakePontotelServer.start()
        try await server.seed(5)
        let client = try makeClient(server) { $0.cache = CacheConfiguration(ttl: .seconds(300), maxEntries: 10) }
        _ = try await client.send(.get, "/empregados/1/")
        _ = try await client.send(.get, "/empregados/1/")
        #expect(try await server.stats().entries(pathSuffix: "/empregados/1/").count == 1)

        try await server.fault(["kind": "delay", "ms": 300, "path_prefix": "/pontotel/api/v4/empregados/2/"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<10 { group.addTask { _ = try await client.send(.get, "/empregados/2/") } }
            try await group.waitForAll()
        }
        #expect(try await server.stats().entries(pathSuffix: "/empregados/2/").count == 1)

        _ = try await client.send(.get, "/empregados/")
        _ = try await client.send(.get, "/jornadas/")
        _ = try await client.send(.patch, "/empregados/3/", body: Data(#"{"nome":"Changed"}"#.utf8))
        _ = try await client.send(.get, "/empregados/1/")
        _ = try await client.send(.get, "/empregados/")
        _ = try await client.send(.get, "/jornadas/")
        let stats = try await server.stats()
        #expect(stats.entries(method: "GET", pathSuffix: "/empregados/1/").count == 2)
        #expect(stats.entries(method: "GET", pathSuffix: "/empregados/").count == 2)
        #expect(stats.entries(method: "GET", pathSuffix: "/jornadas/").count == 1)
    }

    @Test func cacheExpiresAndEvictsLeastRecentlyUsed() async throws {
        let server = try FakePontotelServer.start()
        let manual = ManualClock()
        let client = try makeClient(server) {
            $0.clock = manual.clock
            $0.cache = CacheConfiguration(ttl: .seconds(5), maxEntries: 2)
        }
        _ = try await client.send(.get, "/jornadas/")
        _ = try await client.send(.get, "/empregadores/")
        _ = try await client.send(.get, "/jornadas/")  // hit; empregadores is now least recent
        _ = try await client.send(.get, "/locais-trabalho/")  // evicts empregadores
        _ = try await client.send(.get, "/jornadas/")  // still cached
        _ = try await client.send(.get, "/empregadores/")  // miss
        var stats = try await server.stats()
        #expect(stats.entries(pathSuffix: "/jornadas/").count == 1)
        #expect(stats.entries(pathSuffix: "/empregadores/").count == 2)
        manual.advance(6)
        _ = try await client.send(.get, "/jornadas/")
        stats = try await server.stats()
        #expect(stats.entries(pathSuffix: "/jornadas/").count == 2)
    }
}
