/// Norwegian public holidays ("helligdager" and the two statutory days 1 May and 17 May).
/// Sundays that are not named holidays are not listed; `isWorkingDay` treats every Saturday and
/// Sunday as non-working anyway.
public enum NorwegianHolidays {
    public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        case newYearsDay
        case maundyThursday
        case goodFriday
        case easterSunday
        case easterMonday
        case labourDay
        case constitutionDay
        case ascensionDay
        case whitSunday
        case whitMonday
        case christmasDay
        case boxingDay

        /// Bokmål name.
        public var norwegianName: String {
            switch self {
            case .newYearsDay: "Første nyttårsdag"
            case .maundyThursday: "Skjærtorsdag"
            case .goodFriday: "Langfredag"
            case .easterSunday: "Første påskedag"
            case .easterMonday: "Andre påskedag"
            case .labourDay: "Arbeidernes dag"
            case .constitutionDay: "Grunnlovsdag"
            case .ascensionDay: "Kristi himmelfartsdag"
            case .whitSunday: "Første pinsedag"
            case .whitMonday: "Andre pinsedag"
            case .christmasDay: "Første juledag"
            case .boxingDay: "Andre juledag"
            }
        }
    }

    public struct Holiday: Sendable, Hashable, Codable {
        public let date: LocalDate
        public let kind: Kind
        public var name: String { kind.norwegianName }

        public init(date: LocalDate, kind: Kind) {
            self.date = date
            self.kind = kind
        }
    }

    /// Easter Sunday by the Gregorian computus (Meeus/Jones/Butcher).
    public static func easterSunday(year: Int) -> LocalDate {
        let a = year % 19
        let b = year / 100
        let c = year % 100
        let d = b / 4
        let e = b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4
        let k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return LocalDate(uncheckedYear: year, month: month, day: day)
    }

    /// All public holidays of `year`, in date order.
    public static func holidays(in year: Int) -> [Holiday] {
        let easter = easterSunday(year: year)
        let fixed: [Holiday] = [
            Holiday(date: LocalDate(uncheckedYear: year, month: 1, day: 1), kind: .newYearsDay),
            Holiday(date: easter.adding(days: -3), kind: .maundyThursday),
            Holiday(date: easter.adding(days: -2), kind: .goodFriday),
            Holiday(date: easter, kind: .easterSunday),
            Holiday(date: easter.adding(days: 1), kind: .easterMonday),
            Holiday(date: LocalDate(uncheckedYear: year, month: 5, day: 1), kind: .labourDay),
            Holiday(date: LocalDate(uncheckedYear: year, month: 5, day: 17), kind: .constitutionDay),
            Holiday(date: easter.adding(days: 39), kind: .ascensionDay),
            Holiday(date: easter.adding(days: 49), kind: .whitSunday),
            Holiday(date: easter.adding(days: 50), kind: .whitMonday),
            Holiday(date: LocalDate(uncheckedYear: year, month: 12, day: 25), kind: .christmasDay),
            Holiday(date: LocalDate(uncheckedYear: year, month: 12, day: 26), kind: .boxingDay),
        ]
        // Ascension can coincide with 1 May or 17 May (e.g. 2008: 1 May); keep both entries,
        // sorted by date with the movable feast first.
        return fixed.sorted { $0.date < $1.date }
    }

    /// The holiday on `date`, if any. When two coincide (Ascension Day on 1 or 17 May),
    /// the fixed-date holiday is returned.
    public static func holiday(on date: LocalDate) -> Holiday? {
        guard let kind = kind(on: date) else { return nil }
        return Holiday(date: date, kind: kind)
    }

    public static func isPublicHoliday(_ date: LocalDate) -> Bool { kind(on: date) != nil }

    /// Monday to Friday and not a public holiday.
    public static func isWorkingDay(_ date: LocalDate) -> Bool {
        date.weekday.isWeekday && kind(on: date) == nil
    }

    static func kind(on date: LocalDate) -> Kind? {
        switch (date.month, date.day) {
        case (1, 1): return .newYearsDay
        case (5, 1): return .labourDay
        case (5, 17): return .constitutionDay
        case (12, 25): return .christmasDay
        case (12, 26): return .boxingDay
        default: break
        }
        // Movable feasts fall between 19 March (Maundy Thursday) and 14 June (Whit Monday).
        guard date.month >= 3, date.month <= 6 else { return nil }
        let offset = easterSunday(year: date.year).days(until: date)
        switch offset {
        case -3: return .maundyThursday
        case -2: return .goodFriday
        case 0: return .easterSunday
        case 1: return .easterMonday
        case 39: return .ascensionDay
        case 49: return .whitSunday
        case 50: return .whitMonday
        default: return nil
        }
    }
}
