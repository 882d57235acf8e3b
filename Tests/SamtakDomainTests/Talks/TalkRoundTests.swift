import Foundation
import SamtakDomain
import Testing

@Suite("Utviklingssamtaler: planning a round, booking a slot, who is missing")
struct TalkRoundTests {
    func day(_ text: String) -> LocalDate { LocalDate(text)! }
    func at(_ text: String) -> LocalTime { LocalTime(text)! }
    func window(_ from: String, _ to: String) -> TalkWindow { TalkWindow(from: at(from), to: at(to)) }

    @Test("a class of 25: two afternoons of 20-minute talks with a 5-minute pause and a break give every pupil a slot")
    func classOf25() {
        // Tuesday 10 and Wednesday 11 November 2026, 12:00–17:00, break 14:30–15:00.
        let plan = TalkRoundPlan(days: [day("2026-11-10"), day("2026-11-11")], windows: [window("12:00", "17:00")],
                                 slotMinutes: 20, pauseMinutes: 5, breaks: [window("14:30", "15:00")])
        let (slots, excluded) = TalkRoundPlanner.slots(for: plan)
        #expect(excluded.isEmpty)
        // 12:00, 12:25, 12:50, 13:15, 13:40, 14:05 | (14:30 break) 15:00, 15:25, 15:50, 16:15, 16:40 → 11 a day.
        #expect(slots.count == 22)
        #expect(slots.first == TalkSlot(date: day("2026-11-10"), start: at("12:00"), end: at("12:20")))
        #expect(slots.filter { $0.date == day("2026-11-10") }.map(\.start.description).contains("15:00:00"))
        #expect(!slots.contains { $0.start < at("15:00") && $0.end > at("14:30") }, "no talk overlaps the break")
        #expect(slots.allSatisfy { $0.end <= at("17:00") })
        #expect(slots == slots.sorted() && Set(slots).count == slots.count)
        // 22 slots for 25 pupils is too few, and the teacher is told so in bokmål.
        let violations = TalkRoundPlanner.violations(of: plan, pupils: 25)
        #expect(violations.map(\.rule) == ["too_few_slots"])
        #expect(violations.first?.message.contains("25 elever") == true)
        var longer = plan
        longer.days.append(day("2026-11-12"))
        #expect(TalkRoundPlanner.violations(of: longer, pupils: 25).isEmpty)
    }

    @Test("weekends, public holidays and the school's holidays are left out, each with its reason")
    func holidays() {
        // Ascension Day 2027 is Thursday 6 May; 17 May is a Monday; 8 May is a Saturday; autumn holiday 2026.
        let plan = TalkRoundPlan(days: [day("2027-05-06"), day("2027-05-17"), day("2027-05-08"), day("2026-09-29"), day("2027-05-18")],
                                 windows: [window("08:00", "09:00")], slotMinutes: 30)
        let (slots, excluded) = TalkRoundPlanner.slots(for: plan, schoolHolidays: [("Høstferie", day("2026-09-28")...day("2026-10-02"))])
        #expect(Set(slots.map(\.date)) == [day("2027-05-18")])
        #expect(slots.count == 2)
        let reasons = Dictionary(uniqueKeysWithValues: excluded.map { ($0.date, $0.reason) })
        #expect(reasons[day("2027-05-06")] == .publicHoliday("Kristi himmelfartsdag"))
        #expect(reasons[day("2027-05-17")] == .publicHoliday("Grunnlovsdag"))
        #expect(reasons[day("2027-05-08")] == .weekend)
        #expect(reasons[day("2026-09-29")] == .schoolHoliday("Høstferie"))
        #expect(excluded.allSatisfy { !$0.message.isEmpty && $0.message.hasSuffix(".") })
    }

    @Test("plans that cannot work are refused with the field and a bokmål sentence")
    func badPlans() {
        let bad = TalkRoundPlan(days: [], windows: [window("15:00", "12:00")], slotMinutes: 5, pauseMinutes: 90, breaks: [window("13:00", "13:00")])
        let violations = TalkRoundPlanner.violations(of: bad, pupils: 10)
        #expect(Set(violations.map(\.field)) == ["slot_minutes", "pause_minutes", "days", "windows[0]", "breaks[0]"])
        // Overlapping windows never give two talks at once.
        let overlapping = TalkRoundPlan(days: [day("2026-11-10")], windows: [window("12:00", "13:00"), window("12:30", "13:30")], slotMinutes: 30)
        let slots = TalkRoundPlanner.slots(for: overlapping).slots
        #expect(slots.map(\.start.description) == ["12:00:00", "12:30:00", "13:00:00"])
    }

    @Test("booking: first come first served, one slot per pupil, moving, the teacher assigns, the past is closed")
    func booking() {
        let slot = TalkSlot(date: day("2026-11-10"), start: at("12:00"), end: at("12:20"))
        let other = TalkSlot(date: day("2026-11-10"), start: at("12:25"), end: at("12:45"))
        let now = LocalDateTime(date: day("2026-11-01"), time: at("09:00"))
        func decide(_ slot: TalkSlot, takenBy: String? = nil, current: TalkSlot? = nil, guardian: Bool = true, teacher: Bool = false,
                    now: LocalDateTime = now) -> TalkBookingRules.Outcome {
            TalkBookingRules.decide(slot: slot, slotTakenBy: takenBy, pupil: "emma", pupilsCurrentSlot: current,
                                    bookerIsGuardian: guardian, bookerIsTeacher: teacher, now: now)
        }
        #expect(decide(slot) == .book)
        #expect(decide(slot, takenBy: "noah").rule == "taken")
        #expect(decide(slot, takenBy: "noah", guardian: false, teacher: true).rule == "taken")
        #expect(decide(other, current: slot) == .move(from: slot))
        #expect(decide(slot, takenBy: "emma", current: slot).rule == "already_yours")
        #expect(decide(slot, guardian: false, teacher: false).rule == "not_allowed")
        #expect(decide(slot, guardian: false, teacher: true) == .book)
        let later = LocalDateTime(date: day("2026-11-10"), time: at("12:10"))
        #expect(decide(other, current: slot, now: later).rule == "held")
        #expect(decide(slot, now: later).rule == "past")
    }

    @Test("coverage: per school year, who has had both talks and who is missing")
    func coverage() {
        #expect(TalkCoverage.schoolYear(of: day("2026-08-01")) == "2026/2027")
        #expect(TalkCoverage.schoolYear(of: day("2027-07-31")) == "2026/2027")
        #expect(TalkCoverage.schoolYear(of: day("2026-07-31")) == "2025/2026")
        let held = [("emma", day("2026-10-05")), ("emma", day("2027-03-02")), ("noah", day("2026-10-06")), ("noah", day("2026-06-01")),
                    ("ella", day("2027-08-20"))]
        let report = TalkCoverage.report(pupils: ["emma", "noah", "ella"], held: held.map { (pupil: $0.0, date: $0.1) }, schoolYear: "2026/2027")
        #expect(report.complete == ["emma"])
        #expect(report.missing.map(\.pupil) == ["noah", "ella"])
        #expect(report.missing.map(\.held) == [1, 0])
    }

    @Test("who a round is for: its teacher and the unit's leader manage it, guardians of its pupils book, others see nothing")
    func roles() {
        let unit = UUID(), teacher = UUID(), emma = UUID()
        let guri = Principal(personId: teacher, kind: .staff, memberships: [.init(unitId: unit, service: .school, role: .teacher)])
        let colleague = Principal(personId: UUID(), kind: .staff, memberships: [.init(unitId: unit, service: .school, role: .teacher)])
        let rektor = Principal(personId: UUID(), kind: .staff, memberships: [.init(unitId: unit, service: .school, role: .unitLeader)])
        let hilde = Principal(personId: UUID(), kind: .guardian, memberships: [])
        #expect(TalkRoundRole.of(guri, teacherId: teacher, unitId: unit, pupilsInCare: []) == .manager)
        #expect(TalkRoundRole.of(rektor, teacherId: teacher, unitId: unit, pupilsInCare: []) == .manager)
        #expect(TalkRoundRole.of(colleague, teacherId: teacher, unitId: unit, pupilsInCare: []) == TalkRoundRole.none)
        #expect(TalkRoundRole.of(hilde, teacherId: teacher, unitId: unit, pupilsInCare: [emma]) == .guardian(children: [emma]))
        #expect(TalkRoundRole.of(hilde, teacherId: teacher, unitId: unit, pupilsInCare: []) == TalkRoundRole.none)
        #expect(TalkRoundRole.mayPlan(colleague, unitId: unit) && !TalkRoundRole.mayPlan(hilde, unitId: unit))
        #expect(!TalkRoundRole.mayPlan(guri, unitId: UUID()))
        #expect(TalkRoundRole.kindFits(.developmentTalk, service: .school) && TalkRoundRole.kindFits(.parentTalk, service: .kindergarten))
        #expect(!TalkRoundRole.kindFits(.parentTalk, service: .school) && !TalkRoundRole.kindFits(.developmentTalk, service: .ppt))
    }

    @Test("cancelling and the summary: a guardian until the talk begins, the teacher until the summary; the summary after the talk")
    func cancelAndSummary() {
        let emma = UUID()
        let slot = TalkSlot(date: day("2026-11-10"), start: at("12:00"), end: at("12:20"))
        let before = LocalDateTime(date: day("2026-11-09"), time: at("09:00")), after = LocalDateTime(date: day("2026-11-10"), time: at("12:30"))
        let guardian = TalkRoundRole.guardian(children: [emma])
        #expect(TalkBookingRules.mayCancel(role: guardian, child: emma, slot: slot, summaryWritten: false, now: before) == nil)
        #expect(TalkBookingRules.mayCancel(role: guardian, child: emma, slot: slot, summaryWritten: false, now: after)?.rule == "past")
        #expect(TalkBookingRules.mayCancel(role: guardian, child: UUID(), slot: slot, summaryWritten: false, now: before)?.rule == "not_allowed")
        #expect(TalkBookingRules.mayCancel(role: .manager, child: emma, slot: slot, summaryWritten: false, now: after) == nil)
        #expect(TalkBookingRules.mayCancel(role: .manager, child: emma, slot: slot, summaryWritten: true, now: after)?.rule == "held")
        #expect(TalkBookingRules.maySummarize(role: .manager, slot: slot, now: after) == nil)
        #expect(TalkBookingRules.maySummarize(role: .manager, slot: slot, now: before)?.rule == "not_yet")
        #expect(TalkBookingRules.maySummarize(role: guardian, slot: slot, now: after)?.rule == "not_allowed")
    }

    @Test("each arena kind has its own decisions: a tildelingsmøte grants, denies or asks for more and never refers on")
    func decisionsPerArena() {
        #expect(CaseDecision.allowed(in: .tildelingsmote) == [.granted, .denied, .needsMoreInformation])
        #expect(!CaseDecision.referToPPT.isAllowed(in: .tildelingsmote) && !CaseDecision.callSamarbeidsmote.isAllowed(in: .tildelingsmote))
        #expect(CaseDecision.allowed(in: .bupIntake) == [.accepted, .rejected, .needsMoreInformation])
        #expect(CaseDecision.allowed(in: .ressursteam) == [.followUp, .close, .referToPPT, .callSamarbeidsmote])
        for kind in ArenaKind.allCases {
            #expect(!CaseDecision.allowed(in: kind).isEmpty, "\(kind) decides nothing")
            #expect((kind == .tildelingsmote) == CaseDecision.granted.isAllowed(in: kind), "only a tildelingsmøte grants (\(kind))")
        }
        // Every decision belongs to some arena.
        #expect(Set(ArenaKind.allCases.flatMap { CaseDecision.allowed(in: $0) }) == Set(CaseDecision.allCases))
        #expect(CaseDecision.granted.caseTransition == .close && CaseDecision.denied.caseTransition == .close)
    }
}

extension TalkBookingRules.Outcome {
    var rule: String? {
        if case .refused(let violation) = self { return violation.rule }
        return nil
    }
}
