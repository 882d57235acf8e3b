import Foundation
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import SamtakScheduler
import SamtakTestSupport
import Testing

/// Series → meetings, planned for a fixed year (2027) so the expected dates can be
/// worked out by hand: "now" is 20 December 2026, before every deadline of 2027.
@Suite("Meetings from series", .timeLimit(.minutes(5)))
struct PlannerTests {
    static let now = OsloTime.instant(for: LocalDateTime(year: 2026, month: 12, day: 20, hour: 12, minute: 0)!)
    static let year2027 = PlanningWindow(now: now, from: LocalDate(year: 2027, month: 1, day: 1)!, through: LocalDate(year: 2027, month: 12, day: 31)!)

    static func date(_ text: String) -> LocalDate { LocalDate(text)! }
    static func local(_ text: String) -> LocalDateTime { LocalDateTime(text)! }

    struct MeetingRow: Sendable {
        var id: UUID
        var occurrenceDate: LocalDate
        var startsAt: Date
        var submissionDeadline: Date
        var agendaDueAt: Date
        var sequence: Int
        var location: String
        var local: LocalDateTime { OsloTime.localDateTime(at: startsAt) }
    }

    func meetings(_ fixture: SchedulerFixture, arena: UUID) async throws -> [MeetingRow] {
        try await fixture.pool.withConnection { connection in
            try connection.query("""
                SELECT id, occurrence_date, starts_at, submission_deadline, agenda_due_at, sequence, location FROM meetings
                WHERE arena_id = \(arena) AND status <> 'cancelled' ORDER BY starts_at
                """).map { row throws(PostgresError) in
                MeetingRow(id: try row.decode(UUID.self, 0), occurrenceDate: try row.decode(LocalDate.self, 1), startsAt: try row.decode(Date.self, 2),
                           submissionDeadline: try row.decode(Date.self, 3), agendaDueAt: try row.decode(Date.self, 4),
                           sequence: try row.decode(Int.self, 5), location: try row.decode(String.self, 6))
            }
        }
    }

    /// The municipality's school holidays around 2027 (as it would enter them).
    func enterSchoolHolidays(_ fixture: SchedulerFixture) async throws {
        let holidays: [(String, String, String, String)] = [
            ("2026/2027", "Vinterferie", "2027-02-22", "2027-02-26"),
            ("2026/2027", "Påskeferie", "2027-03-22", "2027-03-29"),
            ("2026/2027", "Sommerferie", "2027-06-19", "2027-07-31"),
            ("2027/2028", "Sommerferie", "2027-08-01", "2027-08-17"),
            ("2027/2028", "Høstferie", "2027-10-04", "2027-10-08"),
            ("2027/2028", "Juleferie", "2027-12-22", "2028-01-02"),
        ]
        try await fixture.transaction { connection in
            for (year, name, first, last) in holidays {
                try connection.execute("""
                    INSERT INTO school_holidays (id, school_year, name, first_day, last_day) VALUES (\(UUID()), \(year), \(name), \(Self.date(first)), \(Self.date(last)))
                    """)
            }
        }
    }

    @Test("the seeds' arenas yield a year of meetings a coordinator would recognise (printed in Norwegian local time)")
    func seedRhythmsForAYear() async throws {
        try await withTestDatabase { database in
            let fixture = try await SchedulerFixture.make(database)
            try await enterSchoolHolidays(fixture)
            typealias Spec = SchedulerFixture.ArenaSpec
            // Seed 001/002: ressursteam once a month (first Tuesday), not in school holidays.
            let ressursteam = try await fixture.arena(Spec(name: "Ressursteam Solbakken skole", kind: "ressursteam", rrule: "FREQ=MONTHLY;BYDAY=1TU",
                                                           seriesStart: Self.local("2027-01-05T14:00"), skipSchoolHolidays: true))
            // Seed 003: BUP's local intake meeting every week.
            let bupIntake = try await fixture.arena(Spec(name: "Lokalt inntaksmøte BUP", kind: "bup_intake", rrule: "FREQ=WEEKLY;BYDAY=WE",
                                                         seriesStart: Self.local("2027-01-06T12:00"), capacity: 20, deadlineHours: 24, leadHours: 24))
            // Seed 003: hjelpetjenesten, fixed meetings every fifth week.
            let hjelpetjenesten = try await fixture.arena(Spec(name: "Hjelpetjenesten for barn og unge", kind: "hjelpetjenesten",
                                                               rrule: "FREQ=WEEKLY;INTERVAL=5;BYDAY=TU", seriesStart: Self.local("2027-01-12T09:00")))
            // Seed 003: beslutningsteam every other month, cancelled when no cases are submitted.
            let beslutningsteam = try await fixture.arena(Spec(name: "Beslutningsteam for barn og unge", kind: "beslutningsteam",
                                                               rrule: "FREQ=MONTHLY;INTERVAL=2;BYDAY=2TH", seriesStart: Self.local("2027-01-14T13:00"),
                                                               cancelWhenEmpty: true))
            // Seed 000: tildelingsmøte once a week; holidays move it to the next working day.
            let tildeling = try await fixture.arena(Spec(name: "Tildelingsmøte forvaltning og habilitering", kind: "tildelingsmote",
                                                         rrule: "FREQ=WEEKLY;BYDAY=TH", seriesStart: Self.local("2027-01-07T10:00"), holidayPolicy: "move"))

            let outcome = try await fixture.scheduler.planner.planAll(pool: fixture.pool, window: Self.year2027)
            #expect(outcome.arenas == 5)
            #expect(outcome.failed == 0)

            let arenas: [(String, UUID)] = [("Ressursteam (månedlig, første tirsdag, ikke i skoleferier)", ressursteam),
                                            ("Lokalt inntaksmøte BUP (hver uke, onsdag)", bupIntake),
                                            ("Hjelpetjenesten (hver femte uke, tirsdag)", hjelpetjenesten),
                                            ("Beslutningsteam (annenhver måned, andre torsdag, avlyses uten saker)", beslutningsteam),
                                            ("Tildelingsmøte (hver uke, torsdag, helligdager flyttes)", tildeling)]
            var byArena: [UUID: [MeetingRow]] = [:]
            for (title, id) in arenas {
                let rows = try await meetings(fixture, arena: id)
                byArena[id] = rows
                print("\n\(title): \(rows.count) møter i 2027")
                for row in rows {
                    let moved = row.occurrenceDate != row.local.date ? "  (flyttet fra \(OsloTime.norwegianDate(row.occurrenceDate)))" : ""
                    print("  \(OsloTime.norwegianLong(row.startsAt))   frist \(OsloTime.norwegianShort(row.submissionDeadline))\(moved)")
                }
            }

            // Ressursteam: 12 first Tuesdays less July, August (summer holiday) and 5 October (autumn break).
            let ressursteamDates = byArena[ressursteam]!.map(\.local.date.description)
            #expect(ressursteamDates == ["2027-01-05", "2027-02-02", "2027-03-02", "2027-04-06", "2027-05-04", "2027-06-01",
                                         "2027-09-07", "2027-11-02", "2027-12-07"])
            #expect(byArena[ressursteam]!.allSatisfy { $0.local.time == LocalTime(hour: 14, minute: 0)! })
            // Deadline a week before, agenda three days before (the arena's defaults).
            let firstRessursteam = byArena[ressursteam]![0]
            #expect(firstRessursteam.startsAt.timeIntervalSince(firstRessursteam.submissionDeadline) == 168 * 3600)
            #expect(firstRessursteam.startsAt.timeIntervalSince(firstRessursteam.agendaDueAt) == 72 * 3600)

            // BUP intake: every Wednesday of 2027, none of which is a public holiday.
            let bup = byArena[bupIntake]!
            #expect(bup.count == 52)
            #expect(bup.first?.local.date == Self.date("2027-01-06") && bup.last?.local.date == Self.date("2027-12-29"))
            #expect(bup.allSatisfy { $0.local.date.weekday == .wednesday })

            // Hjelpetjenesten: every 35 days from 12 January, 09:00 Oslo time across both DST changes.
            let hjelp = byArena[hjelpetjenesten]!
            #expect(hjelp.map(\.local.date.description) == ["2027-01-12", "2027-02-16", "2027-03-23", "2027-04-27", "2027-06-01", "2027-07-06",
                                                           "2027-08-10", "2027-09-14", "2027-10-19", "2027-11-23", "2027-12-28"])
            #expect(hjelp.allSatisfy { $0.local.time == LocalTime(hour: 9, minute: 0)! })
            #expect(OsloTime.iso8601(hjelp[2].startsAt).hasSuffix("+01:00") && OsloTime.iso8601(hjelp[3].startsAt).hasSuffix("+02:00"))
            #expect(hjelp[2].startsAt == ISO8601DateFormatter().date(from: "2027-03-23T08:00:00Z"))
            #expect(hjelp[3].startsAt == ISO8601DateFormatter().date(from: "2027-04-27T07:00:00Z"))

            // Beslutningsteam: second Thursday of every other month.
            #expect(byArena[beslutningsteam]!.map(\.local.date.description) == ["2027-01-14", "2027-03-11", "2027-05-13", "2027-07-08", "2027-09-09", "2027-11-11"])

            // Tildelingsmøte: 52 Thursdays; Maundy Thursday moves past Easter to Tuesday 30 March, Ascension Day to Friday 7 May.
            let tildelingRows = byArena[tildeling]!
            #expect(tildelingRows.count == 52)
            let moved = tildelingRows.filter { $0.occurrenceDate != $0.local.date }.map { "\($0.occurrenceDate)→\($0.local.date)" }
            #expect(moved == ["2027-03-25→2027-03-30", "2027-05-06→2027-05-07"])

            // Planning again (or from a second process) changes nothing.
            let again = try await fixture.scheduler.planner.planAll(pool: fixture.pool, window: Self.year2027)
            #expect(again.inserted == 0 && again.updated == 0 && again.deleted == 0 && again.conflicts == 0)
        }
    }

    @Test("editing a series updates empty future meetings and reports the ones with cases; deactivating removes the empty ones")
    func editingASeries() async throws {
        try await withTestDatabase { database in
            let fixture = try await SchedulerFixture.make(database)
            let planner = fixture.scheduler.planner
            let arena = try await fixture.arena(.init(name: "Pedagogisk team", kind: "pedagogisk_team", rrule: "FREQ=WEEKLY;BYDAY=MO",
                                                      seriesStart: Self.local("2027-01-04T14:00"), holidayPolicy: "skip"))
            _ = try await planner.planAll(pool: fixture.pool, window: Self.year2027)
            let before = try await meetings(fixture, arena: arena)
            #expect(before.count == 50)  // 52 Mondays less Easter Monday (29 March) and Whit Monday (17 May), skipped
            let busy = before[2]
            let caseId = try await fixture.submitCase(arena: arena)
            try await fixture.transaction { connection in
                try connection.execute("UPDATE cases SET status = 'scheduled' WHERE id = \(caseId)")
                try connection.execute("""
                    INSERT INTO agenda_items (id, meeting_id, case_id, position, reason) VALUES (\(UUID()), \(busy.id), \(caseId), 1, 'earliest_open_meeting')
                    """)
            }

            // 1. The owner moves the series to 15:00 and to another room.
            try await fixture.transaction { connection in
                try connection.execute("UPDATE arenas SET series_start = '2027-01-04 15:00', location = 'Møterom 2', version = version + 1 WHERE id = \(arena)")
            }
            let edit = try await planner.planAll(pool: fixture.pool, window: Self.year2027)
            #expect(edit.updated == before.count - 1)
            #expect(edit.conflicts == 1)
            let after = try await meetings(fixture, arena: arena)
            for row in after where row.id != busy.id {
                #expect(row.local.time == LocalTime(hour: 15, minute: 0)! && row.sequence == 1 && row.location == "Møterom 2")
            }
            let busyAfter = try #require(after.first { $0.id == busy.id })
            #expect(busyAfter.local.time == LocalTime(hour: 14, minute: 0)! && busyAfter.sequence == 0)
            #expect(busyAfter.location == "Møterom 1", "a meeting with cases whose time changed is left entirely as it was")
            #expect(try await fixture.events(MeetingMoved.self).count == before.count - 1)
            let conflict = try await fixture.pool.withConnection { connection in
                try connection.query("SELECT meeting_id, kind, series_starts_at, active_items FROM schedule_conflicts WHERE resolved_at IS NULL")
                    .map { row throws(PostgresError) in
                        (try row.decode(UUID.self, 0), try row.decode(String.self, 1), try row.decode(Date?.self, 2), try row.decode(Int.self, 3))
                    }
            }
            #expect(conflict.count == 1)
            #expect(conflict.first?.0 == busy.id && conflict.first?.1 == "time_changed" && conflict.first?.3 == 1)
            #expect(conflict.first?.2.map { OsloTime.localDateTime(at: $0).time } == LocalTime(hour: 15, minute: 0)!)
            // Reported once, however often the planner runs.
            _ = try await planner.planAll(pool: fixture.pool, window: Self.year2027)
            #expect(try await fixture.count("SELECT count(*)::int8 FROM schedule_conflicts") == 1)

            // 2. The series moves to Tuesdays: empty Monday meetings go, Tuesday meetings come, the busy Monday is reported.
            try await fixture.transaction { connection in
                try connection.execute("UPDATE arenas SET rrule = 'FREQ=WEEKLY;BYDAY=TU', series_start = '2027-01-05 15:00', version = version + 1 WHERE id = \(arena)")
            }
            let retimed = try await planner.planAll(pool: fixture.pool, window: Self.year2027)
            #expect(retimed.deleted == before.count - 1)
            #expect(retimed.conflicts == 1)
            let tuesdays = try await meetings(fixture, arena: arena)
            #expect(tuesdays.filter { $0.id != busy.id }.allSatisfy { $0.local.date.weekday == .tuesday })
            #expect(tuesdays.contains { $0.id == busy.id })
            #expect(try await fixture.scalar("SELECT kind FROM schedule_conflicts WHERE resolved_at IS NULL", as: String.self) == "not_in_series")
            #expect(try await fixture.count("SELECT count(*)::int8 FROM schedule_conflicts WHERE resolved_at IS NOT NULL") == 1)

            // 3. The arena is deactivated: every empty future meeting goes; the busy one stays and is reported.
            try await fixture.transaction { connection in
                try connection.execute("UPDATE arenas SET active = false, version = version + 1 WHERE id = \(arena)")
            }
            let deactivated = try await planner.planAll(pool: fixture.pool, window: Self.year2027)
            #expect(deactivated.deleted == tuesdays.count - 1)
            #expect(try await meetings(fixture, arena: arena).map(\.id) == [busy.id])
            #expect(try await fixture.scalar("SELECT kind FROM schedule_conflicts WHERE resolved_at IS NULL", as: String.self) == "arena_inactive")
        }
    }

    @Test("a series meeting its organiser moved is left as moved: planning again and editing the series neither move it back nor add a second one")
    func movedByOwnerIsLeftAlone() async throws {
        try await withTestDatabase { database in
            let fixture = try await SchedulerFixture.make(database)
            let planner = fixture.scheduler.planner
            let arena = try await fixture.arena(.init(name: "Pedagogisk team", kind: "pedagogisk_team", rrule: "FREQ=WEEKLY;BYDAY=MO",
                                                      seriesStart: Self.local("2027-01-04T14:00"), holidayPolicy: "skip"))
            _ = try await planner.planAll(pool: fixture.pool, window: Self.year2027)
            let before = try await meetings(fixture, arena: arena)
            // The organiser moves the third Monday's meeting to the Tuesday at 09:00 (as the API does).
            let moved = before[2]
            let tuesday = moved.startsAt.addingTimeInterval(19 * 3600)
            try await fixture.transaction { connection in
                try connection.execute("""
                    UPDATE meetings SET starts_at = \(tuesday), ends_at = \(tuesday.addingTimeInterval(3600)), sequence = sequence + 1,
                        moved_by_owner_at = now() WHERE id = \(moved.id)
                    """)
            }
            let again = try await planner.planAll(pool: fixture.pool, window: Self.year2027)
            #expect(again.inserted == 0 && again.updated == 0 && again.deleted == 0 && again.conflicts == 0)
            // The series moves to 15:00: every other meeting follows, the moved one stays.
            try await fixture.transaction { connection in
                try connection.execute("UPDATE arenas SET series_start = '2027-01-04 15:00', version = version + 1 WHERE id = \(arena)")
            }
            let edit = try await planner.planAll(pool: fixture.pool, window: Self.year2027)
            #expect(edit.updated == before.count - 1 && edit.inserted == 0 && edit.conflicts == 0)
            let after = try await meetings(fixture, arena: arena)
            #expect(after.count == before.count)
            let movedAfter = try #require(after.first { $0.id == moved.id })
            #expect(movedAfter.startsAt == tuesday && movedAfter.sequence == 1)
        }
    }

    @Test("a meeting that once had cases is cancelled (series_changed), not deleted, when its series drops it")
    func droppedMeetingWithHistoryIsCancelled() async throws {
        try await withTestDatabase { database in
            let fixture = try await SchedulerFixture.make(database)
            let planner = fixture.scheduler.planner
            let arena = try await fixture.arena(.init(rrule: "FREQ=MONTHLY;BYDAY=1TU", seriesStart: Self.local("2027-01-05T14:00")))
            _ = try await planner.planAll(pool: fixture.pool, window: Self.year2027)
            let first = try #require(try await meetings(fixture, arena: arena).first)
            let caseId = try await fixture.submitCase(arena: arena)
            try await fixture.transaction { connection in
                try connection.execute("""
                    INSERT INTO agenda_items (id, meeting_id, case_id, position, reason, removed_at, removed_reason)
                    VALUES (\(UUID()), \(first.id), \(caseId), 1, 'earliest_open_meeting', now(), 'withdrawn')
                    """)
                try connection.execute("UPDATE arenas SET exception_dates = '{2027-01-05}', version = version + 1 WHERE id = \(arena)")
            }
            let outcome = try await planner.planAll(pool: fixture.pool, window: Self.year2027)
            #expect(outcome.cancelled == 1 && outcome.deleted == 0)
            #expect(try await fixture.scalar("SELECT cancelled_reason FROM meetings WHERE id = \(first.id)", as: String.self) == "series_changed")
            #expect(try await fixture.events(MeetingCancelled.self) == [MeetingCancelled(meetingId: first.id, arenaId: arena, reason: .seriesChanged)])
        }
    }

    @Test("arena.changed plans the arena through the event handler; the horizon starts today")
    func arenaChangedEvent() async throws {
        try await withTestDatabase { database in
            let fixture = try await SchedulerFixture.make(database)
            let arena = try await fixture.arena(.init(rrule: "FREQ=WEEKLY;BYDAY=MO,TH", seriesStart: Self.local("2026-01-05T14:00"), holidayPolicy: "keep"))
            let envelope = try EventEnvelope(ArenaChanged(arenaId: arena, version: 1, change: .created), source: "/samtak/intake")
            let events = fixture.scheduler.events
            try await fixture.transaction { try events.apply(envelope, on: $0) }
            let rows = try await fixture.pool.withConnection { connection in
                try connection.query("""
                    SELECT count(*)::int8, bool_and(submission_deadline > now()), max(starts_at) < now() + interval '366 days' FROM meetings WHERE arena_id = \(arena)
                    """).first.map { row throws(PostgresError) in (try row.decode(Int.self, 0), try row.decode(Bool.self, 1), try row.decode(Bool.self, 2)) }
            }
            // Two a week for a year, less the ones whose deadline (a week ahead) has passed.
            #expect((100...104).contains(rows?.0 ?? 0), "\(String(describing: rows))")
            #expect(rows?.1 == true && rows?.2 == true)
        }
    }

    @Test("planning a year for 200 series (measured, printed)")
    func twoHundredSeries() async throws {
        try await withTestDatabase { database in
            let fixture = try await SchedulerFixture.make(database)
            try await enterSchoolHolidays(fixture)
            let rules = ["FREQ=WEEKLY;BYDAY=WE", "FREQ=MONTHLY;BYDAY=1TU", "FREQ=WEEKLY;INTERVAL=5;BYDAY=TU", "FREQ=MONTHLY;INTERVAL=2;BYDAY=2TH",
                         "FREQ=WEEKLY;BYDAY=MO,TH", "FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;BYMONTHDAY=15", "FREQ=YEARLY;BYMONTH=3,10;BYDAY=1WE"]
            for index in 0..<200 {
                try await fixture.arena(.init(name: "Arena \(index)", kind: "other", rrule: rules[index % rules.count],
                                              seriesStart: LocalDateTime(year: 2026, month: 1, day: index % 7 + 1, hour: 8 + index % 8, minute: 0),
                                              holidayPolicy: ["keep", "skip", "move"][index % 3], skipSchoolHolidays: index % 2 == 0))
            }
            let planner = fixture.scheduler.planner
            let clock = ContinuousClock()
            var outcome = PlanOutcome()
            let elapsed = try await clock.measure {
                outcome = try await planner.planAll(pool: fixture.pool, window: PlanningWindow(horizonDays: 365))
            }
            var again = PlanOutcome()
            let elapsedAgain = try await clock.measure {
                again = try await planner.planAll(pool: fixture.pool, window: PlanningWindow(horizonDays: 365))
            }
            print("planner: 200 series × 365 days → \(outcome.inserted) meetings in \(elapsed.formatted(.units(allowed: [.milliseconds]))); "
                  + "a second round (nothing to do) in \(elapsedAgain.formatted(.units(allowed: [.milliseconds])))")
            #expect(outcome.arenas == 200 && outcome.failed == 0)
            #expect(outcome.inserted > 200 * 5)
            #expect(again.inserted == 0 && again.updated == 0)
            #expect(try await fixture.count("SELECT count(*)::int8 FROM meetings") == outcome.inserted)
        }
    }
}
