import Foundation

/// One page of a Pontotel list: `{"count","next","previous","results"}`.
public struct Page<Item: Decodable & Sendable>: Decodable, Sendable {
    public var count: Int?
    public var next: URL?
    public var previous: URL?
    public var results: [Item]

    enum CodingKeys: String, CodingKey { case count, next, previous, results }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        count = try container.decodeIfPresent(Int.self, forKey: .count)
        next = try Self.link(container, .next)
        previous = try Self.link(container, .previous)
        results = try container.decode([Item].self, forKey: .results)
    }

    private static func link(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> URL? {
        guard let text = try container.decodeIfPresent(String.self, forKey: key), !text.isEmpty else { return nil }
        guard let url = URL(string: text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not a URL")
        }
        return url
    }
}

/// Every item of a paged list as an `AsyncSequence`: one page in memory at a time, following
/// `next` (checked: https, same origin as the base URL).
public struct PageSequence<Element: Decodable & Sendable>: AsyncSequence, Sendable {
    let client: PontotelClient
    let path: String
    let query: [URLQueryItem]
    let pageSize: Int

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(sequence: self)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let sequence: PageSequence
        var nextURL: URL?
        var started = false
        var buffer: [Element] = []
        var index = 0
        /// Every page URL fetched: a `next` link back to one of them would loop forever.
        var visited: Set<URL> = []
        /// Pages fetched so far.
        public private(set) var pagesFetched = 0

        init(sequence: PageSequence) { self.sequence = sequence }

        public mutating func next() async throws -> Element? {
            while index >= buffer.count {
                if !started {
                    started = true
                    try PontotelClient.checkPageSize(sequence.pageSize)
                    nextURL = try sequence.client.url(
                        for: sequence.path, query: PontotelClient.withPageSize(sequence.query, sequence.pageSize))
                }
                guard let url = nextURL else { return nil }
                guard visited.insert(url).inserted else {
                    throw PontotelError(
                        .invalidResponse, "the list's `next` link points back to a page already read (\(url.path)); stopping instead of looping",
                        fix: "report it to Pontotel; the items read so far are complete up to that page")
                }
                let page: Page<Element> = try await sequence.client.page(at: url)
                pagesFetched += 1
                buffer = page.results
                index = 0
                nextURL = page.next
                if page.results.isEmpty && page.next == nil { return nil }
            }
            defer { index += 1 }
            return buffer[index]
        }
    }
}
