import Foundation
import SamtakDomain
import SamtakPostgres

/// One entry for the access log: what a response showed (or a change did) about a child.
struct Disclosure: Sendable, Hashable {
    var action: AccessLog.Action = .read
    var resource: String
    var resourceId: UUID?
    var childId: UUID?
    var basis: AccessBasis
    var consentId: UUID?
}

/// The disclosures of one request, each kept once, written together when the response is
/// built (``AccessLog/record(_:actor:requestId:on:)``).
struct Disclosures: Sendable {
    private(set) var all: [Disclosure] = []
    mutating func add(_ disclosure: Disclosure) {
        if !all.contains(disclosure) { all.append(disclosure) }
    }
    mutating func add(_ agenda: [AgendaDisclosure], resource: String, resourceId: UUID) {
        for disclosure in agenda {
            add(Disclosure(resource: resource, resourceId: resourceId, childId: disclosure.childId, basis: disclosure.basis,
                           consentId: disclosure.consentId))
        }
    }
}

extension AccessLog {
    /// Writes the request's disclosures in one statement, sent with the transaction's COMMIT
    /// (nothing reads them back in the transaction; if the write fails, nothing commits).
    static func record(_ disclosures: Disclosures, actor: UUID, requestId: String?, on connection: PostgresConnection) throws {
        guard !disclosures.all.isEmpty else { return }
        let rows = disclosures.all.map { d -> SQL in
            "(\(actor), \(d.action.rawValue), \(d.resource), \(d.resourceId), \(d.childId), \(d.basis.rawValue), \(d.consentId), \(requestId))"
        }
        let insert: SQL = """
            INSERT INTO access_log (actor_id, action, resource, resource_id, child_id, basis, consent_id, request_id)
            VALUES \(rows.joined(separator: ", "))
            """
        // Prepared for the usual few rows (a statement per row count, so at most 16 per
        // session): the server neither parses nor plans it again on every read.
        try connection.executeAtCommit(rows.count <= 16 ? insert.prepared : insert)
    }
}
