import Foundation
import SamtakDomain
import Testing

@Suite("Europe/Oslo time")
struct OsloTimeTests {
    typealias F = CalendarFixture

    private func instant(_ epochSeconds: Int) -> Date { Date(timeIntervalSince1970: TimeInterval(epochSeconds)) }
    private func epoch(_ date: Date) -> Int { Int(date.timeIntervalSince1970) }

    // Transition instants (01:00 UTC), computed independently.
    static let spring2026 = 1_774_746_000  // 2026-03-29T01:00:00Z
    static let autumn2026 = 1_792_890_000  // 2026-10-25T01:00:00Z
    static let spring2027 = 1_806_195_600  // 2027-03-28T01:00:00Z
    static let autumn2027 = 1_824_944_400  // 2027-10-31T01:00:00Z

    @Test(arguments: [(2026, spring2026, autumn2026), (2027, spring2027, autumn2027)])
    func transitionInstants(year: Int, spring: Int, autumn: Int) {
        #expect(epoch(OsloTime.summerTimeStart(year: year)) == spring)
        #expect(epoch(OsloTime.summerTimeEnd(year: year)) == autumn)
        #expect(OsloTime.utcOffsetSeconds(at: instant(spring - 1)) == 3600)
        #expect(OsloTime.utcOffsetSeconds(at: instant(spring)) == 7200)
        #expect(OsloTime.utcOffsetSeconds(at: instant(autumn - 1)) == 7200)
        #expect(OsloTime.utcOffsetSeconds(at: instant(autumn)) == 3600)
        // Wall clock around the jumps.
        #expect(OsloTime.localDateTime(at: instant(spring - 1)).time.description == "01:59:59")
        #expect(OsloTime.localDateTime(at: instant(spring)).time.description == "03:00:00")
        #expect(OsloTime.localDateTime(at: instant(autumn - 1)).time.description == "02:59:59")
        #expect(OsloTime.localDateTime(at: instant(autumn)).time.description == "02:00:00")
    }

    @Test(arguments: [("2026-03-29", spring2026), ("2027-03-28", spring2027)])
    func springGapResolvesForward(day: String, spring: Int) {
        func at(_ time: String) -> LocalDateTime { F.dateTime(day + "T" + time) }
        #expect(epoch(OsloTime.instant(for: at("01:59:59"))) == spring - 1)
        #expect(OsloTime.utcOffsetSeconds(for: at("01:59:59")) == 3600)
        // 02:00 and 02:30 do not exist: they resolve one hour forward (03:00 / 03:30 CEST).
        #expect(epoch(OsloTime.instant(for: at("02:00"))) == spring)
        #expect(epoch(OsloTime.instant(for: at("02:30"))) == spring + 1800)
        #expect(OsloTime.localDateTime(at: OsloTime.instant(for: at("02:30"))) == at("03:30"))
        #expect(OsloTime.isInGap(at("02:30")))
        #expect(!OsloTime.isInGap(at("03:00")))
        #expect(epoch(OsloTime.instant(for: at("03:00"))) == spring)
        #expect(OsloTime.utcOffsetSeconds(for: at("03:00")) == 7200)
    }

    @Test(arguments: [("2026-10-25", autumn2026), ("2027-10-31", autumn2027)])
    func autumnOverlapResolvesToFirstInstance(day: String, autumn: Int) {
        func at(_ time: String) -> LocalDateTime { F.dateTime(day + "T" + time) }
        #expect(epoch(OsloTime.instant(for: at("01:59:59"))) == autumn - 3600 - 1)
        // 02:00–02:59 happen twice; the first (CEST) instance is chosen.
        #expect(epoch(OsloTime.instant(for: at("02:00"))) == autumn - 3600)
        #expect(epoch(OsloTime.instant(for: at("02:59:59"))) == autumn - 1)
        #expect(OsloTime.utcOffsetSeconds(for: at("02:30")) == 7200)
        #expect(OsloTime.isAmbiguous(at("02:30")))
        #expect(epoch(OsloTime.instant(for: at("03:00"))) == autumn + 3600)
        #expect(OsloTime.utcOffsetSeconds(for: at("03:00")) == 3600)
    }

    @Test func roundTripEveryHourFor2026And2027() {
        let start = F.date("2026-01-01").daysSinceEpoch * 86_400 - 3600
        let end = F.date("2028-01-01").daysSinceEpoch * 86_400
        for s in stride(from: start, to: end, by: 900) {
            let local = OsloTime.localDateTime(at: instant(s))
            let back = epoch(OsloTime.instant(for: local))
            // Only the second pass through the autumn overlap does not round-trip.
            if back != s && !(OsloTime.isAmbiguous(local) && back == s - 3600) {
                Issue.record("round trip failed at \(s): \(local) -> \(back)")
                return
            }
        }
    }

    @Test func formatting() {
        let t = F.dateTime("2027-03-02T14:00")
        #expect(epoch(OsloTime.instant(for: t)) == 1_803_992_400)
        #expect(OsloTime.iso8601(OsloTime.instant(for: t)) == "2027-03-02T14:00:00+01:00")
        #expect(OsloTime.iso8601(OsloTime.instant(for: F.dateTime("2027-06-15T09:05:07"))) == "2027-06-15T09:05:07+02:00")
        #expect(OsloTime.norwegianLong(t) == "tirsdag 2. mars 2027 kl. 14.00")
        #expect(OsloTime.norwegianLong(OsloTime.instant(for: t)) == "tirsdag 2. mars 2027 kl. 14.00")
        #expect(OsloTime.norwegianLong(F.dateTime("2027-05-17T08:30")) == "mandag 17. mai 2027 kl. 08.30")
        #expect(OsloTime.norwegianDate(F.date("2027-08-15")) == "søndag 15. august 2027")
        #expect(OsloTime.norwegianShort(F.date("2027-03-02")) == "02.03.2027")
        #expect(OsloTime.norwegianShort(instant(1_803_992_400)) == "02.03.2027")
        // 23:30 UTC on 1 Jan is already 2 Jan in Oslo.
        #expect(OsloTime.localDate(at: instant(F.date("2027-01-01").daysSinceEpoch * 86_400 + 23 * 3600 + 1800))
            == F.date("2027-01-02"))
        #expect((1...12).map(OsloTime.norwegianMonthName) == [
            "januar", "februar", "mars", "april", "mai", "juni",
            "juli", "august", "september", "oktober", "november", "desember",
        ])
        #expect(Weekday.allCases.map(\.norwegianName) == ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"])
    }
}
