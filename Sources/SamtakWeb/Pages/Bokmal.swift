import Foundation
import SamtakDomain

/// How the pages say things in bokmål: times in Europe/Oslo, the API's codes in words.
enum Bokmal {
    static let oslo = TimeZone(identifier: "Europe/Oslo") ?? .current

    static func date(_ iso: Any?) -> Date? {
        guard let text = iso as? String else { return nil }
        return utcSeconds(text) ?? (try? Date(text, strategy: .iso8601))
    }

    /// The API's own form of an instant, "2027-01-05T13:00:00Z", read by hand instead of by
    /// Foundation's ISO 8601 parser; nil for any other form.
    static func utcSeconds(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { b -> Date? in
            guard b.count == 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
                  b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b[19] == UInt8(ascii: "Z") else { return nil }
            func number(_ from: Int, _ count: Int) -> Int? {
                var value = 0
                for index in from..<(from + count) {
                    let digit = Int(b[index]) - 48
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
                  let minute = number(14, 2), let second = number(17, 2),
                  let date = LocalDate(year: year, month: month, day: day), hour < 24, minute < 60, second < 60 else { return nil }
            let seconds = date.daysSinceEpoch * 86_400 + hour * 3_600 + minute * 60 + second
            return Date(timeIntervalSince1970: TimeInterval(seconds))
        }
    }

    private static let weekdays = ["søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"]
    private static let months = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
                                 "november", "desember"]

    /// The instant's Oslo wall-clock parts (weekday as `Calendar` counts: 1 = Sunday), from the
    /// domain's own Oslo rules (``OsloTime``), not a `Calendar` made per call (with the parser
    /// below, building a 30-item agenda's rows went from 9.5 % to 5.6 % of samtak-web's CPU).
    static func parts(_ date: Date) -> DateComponents {
        let local = OsloTime.localDateTime(at: date)
        return DateComponents(year: local.date.year, month: local.date.month, day: local.date.day, hour: local.time.hour,
                              minute: local.time.minute, weekday: local.date.weekday.rawValue % 7 + 1)
    }

    /// "tirsdag 5. januar 2027 kl. 09.00"
    static func dateTime(_ iso: Any?) -> String {
        guard let date = date(iso) else { return "" }
        let p = parts(date)
        return "\(weekdays[(p.weekday ?? 1) - 1]) \(p.day ?? 0). \(months[(p.month ?? 1) - 1]) \(p.year ?? 0) kl. \(time(p))"
    }

    /// "09.00"
    static func clock(_ iso: Any?) -> String {
        guard let date = date(iso) else { return "" }
        return time(parts(date))
    }

    static func time(_ p: DateComponents) -> String {
        twoDigits(p.hour ?? 0) + "." + twoDigits(p.minute ?? 0)
    }

    static func twoDigits(_ value: Int) -> String { value < 10 && value >= 0 ? "0\(value)" : String(value) }

    /// An instant's Oslo date as "2027-01-15" (a form's value).
    static func isoDay(_ iso: Any?) -> String {
        guard let date = date(iso) else { return "" }
        let p = parts(date)
        return String(format: "%04d-%02d-%02d", p.year ?? 0, p.month ?? 0, p.day ?? 0)
    }

    /// A calendar date "2027-01-15" → "15. januar 2027".
    static func day(_ text: Any?) -> String {
        guard let text = text as? String else { return "" }
        let fields = text.split(separator: "-").compactMap { Int($0) }
        guard fields.count == 3, (1...12).contains(fields[1]) else { return text }
        return "\(fields[2]). \(months[fields[1] - 1]) \(fields[0])"
    }

    private static let caseStatusLabels: [String: String] = [
        "submitted": "Sendt inn, venter på et møte", "scheduled": "Satt opp på et møte", "discussed": "Drøftet i møtet",
        "closed": "Avsluttet", "referred_on": "Henvist videre", "withdrawn": "Trukket tilbake",
        "awaiting_information": "Venter på flere opplysninger",
    ]

    static func caseStatus(_ code: Any?) -> String {
        caseStatusLabels[code as? String ?? ""] ?? "Ukjent status"
    }

    private static let meetingStatusLabels: [String: String] = [
        "planned": "Planlagt", "agenda_published": "Saksliste sendt ut", "held": "Holdt", "cancelled": "Avlyst",
        "minutes_approved": "Referat godkjent",
    ]

    static func meetingStatus(_ code: Any?) -> String {
        meetingStatusLabels[code as? String ?? ""] ?? (code as? String ?? "")
    }

    private static let minutesStatusLabels: [String: String] = ["none": "Ikke påbegynt", "draft": "Utkast", "approved": "Godkjent"]

    static func minutesStatus(_ code: Any?) -> String {
        minutesStatusLabels[code as? String ?? ""] ?? (code as? String ?? "Ikke påbegynt")
    }

    /// Every decision's label.
    static let decisionLabels: [String: String] = [
        "follow_up": "Drøftet, følges opp videre", "close": "Avsluttes", "refer_to_ppt": "Henvises til PPT",
        "call_samarbeidsmote": "Innkalle til samarbeidsmøte", "accepted": "Tatt inn", "rejected": "Ikke tatt inn",
        "needs_more_information": "Trenger flere opplysninger", "granted": "Innvilget", "denied": "Avslått",
    ]

    /// The decisions a meeting of the arena kind makes (the domain's `CaseDecision.allowed(in:)`), in the form's order.
    static func decisions(for arenaKind: Any?) -> [(code: String, label: String)] {
        let kind = (arenaKind as? String).flatMap(ArenaKind.init(rawValue:)) ?? .ressursteam
        return CaseDecision.allowed(in: kind).map { ($0.rawValue, decisionLabels[$0.rawValue] ?? $0.rawValue) }
    }

    static func decision(_ code: Any?) -> String { decisionLabels[code as? String ?? ""] ?? "" }

    private static let deliveryStateLabels: [String: String] = ["pending": "Venter", "sending": "Sendes", "sent": "Sendt", "failed": "Feilet"]

    static func deliveryState(_ code: Any?) -> String {
        deliveryStateLabels[code as? String ?? ""] ?? (code as? String ?? "")
    }

    private static let documentKindLabels: [String: String] = ["agenda": "Saksliste", "minutes": "Referat", "cancellation": "Avlysning", "notice": "Varsel"]

    static func documentKind(_ code: Any?) -> String {
        documentKindLabels[code as? String ?? ""]
            ?? (code as? String ?? "")
    }

    static func failureReason(_ code: Any?) -> String {
        guard let code = code as? String, !code.isEmpty else { return "" }
        switch code {
        case "no_address": return "Mottakeren har ingen e-postadresse i registeret."
        case "retries_exhausted": return "E-posttjeneren svarte ikke etter gjentatte forsøk."
        default:
            if code.hasPrefix("smtp_") { return "E-posttjeneren avviste meldingen (kode \(code.dropFirst(5)))." }
            return "Ukjent feil (\(code))."
        }
    }

    private static let noticeLabels: [String: String] = [
        "handover_requested": "Du er bedt om å overta som koordinator for et barn.",
        "handed_over": "Koordinatoransvaret for et barn er overført.",
        "handover_declined": "Forespørselen om å overta koordinatoransvaret ble avslått.",
        "handover_cancelled": "Forespørselen om å overta koordinatoransvaret ble trukket tilbake.",
        "evaluation_due": "Et tiltak skal evalueres.",
        "minutes_overdue": "Referatet fra et ansvarsgruppemøte mangler.",
        "referral_information_requested": "Inntaksmøtet ber om flere opplysninger i en henvisning du har sendt.",
        "referral_follow_up_assigned": "Du skal følge opp en henvisning BUP har avslått.",
        "referral_follow_up_overdue": "Fristen for å følge opp en avslått henvisning er passert.",
        "talk_reminder": "Du har en samtale i morgen.",
        "bullying_team_established": "Du er med i et nytt team mot mobbing.",
    ]

    static func notice(_ code: Any?) -> String {
        noticeLabels[code as? String ?? ""] ?? "Et varsel fra Samtak."
    }

    private static let visibilityLabels: [String: String] = ["full": "", "redacted": "Du ser bare at saken står på sakslisten.", "anonymous": "Anonym sak"]

    static func visibility(_ code: Any?) -> String {
        visibilityLabels[code as? String ?? ""] ?? ""
    }

    /// The API's finding messages for an anonymous case (fixed English sentences, never the
    /// text found) in bokmål.
    static func finding(_ message: String) -> String {
        if message.contains("eleven-digit") { return "inneholder et tall med elleve sifre (kan være et fødselsnummer)" }
        if message.contains("date of birth") { return "inneholder noe som ligner en fødselsdato" }
        if message.contains("phone") { return "inneholder noe som ligner et telefonnummer" }
        if message.contains("known to the submitting unit") { return "inneholder navnet på et barn ved enheten din" }
        if message.contains("full name of a child") { return "inneholder det fulle navnet på et barn i kommunen" }
        return "kan inneholde opplysninger som identifiserer noen"
    }
}

/// The fields of a submitted form, in order, with every value of a repeated name.
struct FormFields: Sendable {
    var pairs: [(String, String)]

    init(body: String) {
        pairs = body.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    subscript(_ name: String) -> String? { pairs.first { $0.0 == name }?.1 }

    /// The value, trimmed; "" when absent.
    func text(_ name: String) -> String { (self[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }

    func all(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }
}
