import Foundation

/// An employee (`/empregados/`). Every field is optional, so the same type serves for answers,
/// new employees and upserts; unknown fields in answers are ignored.
public struct Empregado: Codable, Sendable, Hashable {
    public var id: Int?
    public var empregadorID: Int?
    public var cpf: String?
    public var nome: String?
    public var email: String?
    public var codigo: String?
    public var matricula: String?
    public var isActive: Bool?
    /// `YYYY-MM-DD`
    public var dataAdmissao: String?
    /// `YYYY-MM-DD`
    public var dataDemissao: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id
        case empregadorID = "empregador_id"
        case cpf, nome, email, codigo, matricula
        case isActive = "is_active"
        case dataAdmissao = "data_admissao"
        case dataDemissao = "data_demissao"
    }

    public init(
        id: Int? = nil, empregadorID: Int? = nil, cpf: String? = nil, nome: String? = nil,
        email: String? = nil, codigo: String? = nil, matricula: String? = nil, isActive: Bool? = nil,
        dataAdmissao: String? = nil, dataDemissao: String? = nil
    ) {
        self.id = id
        self.empregadorID = empregadorID
        self.cpf = cpf
        self.nome = nome
        self.email = email
        self.codigo = codigo
        self.matricula = matricula
        self.isActive = isActive
        self.dataAdmissao = dataAdmissao
        self.dataDemissao = dataDemissao
    }

    /// The fields set here (not nil, `id` excepted) as JSON values, by API name.
    public var fields: [String: JSONValue] {
        var fields: [String: JSONValue] = [:]
        if let empregadorID { fields["empregador_id"] = .int(empregadorID) }
        if let cpf { fields["cpf"] = .string(cpf) }
        if let nome { fields["nome"] = .string(nome) }
        if let email { fields["email"] = .string(email) }
        if let codigo { fields["codigo"] = .string(codigo) }
        if let matricula { fields["matricula"] = .string(matricula) }
        if let isActive { fields["is_active"] = .bool(isActive) }
        if let dataAdmissao { fields["data_admissao"] = .string(dataAdmissao) }
        if let dataDemissao { fields["data_demissao"] = .string(dataDemissao) }
        return fields
    }

    /// The fields set here whose value differs from `existing` (what a PATCH must send).
    public func changes(from existing: Empregado) -> [String: JSONValue] {
        let current = existing.fields
        return fields.filter { current[$0.key] != $0.value }
    }
}
