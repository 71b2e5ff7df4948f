import Foundation
import PontotelClient
import PontotelTestSupport
import PontotelCredentials
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("Employees and upsert (real TLS)")
struct EmployeesTests {
    static let ana = Empregado(empregadorID: 1, cpf: "52998224725", nome: "Ana Souza", email: "ana@example.com", matricula: "A1")

    @Test func upsertCreatesThenLeavesUnchangedThenPatchesOnlyChangedFields() async throws {
        let server = try FakePontotelServer.start()
        let client = try makeClient(server)
        let first = try await client.employees.upsert(Self.ana)
        guard case .created(let created) = first else { Issue.record("expected created, got \(first)"); return }
        #expect(created.id != nil)
        #expect(try await client.employees.upsert(Self.ana) == .unchanged(created))
        var changed = Self.ana
        changed.email = "ana.souza@example.com"
        let third = try await client.employees.upsert(changed)
        guard case .updated(let updated, let fields) = third else { Issue.record("expected updated, got \(third)"); return }
        #expect(fields == ["email"])
        #expect(updated.email == "ana.souza@example.com")
        #expect(try await client.employees.get(id: created.id!).email == "ana.souza@example.com")
        let stats = try await server.stats()
        #expect(stats.creates == 1)
        #expect(stats.entries(method: "POST", pathSuffix: "/empregados/").count == 1)
        #expect(stats.log.filter { $0["method"] as? String == "PATCH" }.count == 1)
    }

    @Test func conflictOnCreateIsFollowedByASearchNotASecondPOST() async throws {
        let server = try FakePontotelServer.start()
        // Another writer creates the same employee between our search and our POST.
        let racing = RacingTransport(server: server)
        let client = try makeClient(server, transport: racing)
        let outcome = try await client.employees.upsert(Self.ana)
        guard case .updated(_, let fields) = outcome else { Issue.record("expected updated, got \(outcome)"); return }
        #expect(fields == ["email", "matricula"])
        let stats = try await server.stats()
        #expect(stats.entries(method: "POST", pathSuffix: "/empregados/").count == 1)
        #expect(try await server.control("GET", "employees")["count"] as? Int == 1)
    }

    @Test func upsertNeedsCPFAndEmployer() async throws {
        let server = try FakePontotelServer.start()
        let client = try makeClient(server)
        let error = await pontotelError { _ = try await client.employees.upsert(Empregado(nome: "x")) }
        #expect(error?.code == .invalidRequest)
        #expect(try await server.stats().requests == 0)
    }

    @Test func validationErrorsCarryFieldDetails() async throws {
        let server = try FakePontotelServer.start()
        let client = try makeClient(server)
        let error = await pontotelError { _ = try await client.employees.create(Empregado(empregadorID: 1, cpf: "123")) }
        #expect(error?.status == 400)
        #expect(error?.apiError == "validation_error")
        #expect(error?.details["cpf"]?.isEmpty == false)
        #expect(error?.details["nome"]?.isEmpty == false)
    }

    @Test func decodingToleratesUnknownFields() throws {
        let json = #"{"id":7,"cpf":"1","nome":"N","is_active":false,"custom_fields":{"a":1},"pis":null,"new_field":[1,2]}"#
        let employee = try JSONDecoder().decode(Empregado.self, from: Data(json.utf8))
        #expect(employee.id == 7)
        #expect(employee.isActive == false)
    }
}

/// Before the first POST to /empregados/, creates the same employee through the control API
/// (another writer winning the race), then forwards the POST, which gets a 409.
final class RacingTransport: HTTPTransport, @unchecked Sendable {
    let server: FakePontotelServer
    let inner = URLSessionTransport()
    let raced = Mutex(false)
    init(server: FakePontotelServer) { self.server = server }

    func send(_ request: URLRequest) async throws -> (Data, HTTPURLResponse) {
        if request.httpMethod == "POST", request.url?.path.hasSuffix("/empregados") == true || request.url?.absoluteString.hasSuffix("/empregados/") == true,
            !raced.withLock({ let was = $0; $0 = true; return was })
        {
            try await server.control("POST", "seed", ["employees": [["empregador_id": 1, "cpf": "52998224725", "nome": "Ana Souza"]]])
        }
        return try await inner.send(request)
    }
}
