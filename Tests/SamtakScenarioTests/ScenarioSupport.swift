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
            if response.status == 200, let id = try response.decode(API.Case.self).scheduled?.meetingId {
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

    /// The agenda items of a meeting as `person` sees them: none where the meeting is hidden from
    /// them (404); any other status but 200 throws.
    func agendaTitles(_ meeting: UUID, as person: UUID) async throws -> [String] {
        let response = try await call("GET", "/v1/meetings/\(meeting)", as: person)
        if response.status == 404 { return [] }
        guard response.status == 200 else { throw UnexpectedAnswer(path: "/v1/meetings/\(meeting)", status: response.status, body: response.text) }
        return try response.decode(API.Meeting.self).agenda.map(\.title)
    }

    func emailOf(_ person: UUID) async throws -> String {
        try await sql { connection in
            try connection.query("SELECT email FROM people WHERE id = \(person)").first?.decode(String.self, 0) ?? ""
        }
    }
}

/// Steps of the cooperation scenarios (4 and 5), through the public API.
extension SystemHarness {
    /// Records a consent for any child (also one registered during the test), naming the
    /// information categories it releases; valid from 30 days ago.
    func recordConsent(childId: UUID, givenBy guardians: [UUID], by person: UUID, services: [ServiceKind], arenas: [UUID] = [],
                       information: [InformationCategory]) async throws -> UUID {
        let response = try await call("POST", "/v1/consents", as: person, json: [
            "child_id": childId.uuidString, "given_by": guardians.map(\.uuidString), "services": services.map(\.rawValue),
            "arena_ids": arenas.map(\.uuidString), "information": information.map(\.rawValue),
            "valid_from": OsloTime.localDate(at: Date()).adding(days: -30).description, "method": "written",
        ] as [String: Any])
        guard response.status == 201, let id = response.id else {
            throw MissingTestDependency("recording consent failed: \(response.status) \(response.text)")
        }
        return id
    }

    /// The municipality's administrator changes how an arena's documents go out (`content` or `notice`).
    func setDeliveryMode(_ mode: String, arena: UUID, as admin: UUID) async throws {
        var body = try await call("GET", "/v1/arenas/\(arena)", as: admin).json
        for key in ["id", "created_at", "updated_at", "active"] { body.removeValue(forKey: key) }
        body["delivery_mode"] = mode
        body["participants"] = (body["participants"] as? [[String: Any]] ?? []).map { $0.filter { $0.key != "service" } }
        let response = try await call("PUT", "/v1/arenas/\(arena)", as: admin, json: body)
        guard response.status == 200 else { throw MissingTestDependency("changing the arena failed: \(response.status) \(response.text)") }
    }

    /// The messages about one meeting (its read link is in every copy, notices too) received at `address`.
    func mail(about meeting: UUID, to address: String) throws -> [MailSink.Message] {
        try sink.messages(to: address).filter { $0.text.contains(meeting.uuidString.lowercased()) }
    }

    /// The messages of one kind ("Saksliste", "Referat", "Avlyst") about one meeting received at `address`.
    func mail(_ prefix: String, about meeting: UUID, to address: String) throws -> [MailSink.Message] {
        try mail(about: meeting, to: address).filter { $0.subject.hasPrefix(prefix) }
    }
}

extension IntakeResponse {
    func uuid(_ key: String) -> UUID? { string(key).flatMap(UUID.init(uuidString:)) }
    /// The rules of a problem's violations.
    var rules: [String] { ((try? decode(API.Problem.self))?.errors ?? []).map(\.rule) }
}

/// Local times for requests ("YYYY-MM-DD", "YYYY-MM-DDTHH:MM", Europe/Oslo).
enum ScenarioDates {
    static var today: LocalDate { OsloTime.localDate(at: Date()) }
    static func date(_ days: Int) -> String { today.adding(days: days).description }
    /// The first working day at least `days` from today.
    static func workingDay(_ days: Int) -> LocalDate {
        var date = today.adding(days: days)
        while !NorwegianHolidays.isWorkingDay(date) { date = date.adding(days: 1) }
        return date
    }
    static func local(_ date: LocalDate, _ hour: Int) -> String { "\(date)T\(hour < 10 ? "0" : "")\(hour):00" }
    /// The school year (1 August – 31 July) a date falls in, e.g. "2026/2027".
    static func schoolYear(of date: LocalDate) -> String {
        let first = date.month >= 8 ? date.year : date.year - 1
        return "\(first)/\(first + 1)"
    }
}
