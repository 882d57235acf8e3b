import Foundation
@testable import SamtakIntake
import Testing

@Suite("String.trimmed")
struct TrimmingTests {
    @Test("trims exactly what Foundation's trimming with .whitespacesAndNewlines trims")
    func sameAsFoundation() {
        let samples = [
            "", " ", "abc", "  abc  ", "\t\n abc \r\n", "\u{0B}\u{0C}x\u{0B}", "\u{00A0}abc\u{3000}", "\u{2028}a b\u{2029}",
            "\u{85}x\u{85}", "a\u{0301} ", " \u{0301}", "\u{200B}abc\u{200B}", "\u{1680}\u{205F}é\u{202F}", "æøå", "\u{FEFF}x",
            "\u{2000}\u{200A}mid dle\u{2009}", "🙂 ", " \n\t ",
        ]
        for sample in samples {
            #expect(sample.trimmed == sample.trimmingCharacters(in: .whitespacesAndNewlines),
                    "\(sample.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }
}
