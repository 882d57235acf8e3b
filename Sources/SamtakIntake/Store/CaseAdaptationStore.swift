import Foundation
import SamtakDomain
import SamtakPostgres

/// `case_adaptations`: the form of adaptations tried that comes with a case (issue 15), one
/// row per adaptation in the teacher's order. Read only in a case's own view (not in lists).
enum CaseAdaptationStore {
    /// Writes a new case's adaptations in one statement.
    static func insert(_ adaptations: [AdaptationTried], caseId: UUID, on connection: PostgresConnection) throws {
        guard !adaptations.isEmpty else { return }
        _ = try connection.execute(SQL("""
            INSERT INTO case_adaptations (case_id, position, what, since, duration, result)
            SELECT \(caseId), a.position, a.what, a.since, a.duration, a.result
            FROM unnest(\(adaptations.map(\.what)), \(adaptations.map(\.since)), \(adaptations.map(\.duration)), \(adaptations.map(\.result)))
                 WITH ORDINALITY AS a(what, since, duration, result, position)
            """).prepared)
    }

    static func load(_ caseId: UUID, on connection: PostgresConnection) throws -> [AdaptationTried] {
        try connection.query(SQL("""
            SELECT what, since, duration, result FROM case_adaptations WHERE case_id = \(caseId) ORDER BY position
            """).prepared).map { row in
            AdaptationTried(what: try row.decode(String.self, 0), since: try row.decode(String.self, 1),
                            duration: try row.decode(String.self, 2), result: try row.decode(String.self, 3))
        }
    }
}
