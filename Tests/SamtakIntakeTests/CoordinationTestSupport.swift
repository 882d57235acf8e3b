import Foundation
import SamtakDomain
import SamtakIntake
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import SamtakTestSupport

/// Dates and times relative to today (Europe/Oslo), as the API writes them.
enum When {
    static func date(_ days: Int) -> String { OsloTime.localDate(at: Date()).adding(days: days).description }
    /// "YYYY-MM-DDTHH:MM", `days` from today.
    static func local(_ days: Int, _ hour: Int = 14) -> String {
        let date = OsloTime.localDate(at: Date()).adding(days: days)
        return "\(date)T\(hour < 10 ? "0" : "")\(hour):00"
    }
    /// The school year whose end (31 July) is at least eight months away.
    static var schoolYear: String {
        let today = OsloTime.localDate(at: Date())
        let first = today.month >= 8 ? today.year : today.year - 1
        return "\(first + 1)/\(first + 2)"
    }
}

extension IntakeHarness {
    /// Records a consent through the API, naming the information categories it releases.
    func consent(_ child: SeedWorld.SeedChild, by: UUID, services: [ServiceKind], arenas: [UUID] = [], units: [UUID] = [],
                 information: [InformationCategory] = InformationCategory.allCases) async throws -> UUID {
        let response = try await call("POST", "/v1/consents", as: by, json: [
            "child_id": child.id.uuidString, "given_by": child.guardians.map { $0.id.uuidString }, "services": services.map(\.rawValue),
            "arena_ids": arenas.map(\.uuidString), "unit_ids": units.map(\.uuidString), "information": information.map(\.rawValue),
            "valid_from": When.date(-30), "method": "written",
        ] as [String: Any])
        guard response.status == 201, let id = response.id else {
            throw MissingTestDependency("recording consent failed: \(response.status) \(response.text)")
        }
        return id
    }

    /// Marks a called meeting's agenda as published (the scheduler's work, done by hand here).
    func publishAgenda(_ meetingId: UUID) async throws {
        try await sql { connection in
            _ = try connection.execute("UPDATE meetings SET status = 'agenda_published', agenda_published_at = now() WHERE id = \(meetingId)")
        }
    }

    /// The outbox rows of one event type (and subject).
    func outboxCount(_ type: String, subject: UUID? = nil) async throws -> Int {
        try await sql { connection in
            let filter: SQL = subject.map { " AND subject = \($0.uuidString.lowercased())" } ?? ""
            return try connection.query("SELECT count(*)::int8 FROM outbox WHERE event_type = \(type)\(filter)").first?.decode(Int.self, 0) ?? 0
        }
    }
}

extension IntakeHarness.Response {
    func uuid(_ key: String) -> UUID? { string(key).flatMap(UUID.init(uuidString:)) }
}
