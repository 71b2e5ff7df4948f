import Foundation

/// A filter sent to the API as a query parameter (never applied locally).
///
/// ```swift
/// client.items("/empregados/", query: [Filter.equal("cpf", "12345678909").queryItem], as: Empregado.self)
/// Filter.em("id", ["1", "2"])          // id=em.(1,2)
/// Filter.maiorIgual("data_admissao", "2024-01-01")   // data_admissao=maior-igual.2024-01-01
/// ```
public struct Filter: Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var value: String

    public init(field: String, value: String) {
        self.field = field
        self.value = value
    }

    /// `field=value`: exact match (e.g. `?cpf=...&empregador_id=...`, `?is_active=true`).
    public static func equal(_ field: String, _ value: String) -> Filter { Filter(field: field, value: value) }
    /// `field=igual.value`
    public static func igual(_ field: String, _ value: String) -> Filter { Filter(field: field, value: "igual.\(value)") }
    /// `field=diferente.value`
    public static func diferente(_ field: String, _ value: String) -> Filter { Filter(field: field, value: "diferente.\(value)") }
    /// `field=em.(a,b,c)`; values must not contain `,` or `)`.
    public static func em(_ field: String, _ values: [String]) -> Filter {
        Filter(field: field, value: "em.(\(values.joined(separator: ",")))")
    }
    /// `field=maior-igual.value`
    public static func maiorIgual(_ field: String, _ value: String) -> Filter { Filter(field: field, value: "maior-igual.\(value)") }
    /// `field=menor-igual.value`
    public static func menorIgual(_ field: String, _ value: String) -> Filter { Filter(field: field, value: "menor-igual.\(value)") }

    public var queryItem: URLQueryItem { URLQueryItem(name: field, value: value) }
    public var description: String { "\(field)=\(value)" }
}

extension Array where Element == Filter {
    /// The filters as query items.
    public var queryItems: [URLQueryItem] { map(\.queryItem) }
}
