import Foundation
import SamtakDomain
import SamtakIntake
import SamtakMessaging
import SamtakPostgres
import SamtakTestSupport
import Testing

/// Steps shared by the scenarios, all through the public API.
extension SystemHarness {
    /// Submits a case and returns its id (expects 201).
    func submitCase(as person: UUID, arena: UUID, unit: SeedUnit, kind: CaseKind, child: SeedWorld.SeedChild? = nil,
                    title: String, concern: String, grade: Int? = nil, urgent: Bool = false) async throws -> UUID {
        var body: [String: Any] = [
            "arena_id": arena.uuidString, "kind": kind.rawValue, "submitting_unit_id": world.units[unit]!.uuidString,
            "title": title, "concern": concern, "urgent": urgent,
        ]
        if let child { body["child_id"] = child.id.uuidString }
        if let grade { body["grade"] = grade }
        let response = try await call("POST", "/v1/cases", as: person, json: body)
        guard response.status == 201, let id = response.id else {
            throw MissingTestDependency("submitting a case failed: \(response.status) \(response.text)")
        }
        return id
    }

    /// Waits until the case is on an agenda; returns the meeting id.
    func waitUntilScheduled(_ caseId: UUID, as person: UUID, path: String = "cases", timeout: Duration = .seconds(60)) async throws -> UUID {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let response = try await call("GET", "/v1/\(path)/\(caseId)", as: person)
            if let scheduled = response.json["scheduled"] as? [String: Any], let meeting = scheduled["meeting_id"] as? String,
               let id = UUID(uuidString: meeting) {
                return id
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw MissingTestDependency("case \(caseId) was not scheduled within \(timeout)")
    }

    /// The organiser sends the agenda now instead of at the arena's lead time.
    func publishAgendaNow(_ meeting: UUID, as organiser: UUID) async throws {
        let response = try await call("POST", "/v1/meetings/\(meeting)/publish-agenda", as: organiser)
        guard response.status == 200 else { throw MissingTestDependency("publishing the agenda failed: \(response.status) \(response.text)") }
    }

    func waitForMeetingStatus(_ meeting: UUID, _ status: String, as person: UUID, timeout: Duration = .seconds(60)) async throws -> IntakeResponse {
        let deadline = ContinuousClock.now + timeout
        var last: IntakeResponse?
        while ContinuousClock.now < deadline {
            let response = try await call("GET", "/v1/meetings/\(meeting)", as: person)
            if response.string("status") == status { return response }
            last = response
            try await Task.sleep(for: .milliseconds(200))
        }
        throw MissingTestDependency("meeting \(meeting) did not reach \(status): \(last?.text ?? "")")
    }

    /// Waits for a Kafka event (e.g. `agenda.sent` for a meeting).
    func waitForEvent(_ type: String, subject: UUID, timeout: Duration = .seconds(60)) async throws {
        guard await tap.waitFor(type, subject: subject, timeout: timeout) != nil else {
            throw MissingTestDependency("no \(type) for \(subject) within \(timeout)")
        }
    }

    func recordConsent(child: SeedWorld.SeedChild, by person: UUID, services: [ServiceKind], arenas: [UUID] = [],
                       youngPerson: Bool = false) async throws -> UUID {
        let response = try await call("POST", "/v1/consents", as: person, json: [
            "child_id": child.id.uuidString, "given_by": child.guardians.map { $0.id.uuidString }, "services": services.map(\.rawValue),
            "arena_ids": arenas.map(\.uuidString), "valid_from": "2026-08-01", "method": "written", "young_person_consented": youngPerson,
        ] as [String: Any])
        guard response.status == 201, let id = response.id else {
            throw MissingTestDependency("recording consent failed: \(response.status) \(response.text)")
        }
        return id
    }

    /// The agenda items of a meeting as `person` sees them.
    func agendaTitles(_ meeting: UUID, as person: UUID) async throws -> [String] {
        let response = try await call("GET", "/v1/meetings/\(meeting)", as: person)
        return (response.json["agenda"] as? [[String: Any]] ?? []).compactMap { $0["title"] as? String }
    }

    func emailOf(_ person: UUID) async throws -> String {
        try await sql { connection in
            try connection.query("SELECT email FROM people WHERE id = \(person)").first?.decode(String.self, 0) ?? ""
        }
    }
}
