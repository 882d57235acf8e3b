import SamtakDomain
import Testing

@Suite("Norwegian public holidays")
struct NorwegianHolidaysTests {
    typealias F = CalendarFixture

    @Test(arguments: [
        (2025, "2025-04-20"), (2026, "2026-04-05"), (2027, "2027-03-28"),
        (2028, "2028-04-16"), (2029, "2029-04-01"), (2030, "2030-04-21"),
    ])
    func easterSunday(year: Int, expected: String) {
        #expect(NorwegianHolidays.easterSunday(year: year) == F.date(expected))
    }

    @Test func easterKnownExtremes() {
        #expect(NorwegianHolidays.easterSunday(year: 2285) == F.date("2285-03-22"))  // earliest possible
        #expect(NorwegianHolidays.easterSunday(year: 2038) == F.date("2038-04-25"))  // latest possible
        #expect(NorwegianHolidays.easterSunday(year: 2000) == F.date("2000-04-23"))
    }

    @Test func allHolidays2026() {
        let list = NorwegianHolidays.holidays(in: 2026)
        let rendered = list.map { "\($0.date) \($0.name)" }
        #expect(rendered == [
            "2026-01-01 Første nyttårsdag",
            "2026-04-02 Skjærtorsdag",
            "2026-04-03 Langfredag",
            "2026-04-05 Første påskedag",
            "2026-04-06 Andre påskedag",
            "2026-05-01 Arbeidernes dag",
            "2026-05-14 Kristi himmelfartsdag",
            "2026-05-17 Grunnlovsdag",
            "2026-05-24 Første pinsedag",
            "2026-05-25 Andre pinsedag",
            "2026-12-25 Første juledag",
            "2026-12-26 Andre juledag",
        ])
        for holiday in list {
            #expect(NorwegianHolidays.holiday(on: holiday.date) == holiday)
            #expect(NorwegianHolidays.isPublicHoliday(holiday.date))
            #expect(!NorwegianHolidays.isWorkingDay(holiday.date))
        }
    }

    @Test func coincidingHolidays2027() {
        // 2027: Whit Monday falls on 17 May. Both are listed; lookup gives Grunnlovsdag.
        let may17 = NorwegianHolidays.holidays(in: 2027).filter { $0.date == F.date("2027-05-17") }
        #expect(Set(may17.map(\.kind)) == [.whitMonday, .constitutionDay])
        #expect(NorwegianHolidays.holiday(on: F.date("2027-05-17"))?.name == "Grunnlovsdag")
        #expect(NorwegianHolidays.holiday(on: F.date("2027-05-06"))?.name == "Kristi himmelfartsdag")
    }

    @Test func workingDays() {
        #expect(NorwegianHolidays.isWorkingDay(F.date("2026-04-07")))  // Tuesday after Easter
        #expect(!NorwegianHolidays.isWorkingDay(F.date("2026-04-06")))  // Easter Monday
        #expect(!NorwegianHolidays.isWorkingDay(F.date("2026-04-11")))  // Saturday
        #expect(!NorwegianHolidays.isWorkingDay(F.date("2026-04-12")))  // Sunday
        #expect(NorwegianHolidays.isWorkingDay(F.date("2026-12-24")))  // Christmas Eve is not a public holiday
        #expect(NorwegianHolidays.holiday(on: F.date("2026-06-23")) == nil)
        #expect(NorwegianHolidays.holidays(in: 2030).count == 12)
    }
}
