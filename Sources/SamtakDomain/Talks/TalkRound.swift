import Foundation

/// Utviklingssamtaler (school) and foreldresamtaler (kindergarten), seed 004: "at least twice a
/// year" every pupil's parents have "a planned and structured conversation" with the contact
/// teacher; kindergartens hold parent conversations "on a fixed basis".
///
/// ## Design (the rules here are pure; the store and the pages follow this)
/// - **A round** (`talk_rounds`: id, kind, unit_id, class label, school year, teacher_id, the
///   plan below, created_at): the contact teacher plans days, time windows (the same each day),
///   slot length, a pause between talks and fixed breaks (lunch). ``TalkRoundPlanner`` turns the
///   plan into slots, leaving out weekends, Norwegian public holidays and the school's holidays,
///   and says which days it left out and why. A round needs at least one slot per pupil.
/// - **Slots** (`talk_slots`: id, round_id, starts_at, ends_at, UNIQUE (round_id, starts_at)).
/// - **Bookings** (`talk_bookings`: slot_id PRIMARY KEY, round_id, child_id, booked_by,
///   pupil_attends, interpreter_language, UNIQUE (round_id, child_id)). The primary key on the
///   slot is what makes "first come, first served" hold under concurrent clicks: of two
///   inserts for one slot exactly one commits, the other gets a unique violation and the
///   guardian is told the slot was just taken (409). The second key gives each pupil one slot
///   per round; moving is a delete and an insert in one transaction. ``TalkBookingRules``
///   decides who may book, move and cancel.
/// - **Summaries** (`talk_summaries`: slot's booking, agreed for the school, the home and the
///   pupil, written_by, written_at): visible to the guardians with parental responsibility.
/// - **Events** (ids only): `talk.booked`, `talk.moved`, `talk.cancelled`; the notifier sends
///   the iCalendar invitation (and its CANCEL), the scheduler the reminder the day before.
/// - **Coverage** (``TalkCoverage``): per class and school year, which pupils have had both
///   talks and which are missing, for the teacher and the rektor.
///
/// A booking's states: open slot → booked → held (a summary is written) · booked → moved
/// (another slot of the round, the old one opens) · booked → cancelled (the slot opens).

/// Which conversation a round holds.
public enum TalkKind: String, Codable, Sendable, CaseIterable, Hashable {
    /// Utviklingssamtale: school, contact teacher, the pupil may take part.
    case developmentTalk = "development_talk"
    /// Foreldresamtale: kindergarten, pedagogical leader.
    case parentTalk = "parent_talk"

    public var norwegianName: String {
        switch self {
        case .developmentTalk: "utviklingssamtale"
        case .parentTalk: "foreldresamtale"
        }
    }
}

/// A stretch of a day, `from` inclusive, `to` exclusive.
public struct TalkWindow: Sendable, Hashable, Codable {
    public var from: LocalTime
    public var to: LocalTime
    public init(from: LocalTime, to: LocalTime) {
        self.from = from
        self.to = to
    }

    var minutes: ClosedRange<Int>? {
        let start = from.secondsSinceMidnight / 60, end = to.secondsSinceMidnight / 60
        return start < end ? start...(end - 1) : nil
    }
}

/// What the contact teacher plans for a round.
public struct TalkRoundPlan: Sendable, Hashable, Codable {
    public var days: [LocalDate]
    /// The windows each day holds talks in, e.g. 08:30–11:30 and 12:30–15:30.
    public var windows: [TalkWindow]
    public var slotMinutes: Int
    /// Pause between two talks (to write notes, let the next family in).
    public var pauseMinutes: Int
    /// Fixed breaks no talk may overlap (lunch, a meeting).
    public var breaks: [TalkWindow]

    public init(days: [LocalDate], windows: [TalkWindow], slotMinutes: Int, pauseMinutes: Int = 0, breaks: [TalkWindow] = []) {
        self.days = days
        self.windows = windows
        self.slotMinutes = slotMinutes
        self.pauseMinutes = pauseMinutes
        self.breaks = breaks
    }
}

/// One talk's time.
public struct TalkSlot: Sendable, Hashable, Comparable, Codable {
    public var date: LocalDate
    public var start: LocalTime
    public var end: LocalTime
    public init(date: LocalDate, start: LocalTime, end: LocalTime) {
        self.date = date
        self.start = start
        self.end = end
    }

    public static func < (lhs: TalkSlot, rhs: TalkSlot) -> Bool {
        (lhs.date, lhs.start.secondsSinceMidnight) < (rhs.date, rhs.start.secondsSinceMidnight)
    }
}

/// A planned day the round leaves out, and why (shown to the teacher in bokmål).
public struct ExcludedTalkDay: Sendable, Hashable {
    public enum Reason: Sendable, Hashable {
        case weekend
        case publicHoliday(String)
        case schoolHoliday(String)
    }

    public var date: LocalDate
    public var reason: Reason

    public var message: String {
        switch reason {
        case .weekend: "\(date) er en lørdag eller søndag."
        case .publicHoliday(let name): "\(date) er en helligdag (\(name))."
        case .schoolHoliday(let name): "\(date) er i skolens ferie (\(name))."
        }
    }
}

/// A rule a plan breaks: the field, a rule code and a bokmål sentence that never repeats input.
public struct TalkRuleViolation: Sendable, Hashable {
    public var field: String
    public var rule: String
    public var message: String
    public init(_ field: String, _ rule: String, _ message: String) {
        self.field = field
        self.rule = rule
        self.message = message
    }
}

public enum TalkRoundPlanner {
    public static let slotMinutes = 10...120
    public static let pauseMinutes = 0...60
    public static let maxDays = 20
    public static let maxWindows = 6

    /// The plan's slots in time order, and the planned days left out. School holidays are
    /// named ranges of the school calendar.
    public static func slots(
        for plan: TalkRoundPlan, schoolHolidays: [(name: String, days: ClosedRange<LocalDate>)] = []
    ) -> (slots: [TalkSlot], excluded: [ExcludedTalkDay]) {
        var slots: [TalkSlot] = []
        var excluded: [ExcludedTalkDay] = []
        let breaks = plan.breaks.compactMap(\.minutes)
        for day in Set(plan.days).sorted() {
            if let holiday = NorwegianHolidays.holiday(on: day) {
                excluded.append(ExcludedTalkDay(date: day, reason: .publicHoliday(holiday.name)))
                continue
            }
            if day.weekday == .saturday || day.weekday == .sunday {
                excluded.append(ExcludedTalkDay(date: day, reason: .weekend))
                continue
            }
            if let holiday = schoolHolidays.first(where: { $0.days.contains(day) }) {
                excluded.append(ExcludedTalkDay(date: day, reason: .schoolHoliday(holiday.name)))
                continue
            }
            var taken: [ClosedRange<Int>] = []
            for window in plan.windows.sorted(by: { $0.from < $1.from }) {
                guard let range = window.minutes else { continue }
                var start = range.lowerBound
                while start + plan.slotMinutes - 1 <= range.upperBound {
                    let talk = start...(start + plan.slotMinutes - 1)
                    if let blocking = breaks.first(where: { $0.overlaps(talk) }) {
                        start = blocking.upperBound + 1
                        continue
                    }
                    if !taken.contains(where: { $0.overlaps(talk) }) {
                        taken.append(talk)
                        slots.append(TalkSlot(date: day, start: time(talk.lowerBound), end: time(talk.upperBound + 1)))
                    }
                    start += plan.slotMinutes + plan.pauseMinutes
                }
            }
        }
        return (slots.sorted(), excluded)
    }

    /// The plan's rule violations for a class of `pupils`: sizes, windows, and at least one
    /// slot per pupil once holidays are left out.
    public static func violations(
        of plan: TalkRoundPlan, pupils: Int, schoolHolidays: [(name: String, days: ClosedRange<LocalDate>)] = []
    ) -> [TalkRuleViolation] {
        var violations: [TalkRuleViolation] = []
        if !slotMinutes.contains(plan.slotMinutes) {
            violations.append(.init("slot_minutes", "range", "En samtale må vare fra \(slotMinutes.lowerBound) til \(slotMinutes.upperBound) minutter."))
        }
        if !pauseMinutes.contains(plan.pauseMinutes) {
            violations.append(.init("pause_minutes", "range", "Pausen mellom samtalene må være fra \(pauseMinutes.lowerBound) til \(pauseMinutes.upperBound) minutter."))
        }
        if plan.days.isEmpty || plan.days.count > maxDays {
            violations.append(.init("days", "count", "Velg fra 1 til \(maxDays) dager for samtalene."))
        }
        if plan.windows.isEmpty || plan.windows.count > maxWindows {
            violations.append(.init("windows", "count", "Legg inn fra 1 til \(maxWindows) tidsrom per dag."))
        }
        for (index, window) in plan.windows.enumerated() where window.minutes == nil {
            violations.append(.init("windows[\(index)]", "order", "Et tidsrom må slutte etter at det begynner."))
        }
        for (index, window) in plan.breaks.enumerated() where window.minutes == nil {
            violations.append(.init("breaks[\(index)]", "order", "En pause må slutte etter at den begynner."))
        }
        guard violations.isEmpty else { return violations }
        let planned = slots(for: plan, schoolHolidays: schoolHolidays)
        if planned.slots.count < pupils {
            violations.append(.init("days", "too_few_slots",
                                    "Planen gir \(planned.slots.count) samtaletider, men klassen har \(pupils) elever. Legg til dager eller tidsrom, eller gjør samtalene kortere."))
        }
        return violations
    }

    static func time(_ minutes: Int) -> LocalTime { LocalTime(hour: minutes / 60, minute: minutes % 60)! }
}

/// Who may book, move and cancel a talk, and what a booking attempt meets.
public enum TalkBookingRules {
    public enum Outcome: Sendable, Hashable {
        case book
        /// The pupil already has another slot in the round: the booking moves it.
        case move(from: TalkSlot)
        case refused(TalkRuleViolation)
    }

    /// `bookerIsGuardian`: a guardian with parental responsibility for the pupil;
    /// `bookerIsTeacher`: the round's teacher (or the unit's leader), who may assign a slot.
    /// `slotTakenBy`: the pupil holding the slot, if any. `now`: the booking's time.
    public static func decide(
        slot: TalkSlot, slotTakenBy: String?, pupil: String, pupilsCurrentSlot: TalkSlot?,
        bookerIsGuardian: Bool, bookerIsTeacher: Bool, now: LocalDateTime
    ) -> Outcome {
        guard bookerIsGuardian || bookerIsTeacher else {
            return .refused(.init("child_id", "not_allowed", "Bare foresatte med foreldreansvar og kontaktlæreren kan bestille en samtaletid for eleven."))
        }
        if LocalDateTime(date: slot.date, time: slot.start) <= now {
            return .refused(.init("slot_id", "past", "Denne samtaletiden har allerede vært."))
        }
        if let current = pupilsCurrentSlot, current == slot {
            return .refused(.init("slot_id", "already_yours", "Eleven har allerede denne samtaletiden."))
        }
        if let holder = slotTakenBy, holder != pupil {
            return .refused(.init("slot_id", "taken", "Denne samtaletiden er tatt. Velg en annen."))
        }
        if let current = pupilsCurrentSlot {
            if bookerIsGuardian && LocalDateTime(date: current.date, time: current.start) <= now {
                return .refused(.init("slot_id", "held", "Samtalen er allerede holdt og kan ikke flyttes."))
            }
            return .move(from: current)
        }
        return .book
    }
}

/// "At least twice a year": who in a class has had both talks of a school year.
public enum TalkCoverage {
    public static let talksPerYear = 2

    /// The school year a date belongs to ("2026/2027" runs 1 August 2026 – 31 July 2027).
    public static func schoolYear(of date: LocalDate) -> String {
        let first = date.month >= 8 ? date.year : date.year - 1
        return "\(first)/\(first + 1)"
    }

    /// Per pupil, the number of talks held in `schoolYear` (talks held: a summary written or
    /// the time passed with the booking standing); the pupils with fewer than two are missing.
    public static func report<Pupil: Hashable>(
        pupils: [Pupil], held: [(pupil: Pupil, date: LocalDate)], schoolYear: String
    ) -> (complete: [Pupil], missing: [(pupil: Pupil, held: Int)]) {
        var counts: [Pupil: Int] = [:]
        for talk in held where Self.schoolYear(of: talk.date) == schoolYear { counts[talk.pupil, default: 0] += 1 }
        var complete: [Pupil] = []
        var missing: [(pupil: Pupil, held: Int)] = []
        for pupil in pupils {
            let count = counts[pupil] ?? 0
            if count >= talksPerYear { complete.append(pupil) } else { missing.append((pupil, count)) }
        }
        return (complete, missing)
    }
}

/// Who someone is to a round: the one who manages it (the round's teacher or the unit's
/// leader: sees every booking with the pupils' names, assigns, writes summaries), a guardian
/// with parental responsibility for one or more of its pupils (sees which slots are free and
/// her own children's bookings only), or nobody (the round does not exist for them: 404).
public enum TalkRoundRole: Sendable, Hashable {
    case manager
    case guardian(children: Set<UUID>)
    case none

    /// `pupilsInCare`: the round's pupils the caller has parental responsibility for.
    public static func of(_ principal: Principal, teacherId: UUID, unitId: UUID, pupilsInCare: Set<UUID>) -> TalkRoundRole {
        if principal.personId == teacherId || principal.hasRole(.unitLeader, in: unitId) { return .manager }
        if !pupilsInCare.isEmpty { return .guardian(children: pupilsInCare) }
        return .none
    }

    /// Plans a round for a class of the unit: its teachers and its leader.
    public static func mayPlan(_ principal: Principal, unitId: UUID) -> Bool {
        principal.hasRole(.teacher, in: unitId) || principal.hasRole(.unitLeader, in: unitId)
    }

    /// Reads a class's report (who has had both talks): the unit's teachers and its leader (rektor, styrer).
    public static func mayReadReport(_ principal: Principal, unitId: UUID) -> Bool { mayPlan(principal, unitId: unitId) }

    /// The round's kind must fit the unit: utviklingssamtaler at a school, foreldresamtaler in a kindergarten.
    public static func kindFits(_ kind: TalkKind, service: ServiceKind) -> Bool {
        switch kind {
        case .developmentTalk: service == .school
        case .parentTalk: service == .kindergarten
        }
    }
}

extension TalkBookingRules {
    /// Cancelling a booking: the manager until a summary is written; a guardian of the pupil
    /// until the talk begins.
    public static func mayCancel(role: TalkRoundRole, child: UUID, slot: TalkSlot, summaryWritten: Bool, now: LocalDateTime) -> TalkRuleViolation? {
        if summaryWritten { return .init("slot_id", "held", "Samtalen er holdt og har et referat; den kan ikke avlyses.") }
        switch role {
        case .manager: return nil
        case .guardian(let children) where children.contains(child):
            if LocalDateTime(date: slot.date, time: slot.start) <= now { return .init("slot_id", "past", "Samtalen har allerede begynt og kan ikke avlyses.") }
            return nil
        default: return .init("slot_id", "not_allowed", "Bare foresatte med foreldreansvar og kontaktlæreren kan avlyse samtalen.")
        }
    }

    /// Writing the summary: the manager, once the talk has begun.
    public static func maySummarize(role: TalkRoundRole, slot: TalkSlot, now: LocalDateTime) -> TalkRuleViolation? {
        guard role == .manager else { return .init("slot_id", "not_allowed", "Bare kontaktlæreren skriver referatet fra samtalen.") }
        if LocalDateTime(date: slot.date, time: slot.start) > now { return .init("slot_id", "not_yet", "Referatet skrives etter samtalen.") }
        return nil
    }
}
