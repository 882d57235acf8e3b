import Foundation
import SamtakTestSupport
import Testing

/// The typed answers' key checks: a test that asserts a field is left out must fail when it
/// is sent, even as null.
@Suite("Test support: typed answers and their keys")
struct APIAnswersTests {
    struct Slot: Decodable, Sendable {
        var freeNow: Bool
        var booking: String?
    }

    @Test func keyedKeepsTheKeysAsSentAndReadsThrough() throws {
        let sent = try API.decode(API.Keyed<Slot>.self, from: Data(#"{"free_now":true,"booking":null}"#.utf8))
        #expect(sent.keys == ["free_now", "booking"])
        #expect(sent.freeNow && sent.booking == nil)
        let left = try API.decode(API.Keyed<Slot>.self, from: Data(#"{"free_now":false}"#.utf8))
        #expect(left.keys == ["free_now"])
    }

    @Test func topLevelKeysAreAsSent() {
        #expect(API.keys(of: Data(#"{"pending_handover":null,"id":"x"}"#.utf8)) == ["pending_handover", "id"])
        #expect(API.keys(of: Data("not json".utf8)).isEmpty)
    }
}
