import Foundation
import Hummingbird
import SamtakPostgres

/// Keyset pagination: `?limit=N&cursor=C`. The cursor is opaque to clients (the last row's
/// sort key); pages stay stable while rows are added.
public struct PageRequest: Sendable {
    public var limit: Int
    public var after: (createdAt: Date, id: UUID)?

    public static let defaultLimit = 50
    public static let maxLimit = 200

    public init(request: Request) throws {
        var violations = Violations()
        limit = Self.defaultLimit
        if let raw = request.query("limit") {
            if let value = Int(raw), (1...Self.maxLimit).contains(value) {
                limit = value
            } else {
                violations.add("limit", "range", "must be a whole number from 1 to \(Self.maxLimit)")
            }
        }
        after = nil
        if let raw = request.query("cursor") {
            if let decoded = Self.decodeCursor(raw) {
                after = decoded
            } else {
                violations.add("cursor", "format", "is not a cursor this API issued")
            }
        }
        try violations.throwIfAny()
    }

    /// `AND (created_at, id) > (...)` for the next page, or nothing for the first.
    public func keysetCondition(createdAt column: String = "created_at", id idColumn: String = "id") -> SQL {
        guard let after else { return "" }
        return " AND (\(unsafeRaw: column), \(unsafeRaw: idColumn)) > (\(after.createdAt), \(after.id))"
    }

    static func encodeCursor(createdAt: Date, id: UUID) -> String {
        let micros = Int64((createdAt.timeIntervalSince1970 * 1_000_000).rounded())
        return Base64URL.encode(Array("\(micros)~\(id.uuidString.lowercased())".utf8))
    }

    static func decodeCursor(_ text: String) -> (Date, UUID)? {
        guard text.count < 200, let bytes = Base64URL.decode(text) else { return nil }
        let parts = String(decoding: bytes, as: UTF8.self).split(separator: "~")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else { return nil }
        return (Date(timeIntervalSince1970: Double(micros) / 1_000_000), id)
    }
}

/// A page of results: `{"items": [...], "next_cursor": "..."}` (no `next_cursor` on the last page).
public struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    public var items: [Item]
    public var nextCursor: String?

    /// Builds a page from `limit + 1` fetched rows: the extra row only says there is more.
    public init(rows: [(item: Item, createdAt: Date, id: UUID)], limit: Int) {
        let visible = rows.prefix(limit)
        items = visible.map(\.item)
        nextCursor = rows.count > limit ? visible.last.map { PageRequest.encodeCursor(createdAt: $0.createdAt, id: $0.id) } : nil
    }
}
