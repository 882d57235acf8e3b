import Foundation
import SamtakPostgres
import Testing

/// The hand-written UUID text form (``PostgresUUIDText``) agrees with Foundation's on every
/// value and is stricter than it. Pure: no database.
@Suite("UUID text without sscanf")
struct UUIDTextTests {
    @Test("round trip and agreement with Foundation on 10,000 random UUIDs, either case")
    func agreesWithFoundation() {
        for _ in 0..<10_000 {
            let uuid = UUID()
            let text = PostgresUUIDText.format(uuid)
            #expect(text == uuid.uuidString.lowercased())
            #expect(PostgresUUIDText.parse(text) == uuid)
            #expect(PostgresUUIDText.parse(uuid.uuidString) == uuid)
        }
        #expect(PostgresUUIDText.format(UUID(uuid: (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 255)))
                == "00010203-0405-0607-0809-0a0b0c0d0eff")
    }

    @Test("refuses anything but the canonical 36-character form", arguments: [
        "", "6d3f1c0e-4a57-4f34-9f0a-1c2b3d4e5f6", "6d3f1c0e-4a57-4f34-9f0a-1c2b3d4e5f600", "6d3f1c0e4a574f349f0a1c2b3d4e5f60",
        "{6d3f1c0e-4a57-4f34-9f0a-1c2b3d4e5f6}", "6d3f1c0e_4a57-4f34-9f0a-1c2b3d4e5f60", "6d3f1c0e-4a57-4f34-9f0a-1c2b3d4e5f6g",
        "6d3f1c0-e4a57-4f34-9f0a-1c2b3d4e5f60", " 6d3f1c0e-4a57-4f34-9f0a-1c2b3d4e5f6", "6d3f1c0e-4a57-4f34-9f0a-1c2b3d4e5fæ",
    ])
    func refuses(_ text: String) {
        // (Foundation's sscanf-based parser accepts some of these, e.g. a leading space and a short
        // last group; PostgreSQL never writes them, and a column that held one would be corrupt.)
        #expect(PostgresUUIDText.parse(text) == nil)
    }
}
