import Foundation
import SamtakDomain
import Testing

@Suite("Recurrence series")
struct RecurrenceSeriesTests {
    typealias F = CalendarFixture

    private func lines(_ occurrences: [Occurrence]) -> [String] { occurrences.map(\.iso8601) }

    // MARK: DST

    @Test func weeklyMeetingKeepsWallTimeAcrossSpringChange() {
        // Last Sunday of March 2027 is the 28th.
        let series = RecurrenceSeries(rule: F.rule("FREQ=WEEKLY;BYDAY=MO"), start: F.dateTime("2027-03-01T09:00"))
        let got = series.occurrences(from: F.date("2027-03-15"), through: F.date("2027-04-12"))
        #expect(lines(got) == [
            "2027-03-15T09:00:00+01:00",
            "2027-03-22T09:00:00+01:00",
            "2027-03-29T09:00:00+02:00",
            "2027-04-05T09:00:00+02:00",
            "2027-04-12T09:00:00+02:00",
        ])
        #expect(got.map(\.utcOffsetSeconds) == [3600, 3600, 7200, 7200, 7200])
        // Instants: 08:00Z before, 07:00Z after.
        #expect(Int(got[1].start.timeIntervalSince1970) % 86_400 == 8 * 3600)
        #expect(Int(got[2].start.timeIntervalSince1970) % 86_400 == 7 * 3600)
        #expect(got[2].start.timeIntervalSince(got[1].start) == 7 * 86_400 - 3600)
    }

    @Test func weeklyMeetingKeepsWallTimeAcrossAutumnChange() {
        // Last Sunday of October 2027 is the 31st.
        let series = RecurrenceSeries(rule: F.rule("FREQ=WEEKLY;BYDAY=MO"), start: F.dateTime("2027-03-01T09:00"))
        #expect(series.previewLines(from: F.date("2027-10-18"), through: F.date("2027-11-08")) == [
            "2027-10-18T09:00:00+02:00",
            "2027-10-25T09:00:00+02:00",
            "2027-11-01T09:00:00+01:00",
            "2027-11-08T09:00:00+01:00",
        ])
        // 2026: last Sunday of October is the 25th.
        let sunday = RecurrenceSeries(rule: F.rule("FREQ=WEEKLY;BYDAY=SU"), start: F.dateTime("2026-10-01T09:00"))
        #expect(sunday.previewLines(from: F.date("2026-10-18"), through: F.date("2026-11-01")) == [
            "2026-10-18T09:00:00+02:00",
            "2026-10-25T09:00:00+01:00",
            "2026-11-01T09:00:00+01:00",
        ])
    }

    @Test func startTimeInTheSpringGapShowsTheRealWallTime() {
        let series = RecurrenceSeries(rule: F.rule("FREQ=DAILY"), start: F.dateTime("2027-03-27T02:30"))
        let got = series.occurrences(from: F.date("2027-03-27"), through: F.date("2027-03-29"))
        #expect(lines(got) == ["2027-03-27T02:30:00+01:00", "2027-03-28T03:30:00+02:00", "2027-03-29T02:30:00+02:00"])
        #expect(got[1].originalDate == F.date("2027-03-28"))
        #expect(!got[1].moved)
        // Overlap: the first (summer time) instance.
        let autumn = RecurrenceSeries(rule: F.rule("FREQ=DAILY"), start: F.dateTime("2027-10-30T02:30"))
        #expect(autumn.previewLines(from: F.date("2027-10-31"), through: F.date("2027-10-31")) == ["2027-10-31T02:30:00+02:00"])
    }

    // MARK: Holiday policy (2026: Easter 5 April, Ascension 14 May)

    @Test func thursdayOnAscensionDaySkipped() {
        let series = RecurrenceSeries(
            rule: F.rule("FREQ=WEEKLY;BYDAY=TH"), start: F.dateTime("2026-01-01T10:00"), holidayPolicy: .skip)
        let got = series.occurrences(from: F.date("2026-05-07"), through: F.date("2026-05-28"))
        #expect(got.map(\.local.date.description) == ["2026-05-07", "2026-05-21", "2026-05-28"])
    }

    @Test func thursdayOnAscensionDayMovedToFriday() {
        let series = RecurrenceSeries(
            rule: F.rule("FREQ=WEEKLY;BYDAY=TH"), start: F.dateTime("2026-01-01T10:00"), holidayPolicy: .moveToNextWorkingDay)
        let got = series.occurrences(from: F.date("2026-05-07"), through: F.date("2026-05-28"))
        #expect(got.map(\.local.description) == [
            "2026-05-07T10:00:00", "2026-05-15T10:00:00", "2026-05-21T10:00:00", "2026-05-28T10:00:00",
        ])
        #expect(got[1].originalDate == F.date("2026-05-14"))
        #expect(got[1].moved)
        #expect(got[1].iso8601 == "2026-05-15T10:00:00+02:00")
        #expect(got.filter(\.moved).count == 1)
        // With .keep the holiday meeting stays.
        var kept = series
        kept.holidayPolicy = .keep
        #expect(kept.occurrences(from: F.date("2026-05-14"), through: F.date("2026-05-14")).map(\.moved) == [false])
    }

    @Test func mondayOnEasterMondayMovedToTuesday() {
        let series = RecurrenceSeries(
            rule: F.rule("FREQ=WEEKLY;BYDAY=MO"), start: F.dateTime("2026-01-05T13:00"), holidayPolicy: .moveToNextWorkingDay)
        let got = series.occurrences(from: F.date("2026-03-30"), through: F.date("2026-04-13"))
        #expect(got.map(\.local.date.description) == ["2026-03-30", "2026-04-07", "2026-04-13"])
        #expect(got[1].originalDate == F.date("2026-04-06"))
        #expect(got[1].moved)
    }

    @Test func moveSkipsOverTheWholeEasterBreak() {
        // Maundy Thursday → (Good Friday, weekend, Easter Monday) → Tuesday.
        let series = RecurrenceSeries(
            rule: F.rule("FREQ=WEEKLY;BYDAY=TH"), start: F.dateTime("2026-01-01T10:00"), holidayPolicy: .moveToNextWorkingDay)
        let got = series.occurrences(from: F.date("2026-04-07"), through: F.date("2026-04-09"))
        // The moved occurrence is found even though its original date is before the window.
        #expect(got.map(\.local.date.description) == ["2026-04-07", "2026-04-09"])
        #expect(got[0].originalDate == F.date("2026-04-02"))
        // A window that contains only the original date does not include it.
        #expect(series.occurrences(from: F.date("2026-04-02"), through: F.date("2026-04-06")).isEmpty)
    }

    @Test func moveOntoAnExistingOccurrenceSkipsInstead() {
        // Daily on weekdays: Ascension Thursday cannot move to Friday, which already has a meeting.
        let series = RecurrenceSeries(
            rule: F.rule("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"), start: F.dateTime("2026-01-01T08:00"),
            holidayPolicy: .moveToNextWorkingDay)
        let got = series.occurrences(from: F.date("2026-05-11"), through: F.date("2026-05-15"))
        #expect(got.map(\.local.date.description) == ["2026-05-11", "2026-05-12", "2026-05-13", "2026-05-15"])
        #expect(got.allSatisfy { !$0.moved })
        // But if Friday's own meeting is cancelled (EXDATE), Thursday's may move there.
        var withExdate = series
        withExdate.exceptionDates = [F.date("2026-05-15")]
        let moved = withExdate.occurrences(from: F.date("2026-05-11"), through: F.date("2026-05-15"))
        #expect(moved.last?.originalDate == F.date("2026-05-14"))
        #expect(moved.last?.local.date == F.date("2026-05-15"))
    }

    @Test func moveAvoidsClosedPeriods() {
        // Friday 15 May 2026 is a municipal closed day ("inneklemt dag"): move to Monday 18 May.
        let series = RecurrenceSeries(
            rule: F.rule("FREQ=WEEKLY;BYDAY=TH"), start: F.dateTime("2026-01-01T10:00"), holidayPolicy: .moveToNextWorkingDay,
            closedPeriods: [F.date("2026-05-15")...F.date("2026-05-15")], skipClosedPeriods: true)
        let got = series.occurrences(from: F.date("2026-05-14"), through: F.date("2026-05-21"))
        #expect(got.map(\.local.date.description) == ["2026-05-18", "2026-05-21"])
        #expect(got[0].originalDate == F.date("2026-05-14"))
    }

    @Test func weeklyMeetingSkippedDuringAutumnBreak() {
        // Oslo autumn break 2026: week 41, 5–9 October.
        let autumnBreak = F.date("2026-10-05")...F.date("2026-10-09")
        let series = RecurrenceSeries(
            rule: F.rule("FREQ=WEEKLY;BYDAY=WE"), start: F.dateTime("2026-08-19T12:00"),
            closedPeriods: [autumnBreak], skipClosedPeriods: true)
        let got = series.occurrences(from: F.date("2026-09-28"), through: F.date("2026-10-18"))
        #expect(got.map(\.local.date.description) == ["2026-09-30", "2026-10-14"])
        // Not skipped when the series does not follow the closed periods.
        var ignoring = series
        ignoring.skipClosedPeriods = false
        #expect(ignoring.occurrences(from: F.date("2026-09-28"), through: F.date("2026-10-18")).count == 3)
    }

    @Test func windowedQueriesAgreeWithOneLongQuery() {
        // Whatever window the scheduler asks for, moved and skipped occurrences come out the same.
        let closed = [F.date("2026-10-05")...F.date("2026-10-09"), F.date("2026-12-21")...F.date("2027-01-01")]
        let rules = [
            "FREQ=WEEKLY;BYDAY=TH", "FREQ=WEEKLY;BYDAY=MO,FR", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "FREQ=MONTHLY;BYDAY=1MO",
            "FREQ=WEEKLY;BYDAY=SU", "FREQ=DAILY;COUNT=300", "FREQ=MONTHLY;BYMONTHDAY=1,17,-1",
        ]
        for text in rules {
            for policy in HolidayPolicy.allCases {
                for skipClosed in [false, true] {
                    let series = RecurrenceSeries(
                        rule: F.rule(text), start: F.dateTime("2026-01-01T09:00"), exceptionDates: [F.date("2026-05-15")],
                        holidayPolicy: policy, closedPeriods: closed, skipClosedPeriods: skipClosed)
                    let whole = series.occurrences(from: F.date("2026-01-01"), through: F.date("2027-12-31"))
                    for windowDays in [1, 3, 7, 31] {
                        var pieces: [Occurrence] = []
                        var from = F.date("2026-01-01")
                        while from <= F.date("2027-12-31") {
                            let to = min(from.adding(days: windowDays - 1), F.date("2027-12-31"))
                            pieces += series.occurrences(from: from, through: to)
                            from = to.adding(days: 1)
                        }
                        #expect(pieces == whole, "\(text) \(policy) skipClosed=\(skipClosed) window=\(windowDays)")
                    }
                    // Invariants: no two occurrences on one day; moves land on working days outside closed periods.
                    #expect(Set(whole.map(\.local.date)).count == whole.count)
                    for o in whole where o.moved {
                        #expect(NorwegianHolidays.isWorkingDay(o.local.date))
                        #expect(!skipClosed || !closed.contains { $0.contains(o.local.date) })
                        #expect(o.originalDate < o.local.date)
                    }
                    if policy != .keep {
                        #expect(whole.allSatisfy { !NorwegianHolidays.isPublicHoliday($0.local.date) })
                    }
                }
            }
        }
    }

    // MARK: RFC semantics for COUNT and EXDATE

    @Test func countIsAppliedBeforeExdateAndHolidays() {
        // COUNT=4 Thursdays from 7 May 2026; one falls on Ascension Day and one is cancelled.
        let series = RecurrenceSeries(
            rule: F.rule("FREQ=WEEKLY;BYDAY=TH;COUNT=4"), start: F.dateTime("2026-05-07T10:00"),
            exceptionDates: [F.date("2026-05-21")], holidayPolicy: .skip)
        let got = series.occurrences(from: F.date("2026-01-01"), through: F.date("2026-12-31"))
        // Rule dates: 7, 14 (Ascension, skipped), 21 (EXDATE), 28 May.
        #expect(got.map(\.local.date.description) == ["2026-05-07", "2026-05-28"])
    }

    @Test func dtstartCountsOnlyWhenItMatches() {
        let series = RecurrenceSeries(rule: F.rule("FREQ=MONTHLY;BYDAY=1TU;COUNT=2"), start: F.dateTime("2027-01-01T14:00"))
        #expect(series.previewLines(from: F.date("2027-01-01"), through: F.date("2027-12-31"))
            == ["2027-01-05T14:00:00+01:00", "2027-02-02T14:00:00+01:00"])
    }

    // MARK: Preview, next occurrence, Codable

    @Test func previewLines() {
        let series = RecurrenceSeries(rule: F.rule("FREQ=MONTHLY;BYDAY=1TU"), start: F.dateTime("2027-01-01T14:00"))
        #expect(series.previewLines(from: F.date("2027-01-01"), through: F.date("2027-12-31"), limit: 4) == [
            "2027-01-05T14:00:00+01:00",
            "2027-02-02T14:00:00+01:00",
            "2027-03-02T14:00:00+01:00",
            "2027-04-06T14:00:00+02:00",
        ])
        #expect(RecurrenceSeries.previewLines([]) == [])
        #expect(series.previewLines(from: F.date("2027-02-01"), through: F.date("2027-01-01")).isEmpty)
    }

    @Test func nextOccurrence() {
        let series = RecurrenceSeries(rule: F.rule("FREQ=MONTHLY;BYDAY=1TU"), start: F.dateTime("2027-01-01T14:00"))
        let at = OsloTime.instant(for: F.dateTime("2027-03-02T14:00"))
        #expect(series.nextOccurrence(after: at)?.local == F.dateTime("2027-04-06T14:00"))
        #expect(series.nextOccurrence(after: at.addingTimeInterval(-1))?.local == F.dateTime("2027-03-02T14:00"))
        let ended = RecurrenceSeries(rule: F.rule("FREQ=DAILY;COUNT=1"), start: F.dateTime("2027-01-01T14:00"))
        #expect(ended.nextOccurrence(after: at) == nil)
    }

    @Test func seriesIsCodable() throws {
        let series = RecurrenceSeries(
            rule: F.rule("FREQ=WEEKLY;INTERVAL=5;BYDAY=TH"), start: F.dateTime("2027-01-07T10:00"),
            exceptionDates: [F.date("2027-02-11")], holidayPolicy: .moveToNextWorkingDay,
            closedPeriods: [F.date("2027-10-04")...F.date("2027-10-08")], skipClosedPeriods: true)
        let data = try JSONEncoder().encode(series)
        #expect(try JSONDecoder().decode(RecurrenceSeries.self, from: data) == series)
    }
}
