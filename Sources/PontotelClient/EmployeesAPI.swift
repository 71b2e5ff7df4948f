import Foundation

/// What ``EmployeesAPI/upsert(_:)`` did.
public enum UpsertOutcome: Sendable, Equatable {
    /// No employee with that `cpf` + `empregador_id` existed: one was created (POST).
    case created(Empregado)
    /// One existed and differed: only the listed fields were sent (PATCH).
    case updated(Empregado, fields: [String])
    /// One existed with the same values: nothing was sent.
    case unchanged(Empregado)

    public var employee: Empregado {
        switch self {
        case .created(let employee), .unchanged(let employee): return employee
        case .updated(let employee, _): return employee
        }
    }
}

/// The typed employees API: `client.employees`.
public struct EmployeesAPI: Sendable {
    let client: PontotelClient

    /// Employees matching `filters` (sent to the API as query parameters), page by page.
    public func list(_ filters: [Filter] = [], pageSize: Int = 100) -> PageSequence<Empregado> {
        client.items("/empregados/", query: filters.queryItems, pageSize: pageSize, as: Empregado.self)
    }

    public func get(id: Int) async throws -> Empregado {
        try await client.json(.get, "/empregados/\(id)/", as: Empregado.self)
    }

    /// POST a new employee (`empregador_id`, `cpf` and `nome` are required by the API).
    public func create(_ employee: Empregado) async throws -> Empregado {
        try await client.json(.post, "/empregados/", body: try encode(employee.fields), as: Empregado.self)
    }

    /// PATCH the given fields of employee `id`.
    public func update(id: Int, _ fields: [String: JSONValue]) async throws -> Empregado {
        try await client.json(.patch, "/empregados/\(id)/", body: try encode(fields), as: Empregado.self)
    }

    /// Creates or updates the employee with this `cpf` and `empregador_id`, following Pontotel's
    /// guide: search; found and different → PATCH only the changed fields; identical → send
    /// nothing; absent → POST. A 409 or a failed POST (which may have been applied) is followed by
    /// a fresh search, never by a second POST. Running the same upsert twice changes nothing.
    public func upsert(_ employee: Empregado) async throws -> UpsertOutcome {
        guard let cpf = employee.cpf, !cpf.isEmpty, let empregadorID = employee.empregadorID else {
            throw PontotelError(
                .invalidRequest, "upsert needs the employee's cpf and empregador_id",
                fix: "set cpf and empregadorID on the Empregado")
        }
        if let existing = try await find(cpf: cpf, empregadorID: empregadorID) {
            return try await reconcile(existing, with: employee)
        }
        do {
            return .created(try await create(employee))
        } catch let error as PontotelError where Self.mayHaveConflicted(error) {
            // Another writer may have won, or our POST may have landed: look again, never POST twice.
            guard let existing = try await find(cpf: cpf, empregadorID: empregadorID) else { throw error }
            return try await reconcile(existing, with: employee)
        }
    }

    func find(cpf: String, empregadorID: Int) async throws -> Empregado? {
        let page = try await client.page(
            "/empregados/",
            query: [Filter.equal("cpf", cpf), Filter.equal("empregador_id", String(empregadorID))].queryItems,
            pageSize: 2, as: Empregado.self)
        return page.results.first { $0.cpf == cpf && ($0.empregadorID == nil || $0.empregadorID == empregadorID) }
    }

    private func reconcile(_ existing: Empregado, with desired: Empregado) async throws -> UpsertOutcome {
        let changes = desired.changes(from: existing)
        guard !changes.isEmpty else { return .unchanged(existing) }
        guard let id = existing.id else {
            throw PontotelError(.invalidResponse, "the employee found has no id", method: "GET", path: "/empregados/")
        }
        let updated = try await update(id: id, changes)
        return .updated(updated, fields: changes.keys.sorted())
    }

    /// A 409, a 5xx or a lost connection: the POST may have been applied or raced another writer.
    static func mayHaveConflicted(_ error: PontotelError) -> Bool {
        if error.code == .network { return true }
        guard let status = error.status else { return false }
        return status == 409 || status >= 500
    }

    private func encode(_ fields: [String: JSONValue]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(fields)
    }
}
