import SamtakDomain
import Testing

@Suite("Calendar performance")
struct CalendarPerformanceTests {
    typealias F = CalendarFixture

    /// 200 mixed series, the kind a municipality has: monthly, weekly, every fifth week, etc.
    static func mixedSeries() -> [RecurrenceSeries] {
        let rules = [
            "FREQ=MONTHLY;BYDAY=1TU", "FREQ=MONTHLY;BYDAY=-1FR", "FREQ=WEEKLY;BYDAY=WE", "FREQ=WEEKLY;INTERVAL=5;BYDAY=TH",
            "FREQ=MONTHLY;INTERVAL=2;BYDAY=2WE", "FREQ=MONTHLY;BYDAY=1TH,3TH", "FREQ=YEARLY;BYMONTH=3,10;BYDAY=1MO",
            "FREQ=MONTHLY;BYMONTHDAY=-1", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH",
            "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "FREQ=MONTHLY;BYMONTHDAY=15;COUNT=40",
        ]
        let policies: [HolidayPolicy] = [.keep, .skip, .moveToNextWorkingDay]
        let closed = [
            F.date("2027-02-22")...F.date("2027-02-26"), F.date("2027-06-21")...F.date("2027-08-13"),
            F.date("2027-10-04")...F.date("2027-10-08"), F.date("2027-12-22")...F.date("2028-01-02"),
        ]
        return (0..<200).map { i in
            RecurrenceSeries(
                rule: F.rule(rules[i % rules.count]),
                start: LocalDateTime(year: 2025, month: 1 + i % 9, day: 1 + i % 7, hour: 8 + i % 8, minute: i % 2 == 0 ? 0 : 30)!,
                exceptionDates: i % 5 == 0 ? [F.date("2027-03-02"), F.date("2027-09-15")] : [],
                holidayPolicy: policies[i % 3],
                closedPeriods: closed,
                skipClosedPeriods: i % 4 != 0)
        }
    }

    @Test func twoHundredSeriesForOneYear() {
        let all = Self.mixedSeries()
        let from = F.date("2027-01-01"), through = F.date("2027-12-31")
        var total = 0
        for series in all { total += series.occurrences(from: from, through: through).count }  // warm-up
        let clock = ContinuousClock()
        let rounds = 5
        var best = Duration.seconds(1000)
        for _ in 0..<rounds {
            var count = 0
            let elapsed = clock.measure {
                for series in all { count += series.occurrences(from: from, through: through).count }
            }
            #expect(count == total)
            best = min(best, elapsed)
        }
        print("Calendar performance: 200 series × 1 year = \(total) occurrences; best of \(rounds): \(best)")
        #expect(total > 0)
    }
}
